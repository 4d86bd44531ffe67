"""``check_budget``: may this spend go ahead? The operator's budgets, the key's limit and the
account's credits against a planned amount, with an optional hold.

Decisions:
- The planned spend is ``amount_usd``, or ``model`` plus the usage arguments of ``estimate_cost``
  priced by the core at the listed price now (``planned_usage`` is the one place that turns the
  arguments into a ``Usage``: new usage kinds plug in there).
- ``budgets[]`` (built by ``budget_rows``) has one row per operator budget covering the tags
  (``kind: budget``), then the key's limit and the account's credits where OpenRouter shows them
  (``kind: key_limit`` and ``account``). Each row: spent and held so far, what remains, what
  remains after this spend, when it resets, and the runway in days at the recent pace (the last 7
  days; for the key and the account, OpenRouter's weekly usage of the key).
- ``allowed`` is true when every row can take the planned amount. ``shortfall_usd`` is what the
  tightest row lacks. ``top_up`` prices the credits to buy when the account is short (card and
  crypto fees from ``core.fees``); a key limit that is too low is said in ``notes``, since only
  its owner can raise it.
- ``reserve=true`` and allowed: a hold of the planned amount is taken in one serialized database
  transaction (the budget figures are re-read inside it, so two agents are never both allowed the
  last dollar) and counts against every covering budget until get_generation_cost records the
  generation with the ``reservation_id`` or it expires.
- ``max_price`` caps the real request at the estimated rates, as OpenRouter's
  ``provider.max_price`` wants them: USD per million tokens for prompt and completion, USD per
  request and per image.
"""

from decimal import Decimal
from typing import Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .ledger_common import Tags
from .limits import MAX_REQUESTS, MAX_TOKENS_PER_REQUEST, MAX_UNITS_PER_REQUEST
from .outputs import CheckBudgetOutput

MAX_PLANNED_USD = Decimal(1_000_000)
MAX_PLANNED_DECIMALS = 18  # finer than any price; keeps the exact sums within their digits
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS_PER_REQUEST)]


async def check_budget(
    ctx: AppContext,
    *,
    amount_usd: Annotated[
        Decimal | None,
        Field(
            ge=0,
            le=MAX_PLANNED_USD,
            decimal_places=MAX_PLANNED_DECIMALS,
            description='The planned spend in USD, e.g. "0.25".',
        ),
    ] = None,
    model: Annotated[
        str | None,
        Field(min_length=1, max_length=200, description="Price the usage below on this model."),
    ] = None,
    prompt_tokens: Tokens = 0,
    completion_tokens: Tokens = 0,
    reasoning_tokens: Annotated[Tokens, Field(description="Part of completion_tokens.")] = 0,
    cached_prompt_tokens: Annotated[Tokens, Field(description="Part of prompt_tokens.")] = 0,
    cache_write_tokens: Annotated[Tokens, Field(description="Part of prompt_tokens.")] = 0,
    cache_write_ttl: Literal["5m", "1h"] = "5m",
    images: Units = 0,
    web_searches: Units = 0,
    requests: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] = 1,
    tags: Tags = None,
    reserve: Annotated[
        bool, Field(description="Hold the amount until the generation is recorded or expires.")
    ] = False,
) -> Annotated[CallToolResult, CheckBudgetOutput]:
    """Check a planned spend against the operator's budgets, the key's limit and the account's
    credits before sending a request, and optionally hold it (reserve=true) so concurrent agents
    cannot spend the same money. Give amount_usd, or model plus the usage of estimate_cost
    (prompt_tokens, completion_tokens, ...). tags pick the budgets that apply (e.g. {"project":
    "docs-bot"}). Returns allowed, each budget's remaining amount before and after, the shortfall
    and what topping up would cost, max_price to cap the real request at the estimate, and with
    reserve=true a reservation_id to pass to get_generation_cost. Money is USD as exact decimal
    strings. Example: {"model": "openai/gpt-4o-mini", "prompt_tokens": 12000,
    "completion_tokens": 800, "tags": {"project": "docs-bot"}, "reserve": true}."""
    from ._impl.check_budget import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        amount_usd=amount_usd,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_ttl=cache_write_ttl,
        images=images,
        web_searches=web_searches,
        requests=requests,
        tags=tags,
        reserve=reserve,
    )
