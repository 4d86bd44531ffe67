"""The work of ``price_changes`` (its signature, contract and decisions: ``tools.price_changes``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from mcp.types import CallToolResult

from ...core.errors import PricingError
from ...core.ledger import LedgerDB, PriceChange
from ...core.money import per_million
from ..common import AppContext, fail, load_catalog, result, table
from ..ledger_calls import on_ledger
from ..outputs import ChangeOut, PriceChangesOutput
from .spend_report import FIRST_DAY, LAST_DAY

DEFAULT_DAYS = 30
UNIT_KEYS = frozenset({"image", "image_output", "web_search", "request"})


def _shown(key: str, price: str | None) -> str:
    if price is None:
        return "-"
    if key in UNIT_KEYS:
        return f"${price}"
    return f"${per_million(Decimal(price))}/M"


def _change_out(c: PriceChange) -> ChangeOut:
    seen = c.first_seen.replace(".000000Z", "Z")
    return ChangeOut(model=c.model, price_key=c.price_key, old=c.old, new=c.new, first_seen=seen)


async def answer(
    ctx: AppContext,
    *,
    since: date | None,
    models: list[str] | None,
    authors: list[str] | None,
    limit: int,
) -> CallToolResult:
    """``price_changes``' answer, for the arguments its signature validated."""
    state, snapshot, _ = await load_catalog(ctx)
    first = since or (datetime.now(UTC).date() - timedelta(days=DEFAULT_DAYS))
    if not FIRST_DAY <= first <= LAST_DAY:
        fail(f"since must be a day from {FIRST_DAY} to {LAST_DAY}, got {first}.")
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    try:
        await state.ledger.record_catalog(snapshot)
    except PricingError as exc:
        fail(str(exc))
    wanted_models = [m.strip() for m in models or []]
    wanted_authors = [a.strip().rstrip("/") for a in authors or []]

    def read(db: LedgerDB) -> tuple[list[PriceChange], int]:
        return db.price_changes(start, wanted_models, wanted_authors, limit)

    found, total = await on_ledger(state, read)
    out = PriceChangesOutput(changes=[_change_out(c) for c in found], total=total)
    head = f"{total} price change(s) since {first.isoformat()}"
    head += f" (showing {len(found)})." if len(found) < total else "."
    rows = [
        [
            c["model"],
            c["price_key"],
            _shown(c["price_key"], c["old"]),
            _shown(c["price_key"], c["new"]),
            c["first_seen"][:10],
        ]
        for c in out["changes"]
    ]
    text = "\n".join(
        [head, table(["model", "price", "old", "new", "first seen"], rows)] if rows else [head]
    )
    return result(out, text)
