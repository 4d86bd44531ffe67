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

from datetime import date
from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .outputs import PriceChangesOutput

Name = Annotated[str, Field(min_length=1, max_length=200)]


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
    from ._impl.price_changes import answer  # deferred: the core loads on the first call

    return await answer(ctx, since=since, models=models, authors=authors, limit=limit)
