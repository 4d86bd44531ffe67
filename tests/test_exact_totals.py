"""Exact at any size: at the largest counts the tools accept, every price of every snapshot gives
the result an exact rational computation (``fractions.Fraction``) gives, to the last digit; the
default 28-digit Decimal context rounded such totals once they passed about $1M."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from conftest import SHARED_DATA, model_snapshot_names
from openrouter_pricing.core.builtin import load_builtin_catalog
from openrouter_pricing.core.errors import DynamicPriceError, MissingPriceError
from openrouter_pricing.core.fees import byok_fee, payment_for_credits, purchase_fee
from openrouter_pricing.core.limits import (
    MAX_REQUESTS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
)
from openrouter_pricing.core.linear_cost import workload_pricer, workload_rates
from openrouter_pricing.core.money import MAX_NUMBER_CHARS, display_usd, per_million, per_token
from openrouter_pricing.core.pricing import (
    Usage,
    price_totals,
    price_usage,
)
from openrouter_pricing.core.schema import Pricing, parse_models

AT = datetime(2026, 8, 19, 12, 0, tzinfo=UTC)
# The largest counts accepted, less one: all nines, so no trailing zero hides a rounded digit.
TOKENS, UNITS, REQUESTS = MAX_TOKENS_PER_REQUEST - 1, MAX_UNITS_PER_REQUEST - 1, MAX_REQUESTS - 1

# The largest usage of each shape: every part at its bound (parts within their parents).
LARGEST = [Usage(prompt_tokens=TOKENS, completion_tokens=TOKENS, requests=REQUESTS)] + [
    Usage(
        prompt_tokens=TOKENS,
        completion_tokens=TOKENS,
        reasoning_tokens=TOKENS - 1,
        cached_prompt_tokens=TOKENS // 3,
        cache_write_tokens=TOKENS // 3 + 1,
        cache_write_ttl=ttl,
        images=UNITS,
        web_searches=UNITS,
        requests=REQUESTS,
    )
    for ttl in ("5m", "1h")
]


def _pricings(raw: Any) -> list[tuple[str, Pricing]]:
    """Every model's pricing in a /models body, and every endpoint's where the body has them."""
    models, _ = parse_models(raw)
    found = [(m.id, m.pricing) for m in models]
    items = raw.get("data", []) if isinstance(raw, dict) else raw
    for item in items:
        for endpoint in (item.get("openrouter_endpoint_details") or {}).get("endpoints") or []:
            label = f"{item['id']}@{endpoint.get('tag')}"
            found.append((label, Pricing.model_validate(endpoint["pricing"])))
    return found


def _sources() -> list[tuple[str, list[tuple[str, Pricing]]]]:
    sources = [("builtin", _pricings(load_builtin_catalog().raw))]
    for name in model_snapshot_names():
        sources.append((name, _pricings(json.loads((SHARED_DATA / name).read_text("utf-8")))))
    return sources


def _listed(pricing: Pricing) -> set[Fraction]:
    prices = {Fraction(v) for v in pricing.listed_rates.values()}
    for override in pricing.overrides:
        prices |= {Fraction(v) for v in override.listed_rates.values()}
    return prices


def _check_exact(model_id: str, pricing: Pricing, usage: Usage) -> bool:
    """Asserts the breakdown is the exact rational result; False when the model has no fixed
    price for this usage."""
    try:
        breakdown = price_usage(pricing, usage, at=AT, model_hint=model_id)
    except (DynamicPriceError, MissingPriceError):
        return False
    listed = _listed(pricing)
    per_request = Fraction(0)
    for item in breakdown.line_items:
        unit_price = Fraction(item.unit_price)
        assert unit_price in listed or unit_price == 0, (model_id, item)
        assert isinstance(item.quantity, int)  # text pricing counts whole units
        one = item.quantity // usage.requests
        assert one * usage.requests == item.quantity
        assert Fraction(item.cost) == unit_price * one * usage.requests, (model_id, item)
        per_request += unit_price * one
    assert Fraction(breakdown.per_request) == per_request, model_id
    assert Fraction(breakdown.total) == per_request * usage.requests, model_id
    totals = price_totals(pricing, usage, at=AT, model_hint=model_id)
    assert totals == (breakdown.per_request, breakdown.total)
    assert [str(x) for x in totals] == [str(breakdown.per_request), str(breakdown.total)]
    return True


SOURCES = _sources()


@pytest.mark.parametrize(("name", "pricings"), SOURCES, ids=[name for name, _ in SOURCES])
def test_every_price_is_exact_at_the_largest_counts(
    name: str, pricings: list[tuple[str, Pricing]]
) -> None:
    priced = 0
    for model_id, pricing in pricings:
        for usage in LARGEST:
            priced += _check_exact(model_id, pricing, usage)
        pricer = workload_pricer(LARGEST[0], AT)  # recommend's fast path, the same digits
        cost = pricer(pricing, workload_rates(pricing), model_id)
        try:
            want = price_totals(pricing, LARGEST[0], at=AT, model_hint=model_id)
        except (DynamicPriceError, MissingPriceError):
            assert cost is None
        else:
            assert cost == want and [str(x) for x in cost] == [str(x) for x in want], model_id
    assert priced > len(pricings)  # most models have a fixed price


def test_long_digit_cache_write_prices_past_a_million_dollars() -> None:
    """The case the audit found (gemini-3.5-flash, 2026-05-31): the cache-write price
    0.00000008333333333333334 in a total of millions of dollars keeps every digit; the 28-digit
    context gave 2357913762925.419568272222226."""
    pricing = Pricing.model_validate(
        {
            "prompt": "0.0000015",
            "completion": "0.000009",
            "input_cache_read": "0.00000015",
            "input_cache_write": "0.00000008333333333333334",
        }
    )
    usage = Usage(
        prompt_tokens=TOKENS,
        completion_tokens=TOKENS,
        cached_prompt_tokens=TOKENS // 3,
        cache_write_tokens=TOKENS // 3 + 1,
        requests=REQUESTS,
    )
    total = price_usage(pricing, usage, at=AT).total
    per_request = (
        Fraction("0.0000015") * (TOKENS - TOKENS // 3 - TOKENS // 3 - 1)
        + Fraction("0.00000015") * (TOKENS // 3)
        + Fraction("0.00000008333333333333334") * (TOKENS // 3 + 1)
        + Fraction("0.000009") * TOKENS
    )
    assert Fraction(total) == per_request * REQUESTS
    assert total > 1_000_000


@pytest.mark.parametrize(
    "price",
    [
        "0." + "9" * (MAX_NUMBER_CHARS - 2),  # the most digits a price may have
        "1." + "7" * (MAX_NUMBER_CHARS - 6) + "E-20",  # and at the smallest magnitude
        "999999999." + "9" * (MAX_NUMBER_CHARS - 10),  # and at the largest
    ],
)
def test_the_longest_and_most_extreme_prices_stay_exact(price: str) -> None:
    keys: tuple[str, ...] = ("prompt", "completion", "internal_reasoning", "input_cache_read")
    keys += ("input_cache_write", "image", "web_search", "request")
    pricing = Pricing.model_validate(dict.fromkeys(keys, price))
    for usage in LARGEST:
        assert _check_exact("edge", pricing, usage)
    assert Fraction(per_million(Decimal(price))) == Fraction(price) * 10**6
    assert Fraction(per_token(per_million(Decimal(price)))) == Fraction(price)
    huge = Decimal("9" * 27 + "." + "9" * 40)  # beyond any total: shown, not an error
    assert display_usd(huge) == "about $1," + ",".join(["000"] * 9)  # rounded, and says so


def test_fees_are_exact_for_amounts_of_any_length() -> None:
    amount = Decimal("123456789012345678901234567890.123456789012345678901234567891")
    assert Fraction(purchase_fee(amount)) == Fraction(amount) * Fraction("0.055")
    assert Fraction(purchase_fee(amount, "crypto")) == Fraction(amount) * Fraction("0.05")
    assert Fraction(payment_for_credits(amount)) == Fraction(amount) * Fraction("1.055")
    assert Fraction(byok_fee(amount)) == Fraction(amount) * Fraction("0.05")
