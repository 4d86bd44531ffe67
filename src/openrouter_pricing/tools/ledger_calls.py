"""What the spend tools' implementations share: checked tags, the key in use and its scope, and
calls into the ledger.

Decisions:
- The ledger identifies a key by a short one-way hash (``core.ledger.key_hash``) and its label;
  the key itself is never stored. Over HTTP the key in use is the caller's ``X-OpenRouter-Key``,
  else the server's. A report shows only what was recorded under the key in use, unless the
  operator sets ``OPENROUTER_PRICING_LEDGER_ALL_KEYS=1``.
- A database that cannot be opened is the spend tool's error: "the ledger is unavailable" and why.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..core.errors import PricingError
from ..core.ledger import LedgerDB, check_tags
from ..core.settings import Secret
from ..state import AppState
from .common import AppContext, caller_key, fail

T = TypeVar("T")


def checked_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    try:
        return check_tags(tags or {})
    except PricingError as exc:
        fail(str(exc))


def key_in_use(ctx: AppContext, state: AppState) -> Secret | None:
    """The caller's own key over HTTP, else the server's."""
    return caller_key(ctx) or state.settings.api_key


async def on_ledger(state: AppState, work: Callable[[LedgerDB], T]) -> T:
    """``work`` on the ledger; an unavailable database (or a bad budgets file) is the error."""
    try:
        return await state.ledger.run(work)
    except PricingError as exc:
        fail(str(exc))
