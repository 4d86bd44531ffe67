"""Money parsing and display: exact, never float, "-1" kept apart, absent is zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_pricing.core.errors import PriceFormatError
from openrouter_pricing.core.money import (
    DYNAMIC_PRICE,
    display_usd,
    format_usd,
    is_dynamic,
    parse_amount,
    parse_price,
    per_million,
    per_token,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.000003", Decimal("0.000003")),
        ("0.0000000208333333333333", Decimal("0.0000000208333333333333")),
        ("0.0000009499999999999999", Decimal("0.0000009499999999999999")),
        (0, Decimal(0)),
        ("0", Decimal(0)),
        (None, Decimal(0)),
        ("", Decimal(0)),
        (" 0.5 ", Decimal("0.5")),
    ],
)
def test_parse_price_is_exact(raw: object, expected: Decimal) -> None:
    parsed = parse_price(raw)  # type: ignore[arg-type]
    assert parsed == expected
    assert isinstance(parsed, Decimal)


def test_float_inputs_keep_the_digits_they_were_written_with() -> None:
    # OpenRouter's own numbers carry float noise; we keep the digits as written (never the binary
    # expansion that Decimal(float) would give) and compare bills with a tolerance elsewhere.
    assert parse_amount(4.1400000000000003e-05) == Decimal("0.000041400000000000003")
    assert parse_amount(0.00003452) == Decimal("0.00003452")
    assert parse_price(0.1) == Decimal("0.1")


def test_dynamic_marker_is_kept_apart() -> None:
    assert parse_price("-1") == DYNAMIC_PRICE
    assert is_dynamic(parse_price("-1"))
    assert not is_dynamic(parse_price("1"))


@pytest.mark.parametrize("raw", ["-0.5", "abc", "NaN", "Infinity", "-inf", True])
def test_bad_prices_are_refused(raw: object) -> None:
    with pytest.raises(PriceFormatError):
        parse_price(raw)  # type: ignore[arg-type]


def test_amounts_may_be_negative_and_none_stays_none() -> None:
    assert parse_amount(-0.0003) == Decimal("-0.0003")
    assert parse_amount(None) is None
    with pytest.raises(PriceFormatError):
        parse_amount("nan")


def test_per_million_round_trip() -> None:
    assert per_million(Decimal("0.000003")) == Decimal(3)
    assert per_token(Decimal("0.25")) == Decimal("0.00000025")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0.010500"), "0.0105"),
        (Decimal("3.000"), "3"),
        (Decimal("0"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-0.25"), "-0.25"),
        (Decimal("1.2E+3"), "1200"),
    ],
)
def test_format_usd(amount: Decimal, text: str) -> None:
    assert format_usd(amount) == text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=12))
def test_format_usd_round_trips_exactly(amount: Decimal) -> None:
    text = format_usd(amount)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == amount


def test_display_usd_never_shows_a_tiny_cost_as_zero() -> None:
    assert display_usd(Decimal("0.0105")) == "$0.0105"
    assert display_usd(Decimal("0.000000123")) == "about $0.00000012"
    assert display_usd(Decimal(0)) == "$0"
    assert display_usd(Decimal("-2.5")) == "-$2.5"


def test_display_usd_separates_thousands_and_marks_what_it_rounds() -> None:
    assert display_usd(Decimal("1234567.5")) == "$1,234,567.5"
    assert display_usd(Decimal("-1234.25")) == "-$1,234.25"
    assert display_usd(Decimal("1234.1234567")) == "about $1,234.123457"
    assert display_usd(Decimal("0.123456789"), places=4) == "about $0.1235"
    assert display_usd(Decimal("0.12"), places=4) == "$0.12"
    assert display_usd(Decimal("1234.123456789"), places=None) == "$1,234.123456789"
    assert display_usd(Decimal("0.0000000000001"), places=None) == "$0.0000000000001"
