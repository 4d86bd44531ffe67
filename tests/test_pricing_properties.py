"""Property-based checks of the pricing engine over random prices and usages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openrouter_pricing.core.fees import payment_for_credits, purchase_fee
from openrouter_pricing.core.pricing import Usage, effective_rates, price_usage
from openrouter_pricing.core.schema import Pricing

prices = st.decimals(min_value=0, max_value=Decimal("0.001"), places=12).map(str)
counts = st.integers(min_value=0, max_value=2_000_000)
times = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@st.composite
def pricings(draw: st.DrawFn) -> Pricing:
    prompt = draw(prices)
    completion = draw(prices)
    raw: dict[str, object] = {"prompt": prompt, "completion": completion}
    for key in ("input_cache_read", "input_cache_write", "internal_reasoning", "request"):
        if draw(st.booleans()):
            raw[key] = draw(prices)
    if draw(st.booleans()):
        raw["overrides"] = [
            {"min_prompt_tokens": draw(counts), "prompt": draw(prices), "completion": draw(prices)}
        ]
    return Pricing.model_validate(raw)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    prompt = draw(counts)
    cached = draw(st.integers(0, prompt))
    written = draw(st.integers(0, prompt - cached))
    completion = draw(counts)
    reasoning = draw(st.integers(0, completion))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        reasoning_tokens=reasoning,
        cached_prompt_tokens=cached,
        cache_write_tokens=written,
        cache_write_ttl=draw(st.sampled_from(["5m", "1h"])),
        requests=draw(st.integers(1, 1000)),
    )


@given(pricings(), usages(), times)
def test_cost_is_never_negative_and_items_add_up(
    rates: Pricing, usage: Usage, at: datetime
) -> None:
    result = price_usage(rates, usage, at=at)
    assert result.total >= 0
    assert all(item.cost >= 0 for item in result.line_items)
    assert sum((item.cost for item in result.line_items), Decimal(0)) == result.total


@given(pricings(), usages(), st.integers(1, 1000), times)
def test_cost_is_additive_over_requests(
    rates: Pricing, usage: Usage, extra: int, at: datetime
) -> None:
    a = price_usage(rates, usage, at=at)
    b = price_usage(rates, replace(usage, requests=extra), at=at)
    both = price_usage(rates, replace(usage, requests=usage.requests + extra), at=at)
    assert both.total == a.total + b.total


GROWABLE = {"completion_tokens", "images", "web_searches", "requests"}


@given(pricings(), usages(), st.sampled_from(sorted(GROWABLE)), times)
def test_cost_is_monotonic_in_counts_that_do_not_move_tiers(
    rates: Pricing, usage: Usage, field: str, at: datetime
) -> None:
    rates = rates.model_copy(update={"image": Decimal("0.001"), "web_search": Decimal("0.01")})
    bigger = replace(usage, **{field: getattr(usage, field) + 1})
    assert price_usage(rates, bigger, at=at).total >= price_usage(rates, usage, at=at).total


@given(pricings(), usages(), times)
def test_more_prompt_tokens_never_cost_less_without_tiers(
    rates: Pricing, usage: Usage, at: datetime
) -> None:
    flat = rates.model_copy(update={"overrides": ()})
    bigger = replace(usage, prompt_tokens=usage.prompt_tokens + 1)
    assert price_usage(flat, bigger, at=at).total >= price_usage(flat, usage, at=at).total


@given(usages(), prices, prices, times)
def test_a_token_moved_into_a_cheaper_subset_never_raises_the_total(
    usage: Usage, base: str, cache: str, at: datetime
) -> None:
    assume(Decimal(cache) <= Decimal(base))
    rates = Pricing.model_validate({"prompt": base, "completion": "0", "input_cache_read": cache})
    uncached = usage.prompt_tokens - usage.cached_prompt_tokens - usage.cache_write_tokens
    assume(uncached > 0)
    moved = replace(usage, cached_prompt_tokens=usage.cached_prompt_tokens + 1)
    assert price_usage(rates, moved, at=at).total <= price_usage(rates, usage, at=at).total


@given(st.integers(0, 10_000_000), prices, prices)
def test_tier_switches_exactly_at_its_threshold(threshold: int, base: str, tier: str) -> None:
    rates = Pricing.model_validate(
        {
            "prompt": base,
            "completion": "0",
            "overrides": [{"min_prompt_tokens": threshold, "prompt": tier}],
        }
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    below, applied_below = effective_rates(rates, threshold, at)
    above, applied_above = effective_rates(rates, threshold + 1, at)
    assert below["prompt"] == Decimal(base) and applied_below == ()
    assert above["prompt"] == Decimal(tier) and len(applied_above) == 1


@settings(max_examples=300)
@given(st.integers(0, 2359), st.integers(0, 2359), st.integers(0, 23), st.integers(0, 59))
def test_windows_include_start_and_exclude_end(
    start: int, end: int, hour: int, minute: int
) -> None:
    assume(start % 100 < 60 and end % 100 < 60 and start != end)
    rates = Pricing.model_validate(
        {
            "prompt": "1",
            "completion": "0",
            "overrides": [{"utc_start": start, "utc_end": end, "prompt": "2"}],
        }
    )
    at = datetime(2026, 1, 1, hour, minute, tzinfo=UTC)
    now = hour * 100 + minute
    inside = start <= now < end if start < end else (now >= start or now < end)
    rate, _ = effective_rates(rates, 0, at)
    assert rate["prompt"] == (Decimal(2) if inside else Decimal(1))


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2))
def test_card_fee_is_the_larger_of_rate_and_minimum(credits: Decimal) -> None:
    fee = purchase_fee(credits, "card")
    assert fee == max(credits * Decimal("0.055"), Decimal("0.80"))
    assert payment_for_credits(credits, "card") == credits + fee
    assert purchase_fee(credits, "crypto") == credits * Decimal("0.05")
