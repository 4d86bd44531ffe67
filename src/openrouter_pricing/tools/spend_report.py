"""``spend_report``: where the money went, from the ledger, checked against OpenRouter's activity,
with a savings review.

Decisions:
- ``since`` and ``until`` are UTC dates, both included, by when each generation ran; the default is
  the last 7 days (today and the 6 before). ``group_by`` is one or two of ``day``, ``model``,
  ``provider`` and ``tag:NAME``; a generation without that tag groups under null.
- The report shows what was recorded under the key in use (the caller's over HTTP), unless the
  operator allows every key (``OPENROUTER_PRICING_LEDGER_ALL_KEYS=1``).
- With a management key, ``activity_total_usd`` is OpenRouter's ``GET /activity`` total for the
  same days (it covers the last 30 completed UTC days, so today is never in it), and
  ``unrecorded_usd`` is that total minus the ledger's for the same completed days: spend that
  never went through get_generation_cost. Without one, both are null and a note says why.
- ``savings[]`` is ``spend_savings``'s review of the models with the most spend.
"""

from datetime import date
from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .ledger_common import Tags
from .outputs import SpendReportOutput

GroupName = Annotated[str, Field(min_length=3, max_length=44)]


async def spend_report(
    ctx: AppContext,
    *,
    since: Annotated[
        date | None, Field(description="First UTC day (YYYY-MM-DD); default 6 days before until.")
    ] = None,
    until: Annotated[
        date | None, Field(description="Last UTC day, included; default today.")
    ] = None,
    group_by: Annotated[
        list[GroupName],
        Field(min_length=1, max_length=2, description="day, model, provider or tag:NAME."),
    ] = ["model"],  # noqa: B006 - pydantic copies defaults; the SDK reads it for the schema
    tags: Tags = None,
) -> Annotated[CallToolResult, SpendReportOutput]:
    """Report what was spent (recorded by get_generation_cost) between two UTC dates, grouped by
    day, model, provider or a tag (tag:project), filtered by tags; compare it with OpenRouter's
    own activity (management key) to find unrecorded spend; and review the models with the most
    spend: what the same requests would have cost at their cheapest endpoint (:floor) and on the
    cheapest model with the same capabilities and quality. Read-only. Money is USD as exact
    decimal strings. Example: {"since": "2026-11-01", "until": "2026-11-30", "group_by":
    ["day", "tag:project"]}."""
    from ._impl.spend_report import answer  # deferred: the core loads on the first call

    return await answer(ctx, since=since, until=until, group_by=group_by, tags=tags)
