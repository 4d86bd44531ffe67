"""What every tool shares: the catalog block, money strings, error translation, the caller's key.

Decisions:
- Money leaves the server as an exact decimal string (``core.money.format_usd``), never a float;
  the schema says so with a pattern. Text summaries use ``display_usd`` (short, human).
- Every ``PricingError`` becomes a ``ToolError`` carrying its one safe sentence, so the agent reads
  what went wrong and what to do. Anything else is a bug: the SDK withholds its text and logs it.
- ``X-OpenRouter-Key`` (HTTP only) is read per call from the request headers, handed to the client
  for that one call, and never logged, cached or echoed.
- Results are ``CallToolResult``s whose ``structured_content`` is the tool's output contract (a
  ``TypedDict`` from ``tools.outputs``, checked key by key by the type checker where it is built,
  not validated per call), and a text summary we write ourselves. The same contracts publish the
  schema; the tests check every result against it too (the guard keeps the SDK from validating
  it again per call).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from ..core.errors import PricingError
from ..core.moments import as_utc
from ..core.money import display_usd, format_usd
from ..core.settings import Secret
from ..core.text import plural
from ..state import AppState
from .outputs import DECIMAL_PATTERN, CatalogBlock, Usd

if TYPE_CHECKING:  # core.store is heavy: common is read at start-up (the tools' signatures)
    from ..core.store import CatalogInfo, CatalogSnapshot

AppContext = Context[AppState, Any]

CALLER_KEY_HEADER = "x-openrouter-key"

# The money type and the catalog block live with the output contracts; re-exported for the tools.
__all__ = ["DECIMAL_PATTERN", "CatalogBlock", "Usd"]


def usd(amount: Decimal) -> str:
    """An exact decimal string for structured output."""
    return format_usd(amount)


def usd_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else format_usd(amount)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def catalog_dict(info: "CatalogInfo") -> CatalogBlock:
    """The catalog block, with ``live_fetch_error`` only when the last live fetch failed."""
    block = CatalogBlock(
        source=info.source,
        fetched_at=iso_utc(info.fetched_at),
        age_seconds=float(info.age_seconds),
        stale=info.stale,
        model_count=info.model_count,
    )
    if info.live_fetch_error:
        block["live_fetch_error"] = info.live_fetch_error
    return block


def catalog_block(info: "CatalogInfo") -> CatalogBlock:
    """The catalog block with ``live_fetch_error`` always present (null when the fetch worked),
    as recommend_model, get_generation_cost and the resources have always sent it."""
    return CatalogBlock(
        source=info.source,
        fetched_at=iso_utc(info.fetched_at),
        age_seconds=float(info.age_seconds),
        stale=info.stale,
        model_count=info.model_count,
        live_fetch_error=info.live_fetch_error or None,
    )


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def stale_warning(info: "CatalogInfo") -> str | None:
    """The warning line for a stale catalog, or ``None`` when it is fresh."""
    if not info.stale:
        return None
    if info.source == "builtin":
        return (
            f"Prices come from the built-in catalog as of {iso_utc(info.fetched_at)[:10]} "
            f"({_age(info.age_seconds)} old); live prices may differ."
        )
    if info.source == "file":
        dated_by = info.dated_by or "its data"
        return (
            f"Prices come from the --catalog-file, as of {iso_utc(info.fetched_at)[:10]} (dated "
            f"by {dated_by}; at least {_age(info.age_seconds)} old) and never refreshed by the "
            "server; live prices may differ."
        )
    return (
        f"The catalog is stale ({_age(info.age_seconds)} old, source: {info.source}); a refresh "
        "is attempted in the background, so prices may be out of date."
    )


def catalog_lines(info: "CatalogInfo") -> list[str]:
    """The text-summary lines about the catalog: its source and age (and, when the live fetch
    failed, why: on the first line, which every tool shows), and a stale warning."""
    line = (
        f"Catalog: {info.source}, {plural(info.model_count, 'model')}, fetched "
        f"{iso_utc(info.fetched_at)} ({_age(info.age_seconds)} ago)."
    )
    if info.live_fetch_error:
        line += (
            f" The live fetch from OpenRouter failed ({info.live_fetch_error}), so these prices "
            f"come from the {_SOURCE_NAMES.get(info.source, info.source)}."
        )
    lines = [line]
    warning = stale_warning(info)
    if warning:
        lines.append(f"Warning: {warning}")
    return lines


_SOURCE_NAMES = {
    "cache": "disk cache",
    "builtin": "built-in catalog",
    "live": "catalog fetched earlier",
}


def result(output: Mapping[str, Any], text: str) -> CallToolResult:
    """A tool result: ``output`` (the tool's contract from ``tools.outputs``, JSON-ready) as
    structured content, ``text`` as the readable summary."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=dict(output),
    )


def fail(message: str) -> NoReturn:
    """End the call with an ``isError`` result carrying ``message`` (one actionable sentence)."""
    raise ToolError(message)


def utc_moment(at: datetime | None) -> datetime:
    """``at`` in UTC (naive means UTC), or now; a time that leaves the calendar is an error."""
    if at is None:
        return datetime.now(UTC)
    try:
        return as_utc(at)
    except OverflowError:
        fail(
            f"at={at.isoformat()} falls outside the years 1 to 9999 once converted to UTC; give "
            "a time such as '2026-08-20T23:00:00Z'."
        )


@contextmanager
def pricing_errors() -> Iterator[None]:
    """Turn the core's errors into ``ToolError``s with their safe, actionable sentence."""
    try:
        yield
    except PricingError as exc:
        raise ToolError(str(exc)) from None


def state_of(ctx: AppContext) -> AppState:
    return ctx.request_context.lifespan_context


async def load_catalog(ctx: AppContext) -> "tuple[AppState, CatalogSnapshot, CatalogInfo]":
    """The state, the catalog to answer with, and its freshness."""
    state = state_of(ctx)
    with pricing_errors():
        snapshot = await state.store.get()
    return state, snapshot, state.store.info(snapshot)


def caller_key(ctx: AppContext) -> Secret | None:
    """The caller's own OpenRouter key from ``X-OpenRouter-Key`` (HTTP only), else ``None``."""
    try:
        headers = ctx.headers
    except ValueError:  # no request context (called outside a request)
        return None
    if not headers:
        return None
    value = headers.get(CALLER_KEY_HEADER) or headers.get("X-OpenRouter-Key") or ""
    value = value.strip()
    return Secret(value) if value else None


def require_online(state: AppState, purpose: str) -> None:
    if state.settings.offline:
        fail(
            f"The server runs offline (OPENROUTER_PRICING_OFFLINE=1 or --offline), so it cannot "
            f"ask OpenRouter {purpose}; restart it without offline mode."
        )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A compact, aligned plain-text table."""
    lines = [headers, *rows]
    widths = [max(map(len, column)) for column in zip(*lines, strict=True)]
    line = "  ".join([*(f"{{:<{width}}}" for width in widths[:-1]), "{}"])  # the last unpadded
    return "\n".join(line.format(*cells).rstrip() for cells in lines)


def money_text(amount: Decimal | None, missing: str = "-") -> str:
    return missing if amount is None else display_usd(amount)


def per_m_text(per_m: str | None, missing: str = "-") -> str:
    """A per-million price for a table cell ("$0.15"); ``missing`` when not listed or dynamic."""
    return missing if per_m is None else f"${per_m}"
