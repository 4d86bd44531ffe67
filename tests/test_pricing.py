"""The pricing engine: published cases to the last digit, subsets, overrides, variants, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from openrouter_pricing.core.errors import DynamicPriceError, UsageError
from openrouter_pricing.core.pricing import (
    Usage,
    cheapest,
    effective_rates,
    price_usage,
    with_online_search,
)
from openrouter_pricing.core.schema import Pricing

NOON = datetime(2026, 8, 18, 12, 0, tzinfo=UTC)


def pricing(**prices: Any) -> Pricing:
    return Pricing.model_validate(prices)


def per_m(value: str) -> str:
    """A $-per-million rate as OpenRouter's per-token string."""
    return str(Decimal(value) / 1_000_000)


SONNET = pricing(
    prompt=per_m("3"),
    completion=per_m("15"),
    input_cache_read=per_m("0.30"),
    input_cache_write=per_m("3.75"),
)


# -- published cases ------------------------------------------------------------------------


def test_seed_document_case_claude_35_sonnet() -> None:
    # 3 / 15 $ per M; 1000 prompt + 500 completion tokens = $0.0105.
    result = price_usage(SONNET, Usage(prompt_tokens=1000, completion_tokens=500), at=NOON)
    assert result.total == Decimal("0.0105")
    assert [item.component for item in result.line_items] == ["prompt", "completion"]


def test_real_bill_with_cache_writes() -> None:
    # A real OpenRouter bill: prompt 3214 of which 3211 cache writes, completion 100.
    usage = Usage(prompt_tokens=3214, completion_tokens=100, cache_write_tokens=3211)
    result = price_usage(SONNET, usage, at=NOON)
    assert result.total == Decimal("0.01355025")
    items = {item.component: item for item in result.line_items}
    assert items["prompt"].quantity == 3
    assert items["cache_write_5m"].quantity == 3211
    assert items["cache_write_5m"].unit_price == Decimal("0.00000375")


def test_real_bill_with_reasoning_at_completion_rate() -> None:
    # A real bill: 0.25 / 2 $ per M, prompt 17, completion 2177 of which 960 reasoning.
    rates = pricing(prompt=per_m("0.25"), completion=per_m("2"))
    usage = Usage(prompt_tokens=17, completion_tokens=2177, reasoning_tokens=960)
    result = price_usage(rates, usage, at=NOON)
    assert result.total == Decimal("0.00435825")
    items = {item.component: item for item in result.line_items}
    assert items["reasoning"].unit_price == items["completion"].unit_price
    assert items["completion"].quantity + items["reasoning"].quantity == 2177


# -- parts and rates ------------------------------------------------------------------------


def test_reasoning_uses_internal_reasoning_when_listed() -> None:
    rates = pricing(prompt="0.000001", completion="0.000002", internal_reasoning="0.000005")
    result = price_usage(rates, Usage(completion_tokens=10, reasoning_tokens=4), at=NOON)
    assert result.total == Decimal("0.000002") * 6 + Decimal("0.000005") * 4


def test_zero_internal_reasoning_means_completion_rate() -> None:
    # 2025 snapshots list internal_reasoning "0" for models that bill reasoning as completion.
    rates = pricing(prompt="0.000001", completion="0.000002", internal_reasoning="0")
    result = price_usage(rates, Usage(completion_tokens=10, reasoning_tokens=4), at=NOON)
    assert result.total == Decimal("0.00002")


def test_cache_read_without_listed_price_costs_the_prompt_rate() -> None:
    rates = pricing(prompt="0.000001", completion="0.000002")
    plain = price_usage(rates, Usage(prompt_tokens=100), at=NOON)
    cached = price_usage(rates, Usage(prompt_tokens=100, cached_prompt_tokens=60), at=NOON)
    assert plain.total == cached.total == Decimal("0.0001")


def test_one_hour_cache_write_rate_and_fallback_warning() -> None:
    with_1h = pricing(
        prompt="0.000003", completion="0", input_cache_write="0.00000375",
        input_cache_write_1h="0.000006",
    )  # fmt: skip
    usage = Usage(prompt_tokens=10, cache_write_tokens=10, cache_write_ttl="1h")
    assert price_usage(with_1h, usage, at=NOON).total == Decimal("0.00006")
    without_1h = pricing(prompt="0.000003", completion="0", input_cache_write="0.00000375")
    result = price_usage(without_1h, usage, at=NOON)
    assert result.total == Decimal("0.0000375")
    assert any("1-hour" in warning for warning in result.warnings)


def test_unit_prices_images_searches_and_request_fee() -> None:
    rates = pricing(prompt="0", completion="0", image="0.001", web_search="0.014", request="0.0005")
    result = price_usage(rates, Usage(images=3, web_searches=2, requests=4), at=NOON)
    items = {item.component: item for item in result.line_items}
    assert items["image"].quantity == 12
    assert items["web_search"].cost == Decimal("0.112")
    assert items["request"].quantity == 4
    assert result.per_request == Decimal("0.003") + Decimal("0.028") + Decimal("0.0005")
    assert result.total == result.per_request * 4


def test_requests_multiply_exactly() -> None:
    one = price_usage(SONNET, Usage(prompt_tokens=1234, completion_tokens=77), at=NOON)
    many = price_usage(
        SONNET, Usage(prompt_tokens=1234, completion_tokens=77, requests=1000), at=NOON
    )
    assert many.total == one.total * 1000
    assert many.per_request == one.total


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "needle"),
    [
        (Usage(prompt_tokens=-1), "negative"),
        (Usage(completion_tokens=10, reasoning_tokens=11), "reasoning_tokens"),
        (Usage(prompt_tokens=10, cached_prompt_tokens=6, cache_write_tokens=5), "prompt_tokens"),
        (Usage(prompt_tokens=10**12), "at most"),
        (Usage(requests=0), "requests"),
        (Usage(images=10**9), "images"),
        (Usage(cache_write_ttl="2h"), "cache_write_ttl"),  # type: ignore[arg-type]
    ],
)
def test_invalid_usage_is_an_error_not_a_number(usage: Usage, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        price_usage(SONNET, usage, at=NOON)


def test_dynamic_price_is_an_error_never_a_negative_cost() -> None:
    router = pricing(prompt="-1", completion="-1")
    assert router.is_dynamic
    with pytest.raises(DynamicPriceError, match="dynamic price"):
        price_usage(router, Usage(prompt_tokens=10), at=NOON, model_hint="openrouter/auto")


# -- overrides ------------------------------------------------------------------------------

TIERED = pricing(
    prompt="0.0000005",
    completion="0.000003",
    overrides=[{"min_prompt_tokens": 128000, "prompt": "0.000001", "completion": "0.000006"}],
)


def test_tier_applies_strictly_above_threshold() -> None:
    at_threshold = price_usage(TIERED, Usage(prompt_tokens=128000), at=NOON)
    above = price_usage(TIERED, Usage(prompt_tokens=128001), at=NOON)
    assert at_threshold.applied_overrides == ()
    assert at_threshold.total == Decimal("0.0000005") * 128000
    assert above.total == Decimal("0.000001") * 128001
    assert above.applied_overrides[0].kind == "tier"
    assert above.applied_overrides[0].min_prompt_tokens == 128000


# The real time-of-day table of deepseek/deepseek-v4-pro-0813 in the 2026-08-18 snapshot.
WINDOWED = pricing(
    prompt="0.00000066",
    completion="0.00000198",
    overrides=[
        {"utc_start": 1000, "utc_end": 100, "prompt": "0.00000066", "completion": "0.00000198"},
        {"utc_start": 100, "utc_end": 400, "prompt": "0.00000132", "completion": "0.00000396"},
        {"utc_start": 400, "utc_end": 600, "prompt": "0.00000066", "completion": "0.00000198"},
        {"utc_start": 600, "utc_end": 1000, "prompt": "0.00000132", "completion": "0.00000396"},
    ],
)


@pytest.mark.parametrize(
    ("hour", "minute", "prompt_rate", "window"),
    [
        (0, 59, "0.00000066", "10:00-01:00"),  # the window that wraps midnight
        (1, 0, "0.00000132", "01:00-04:00"),  # start inclusive
        (3, 59, "0.00000132", "01:00-04:00"),
        (4, 0, "0.00000066", "04:00-06:00"),  # end exclusive
        (9, 59, "0.00000132", "06:00-10:00"),
        (10, 0, "0.00000066", "10:00-01:00"),
        (23, 30, "0.00000066", "10:00-01:00"),
    ],
)
def test_time_windows_switch_at_their_edges(
    hour: int, minute: int, prompt_rate: str, window: str
) -> None:
    at = datetime(2026, 8, 18, hour, minute, tzinfo=UTC)
    rates, applied = effective_rates(WINDOWED, 1000, at)
    assert rates["prompt"] == Decimal(prompt_rate)
    assert len(applied) == 1
    assert f"{applied[0].utc_start}-{applied[0].utc_end}" == window


def test_later_override_wins_per_key_and_unnamed_keys_keep_base() -> None:
    layered = pricing(
        prompt="0.000001",
        completion="0.000002",
        input_cache_read="0.0000001",
        overrides=[
            {"min_prompt_tokens": 10, "prompt": "0.000003", "completion": "0.000004"},
            {"min_prompt_tokens": 20, "prompt": "0.000005"},
        ],
    )
    rates, applied = effective_rates(layered, 21, NOON)
    assert rates["prompt"] == Decimal("0.000005")
    assert rates["completion"] == Decimal("0.000004")
    assert rates["input_cache_read"] == Decimal("0.0000001")
    assert len(applied) == 2


def test_time_is_taken_in_utc() -> None:
    from datetime import timedelta, timezone

    local = datetime(2026, 8, 18, 3, 30, tzinfo=timezone(timedelta(hours=5)))  # 22:30 UTC
    result = price_usage(WINDOWED, Usage(prompt_tokens=1000), at=local)
    assert result.applied_overrides[0].utc_start == "10:00"


# -- variants -------------------------------------------------------------------------------


def test_online_uses_native_search_price_when_listed() -> None:
    native = pricing(prompt="0", completion="0", web_search="0.01")
    priced, usage, note = with_online_search(native, Usage(requests=3))
    assert price_usage(priced, usage, at=NOON).total == Decimal("0.03")
    assert "native" in note


def test_online_without_native_search_uses_the_plugin_price() -> None:
    plain = pricing(prompt="0", completion="0")
    priced, usage, note = with_online_search(plain, Usage(requests=2))
    assert price_usage(priced, usage, at=NOON).total == Decimal("0.04")  # 5 results x $0.004
    assert "plugin" in note


def test_cheapest_picks_lowest_total_for_this_usage_and_skips_dynamic() -> None:
    cheap_prompt = pricing(prompt="0.000001", completion="0.00001")
    cheap_completion = pricing(prompt="0.000002", completion="0.000005")
    dynamic = pricing(prompt="-1", completion="-1")
    endpoints = [("a", cheap_prompt), ("b", cheap_completion), ("router", dynamic)]
    prompt_heavy = cheapest(endpoints, Usage(prompt_tokens=10000, completion_tokens=10), at=NOON)
    output_heavy = cheapest(endpoints, Usage(prompt_tokens=10, completion_tokens=10000), at=NOON)
    assert prompt_heavy is not None and prompt_heavy[0] == "a"
    assert output_heavy is not None and output_heavy[0] == "b"
    assert cheapest([("router", dynamic)], Usage(), at=NOON) is None
