"""The spend ledger: generations recorded with their tags, budgets with holds, price history.

One interface (``LedgerDB``) over two backends (``backend.SqliteBackend`` by default,
``postgres.PostgresBackend`` for a shared ``postgresql://`` URL), one schema with numbered
migrations (``schema``), the operator's budgets (``budgets``), and the async face the server uses
(``service.LedgerService``). No MCP import here.
"""

from .backend import LedgerUnavailableError, open_backend
from .budgets import Budget, BudgetFileError, TagError, check_tags, load_budgets, parse_budgets
from .ledger import BudgetFigures, GenerationRecord, LedgerDB, PriceChange, SpendRow
from .service import LedgerService, key_hash

__all__ = [
    "Budget",
    "BudgetFigures",
    "BudgetFileError",
    "GenerationRecord",
    "LedgerDB",
    "LedgerService",
    "LedgerUnavailableError",
    "PriceChange",
    "SpendRow",
    "TagError",
    "check_tags",
    "key_hash",
    "load_budgets",
    "open_backend",
    "parse_budgets",
]
