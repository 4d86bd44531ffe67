"""Looking up a list of generation ids within one shared wait and a bounded number of requests.

Decisions:
- All ids share one ``wait_seconds``, counted from the start of the call, instead of each id
  waiting on its own behind a queue: a list of 50 ids that never appear ends after about
  ``wait_seconds`` (plus one request), like a single id.
- Polling goes in rounds: every id still unknown is asked once (``CONCURRENT_LOOKUPS`` at a time),
  then the round waits ``POLL_SECONDS`` (growing) before the next. So a list costs at most
  ids x rounds requests, about 11 rounds in 60 s, and the call's upstream budget
  (``upstream_budget``) caps it further; once it is spent the ids left go to ``not_found``.
- The waits use the client's ``sleep``, so tests with a fake sleep stay fast.
"""

from __future__ import annotations

import math
import time
from typing import Any

import anyio

from ..core.errors import NotFoundError, PricingError
from ..core.openrouter import OpenRouterClient
from ..core.schema import Generation
from ..core.upstream_budget import UpstreamBudgetSpent

CONCURRENT_LOOKUPS = 8
POLL_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0)  # then the last one again, until the wait is over


async def lookup_generations(
    client: OpenRouterClient, ids: list[str], key: Any, wait_seconds: float
) -> dict[str, Generation | PricingError]:
    """Each id's generation, or the error that ended its lookup (``NotFoundError`` once the
    shared wait is over)."""
    wait = min(max(wait_seconds, 0.0), 60.0) if math.isfinite(wait_seconds) else 0.0
    started, slept, rounds = time.monotonic(), 0.0, 0
    found: dict[str, Generation | PricingError] = {}
    pending = list(ids)
    limiter = anyio.CapacityLimiter(CONCURRENT_LOOKUPS)
    spent: UpstreamBudgetSpent | None = None

    async def ask(generation_id: str) -> None:
        nonlocal spent
        async with limiter:
            if spent is not None:
                return
            try:
                found[generation_id] = await client.get_generation(
                    generation_id, api_key=key, wait_seconds=0.0
                )
            except NotFoundError:
                pass
            except UpstreamBudgetSpent as exc:
                spent = exc
            except PricingError as exc:
                found[generation_id] = exc

    while pending and spent is None:
        rounds += 1
        async with anyio.create_task_group() as tg:
            for generation_id in pending:
                tg.start_soon(ask, generation_id)
        pending = [i for i in pending if i not in found]
        elapsed = max(time.monotonic() - started, slept)
        if not pending or elapsed >= wait:
            break
        delay = min(POLL_SECONDS[min(rounds, len(POLL_SECONDS)) - 1], wait - elapsed)
        await client.sleep(delay)
        slept += delay
    elapsed = max(time.monotonic() - started, slept)
    for generation_id in pending:
        why = (
            "before this call reached its limit of requests to OpenRouter "
            "(OPENROUTER_PRICING_MAX_UPSTREAM_REQUESTS_PER_CALL)"
            if spent is not None
            else f"after {elapsed:.1f} seconds ({rounds} tries)"
        )
        found[generation_id] = NotFoundError(
            f"OpenRouter still had no generation {generation_id!r} {why}; check the id, or ask "
            "again with a longer wait_seconds (up to 60) if the request finished only moments "
            "ago.",
            404,
        )
    return found


__all__ = ["CONCURRENT_LOOKUPS", "lookup_generations"]
