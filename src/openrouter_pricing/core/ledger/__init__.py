"""The spend ledger: generations recorded with their tags, budgets with holds, price history.

One interface (``LedgerDB``) over two backends (``backend.SqliteBackend`` by default,
``postgres.PostgresBackend`` for a shared ``postgresql://`` URL), one schema with numbered
migrations (``schema``), the operator's budgets (``budgets``), and the async face the server uses
(``service.LedgerService``). No MCP import here. The names below load their module on first use
(PEP 562), so importing the package costs nothing at start-up.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import LedgerUnavailableError, open_backend
    from .budgets import Budget, BudgetFileError, TagError, check_tags, load_budgets, parse_budgets
    from .ledger import BudgetFigures, GenerationRecord, LedgerDB, PriceChange, SpendRow
    from .service import LedgerService, key_hash

_HOME = {
    "LedgerUnavailableError": "backend",
    "open_backend": "backend",
    "Budget": "budgets",
    "BudgetFileError": "budgets",
    "TagError": "budgets",
    "check_tags": "budgets",
    "load_budgets": "budgets",
    "parse_budgets": "budgets",
    "BudgetFigures": "ledger",
    "GenerationRecord": "ledger",
    "LedgerDB": "ledger",
    "PriceChange": "ledger",
    "SpendRow": "ledger",
    "LedgerService": "service",
    "key_hash": "service",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)


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
