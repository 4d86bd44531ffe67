"""``price_changes``: every price that changed between the catalogs this server (or any sharing its
database) has loaded.

Decisions:
- Each catalog loaded (live, cache, file or built-in) is compared with the last one stored for the
  same source; every price key that differs on a model present in both is kept, with when the new
  price was first seen (the new catalog's fetch time). Models that appear or disappear are not
  price changes. A change seen through two sources is listed once, at its first sighting.
- The catalog in use is recorded before answering, so a change it brings is never missing.
- ``old`` and ``new`` are OpenRouter's listed prices (USD per token for token keys, per unit for
  ``image``, ``request``, ``web_search``...); null means the key was not listed.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from mcp.types import CallToolResult
from pydantic import Field

from ..core.money import per_million
from .common import AppContext, fail, load_catalog, result, table
from .ledger_common import on_ledger
from .outputs import ChangeOut, PriceChangesOutput
from .spend_report import FIRST_DAY, LAST_DAY

if TYPE_CHECKING:
    from ..core.ledger import LedgerDB, PriceChange

DEFAULT_DAYS = 30
UNIT_KEYS = frozenset({"image", "image_output", "web_search", "request"})
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _shown(key: str, price: str | None) -> str:
    if price is None:
        return "-"
    if key in UNIT_KEYS:
        return f"${price}"
    return f"${per_million(Decimal(price))}/M"


def _change_out(c: "PriceChange") -> ChangeOut:
    seen = c.first_seen.replace(".000000Z", "Z")
    return ChangeOut(model=c.model, price_key=c.price_key, old=c.old, new=c.new, first_seen=seen)


async def price_changes(
    ctx: AppContext,
    *,
    since: Annotated[
        date | None, Field(description="First UTC day to include; default 30 days ago.")
    ] = None,
    models: Annotated[
        list[Name] | None, Field(max_length=50, description="Only these ids.")
    ] = None,
    authors: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]] | None,
        Field(max_length=20, description="Only these authors, e.g. ['openai']."),
    ] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
) -> Annotated[CallToolResult, PriceChangesOutput]:
    """List model prices that changed: every price key (prompt, completion, cache, image,
    request...) whose listed price differs between catalogs the server loaded, newest first, with
    the old and new price (USD per token for token prices, per unit otherwise) and when the new
    one was first seen. Read-only. Example: {"since": "2026-01-01", "authors": ["openai"]}."""
    state, snapshot, _ = await load_catalog(ctx)
    first = since or (datetime.now(UTC).date() - timedelta(days=DEFAULT_DAYS))
    if not FIRST_DAY <= first <= LAST_DAY:
        fail(f"since must be a day from {FIRST_DAY} to {LAST_DAY}, got {first}.")
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    from ..core.errors import PricingError

    try:
        await state.ledger.record_catalog(snapshot)
    except PricingError as exc:
        fail(str(exc))
    wanted_models = [m.strip() for m in models or []]
    wanted_authors = [a.strip().rstrip("/") for a in authors or []]

    def read(db: "LedgerDB") -> "tuple[list[PriceChange], int]":
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
