"""One workload priced on many models, as ``pricing.price_totals`` prices it, for ``recommend``.

Decisions:
- ``recommend`` prices a workload of prompt and completion tokens (plus one web search per request
  when asked) on some 200 models a call; ``price_totals`` resolves the rates and builds the parts
  anew for each. Here the four rates such a workload uses are read once per catalog (``Rates``)
  and a call only multiplies and adds.
- The arithmetic is ``price_totals``'s, step for step: the same parts (one with no quantity is
  left out, the request part when its rate is zero), in the same order, summed from the same
  ``ZERO``, then times ``requests``. Decimal results depend on the operands' exponents as well as
  their values, so only the same steps give the same ``str()``. Like ``price_totals`` it never
  rounds: the sums run in ``money.EXACT`` (its methods, which is cheaper than entering it).
- A pricing with overrides has rates that depend on the prompt size and the UTC time of day, but
  only on which side of each override's threshold (``min_prompt_tokens``, strictly more) and
  window bounds (HHMM, start inclusive, end exclusive) they fall: ``VaryingRates`` reads each such
  cell once from ``pricing.effective_rates``, the engine's own resolution.
- A dynamic price, a listing without a completion price, or a usage with any other part (cache,
  reasoning, images), goes through ``price_totals`` itself.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from .errors import DynamicPriceError, MissingPriceError
from .money import EXACT, ZERO
from .pricing import Usage, effective_rates, price_totals
from .schema import Pricing

Cost = tuple[Decimal, Decimal]  # per request, total
ONE = Decimal(1)


class Rates(NamedTuple):
    """What a prompt/completion/web-search workload is billed at, as ``_priced_parts`` reads it."""

    prompt: Decimal
    completion: Decimal
    web_search: Decimal
    request: Decimal


def rates_of(listed: Mapping[str, Decimal]) -> Rates:
    """The rates of a listing with no ``-1`` (an absent key is free, as in ``_priced_parts``)."""
    get = listed.get
    return Rates(
        get("prompt", ZERO), get("completion", ZERO), get("web_search", ZERO), get("request", ZERO)
    )


class VaryingRates:
    """The rates of a pricing with overrides, per cell of (prompt size, time of day) in which no
    override's condition changes; each cell is read once from ``effective_rates``."""

    def __init__(self, pricing: Pricing) -> None:
        overrides = pricing.overrides
        self.pricing = pricing
        self.thresholds = sorted({t for o in overrides if (t := o.min_prompt_tokens) is not None})
        self.bounds = sorted(
            {
                bound
                for o in overrides
                if o.utc_start is not None and o.utc_end is not None
                for bound in (o.utc_start, o.utc_end)
            }
        )
        self.cells: dict[tuple[int, int], Rates] = {}

    def at(self, prompt_tokens: int, at: datetime) -> Rates:
        """The rates for this prompt size at ``at`` (UTC)."""
        cell = (
            bisect_left(self.thresholds, prompt_tokens),  # how many thresholds it is over
            bisect_right(self.bounds, at.hour * 100 + at.minute),  # how many bounds have passed
        )
        rates = self.cells.get(cell)
        if rates is None:
            rates = self.cells[cell] = rates_of(effective_rates(self.pricing, prompt_tokens, at)[0])
        return rates


def workload_rates(pricing: Pricing) -> Rates | VaryingRates | None:
    """What ``workload_pricer`` prices ``pricing`` by: None (``price_totals`` itself) for a
    dynamic price or a listing without a completion price."""
    if pricing.is_dynamic or "completion" not in pricing.listed_rates:
        return None
    return VaryingRates(pricing) if pricing.overrides else rates_of(pricing.listed_rates)


Pricer = Callable[[Pricing, Rates | VaryingRates | None, str], Cost | None]


def workload_pricer(usage: Usage, at: datetime) -> Pricer:
    """``price_totals`` of ``usage`` at ``at``, as a function of (pricing, its ``workload_rates``,
    model id): (per request, total), or None for a dynamic or missing price."""
    usage.validate()
    at = at.astimezone(UTC)
    prompt, completion = usage.prompt_tokens, usage.completion_tokens
    searches, requests = usage.web_searches, usage.requests
    # Decimal * int converts the int exactly, to this same Decimal: the products are the same.
    prompt_n, completion_n, searches_n = Decimal(prompt), Decimal(completion), Decimal(searches)
    requests_n = Decimal(requests)
    add, mul = EXACT.add, EXACT.multiply  # ``money.exactly``'s context, without entering it

    def general(pricing: Pricing, model_id: str) -> Cost | None:
        try:
            return price_totals(pricing, usage, at=at, model_hint=model_id)
        except (DynamicPriceError, MissingPriceError):
            return None

    def linear(pricing: Pricing, rates: Rates | VaryingRates | None, model_id: str) -> Cost | None:
        if rates is None:
            return general(pricing, model_id)
        if isinstance(rates, VaryingRates):
            rates = rates.at(prompt, at)
        prompt_rate, completion_rate, search_rate, request_rate = rates
        per_request = ZERO
        if prompt:
            per_request = add(per_request, mul(prompt_rate, prompt_n))
        if completion:
            per_request = add(per_request, mul(completion_rate, completion_n))
        if searches:
            per_request = add(per_request, mul(search_rate, searches_n))
        if request_rate:  # one request part per request, as in _priced_parts
            per_request = add(per_request, mul(request_rate, ONE))
        return per_request, mul(per_request, requests_n)

    if (
        usage.reasoning_tokens
        or usage.cached_prompt_tokens
        or usage.cache_write_tokens
        or usage.images
    ):
        return lambda pricing, _, model_id: general(pricing, model_id)
    return linear
