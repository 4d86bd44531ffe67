"""``get_generation_cost``: what finished requests really cost, from OpenRouter's records.

Decisions:
- One output schema serves one id and a list: ``generations[]`` (each found generation, in the
  order asked), ``total_cost_usd`` (their sum), ``not_found[]``, and, when exactly one id was
  asked and found, that generation's fields repeated at the top level (null otherwise).
- OpenRouter answers 404 for a few seconds after a request ends, so the lookups keep asking for
  up to ``wait_seconds``, one wait shared by every id of a list (``generation_lookup``). A single
  id that stays 404 is an error; ids of a list that stay 404 go to ``not_found``. Any other
  failure (no key, 401, rate limit...) is the tool's error.
- ``estimate`` prices the same native tokens at the catalog's listed price (the price in force
  when it ran, where the price history has it: ``ledger_record``), as of the request's
  ``created_at`` (cached tokens as cache reads, reasoning at the reasoning rate), and says why the
  two may differ: the serving endpoint's price vs the listed (cheapest) one, non-token fees,
  BYOK. Amounts within a millionth (OpenRouter's float noise) count as equal.
"""

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .ledger_common import Tags
from .outputs import GetGenerationCostOutput

MAX_IDS = 50
MAX_WAIT_SECONDS = 60.0

GenerationId = Annotated[str, Field(min_length=1, max_length=200)]


async def get_generation_cost(
    ctx: AppContext,
    generation_id: Annotated[
        GenerationId | Annotated[list[GenerationId], Field(min_length=1, max_length=MAX_IDS)],
        Field(description="The 'gen-...' id from a response, or a list of up to 50."),
    ],
    wait_seconds: Annotated[
        float,
        Field(
            ge=0, le=MAX_WAIT_SECONDS, description="How long to retry while OpenRouter says 404."
        ),
    ] = 10.0,
    tags: Tags = None,
    reservation_id: Annotated[
        str | None,
        Field(
            max_length=60,
            pattern=r"^hold-[0-9a-f]{32}$",
            description="The reservation_id check_budget gave; its hold is replaced by the cost.",
        ),
    ] = None,
) -> Annotated[CallToolResult, GetGenerationCostOutput]:
    """Look up what finished OpenRouter requests really cost, by generation id (the 'id' of a
    chat completion response, 'gen-...'): the amount charged, the provider that served it, the
    tokens counted, latency, and the catalog price of the same tokens with why the two differ.
    OpenRouter needs a few seconds after a request ends before the id is known; the tool keeps
    asking for up to wait_seconds. Amounts are USD as exact decimal strings. Needs an API key
    (OPENROUTER_API_KEY, or the caller's X-OpenRouter-Key over HTTP). Example: {"generation_id":
    "gen-1771967973-0hZ8J5kY7qLMOKbPx0u3"}, or a list of ids to total a batch. Every generation
    returned is recorded in the spend ledger with your tags (e.g. {"project": "docs-bot"}); pass
    the reservation_id from check_budget to replace its hold with the real cost."""
    from ._impl.get_generation_cost import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        generation_id=generation_id,
        wait_seconds=wait_seconds,
        tags=tags,
        reservation_id=reservation_id,
    )
