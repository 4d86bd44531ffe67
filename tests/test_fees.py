"""Credit purchase and BYOK fees: the published figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openrouter_pricing.core.errors import UsageError
from openrouter_pricing.core.fees import byok_fee, payment_for_credits, purchase_fee


def test_card_purchase_published_cases() -> None:
    assert purchase_fee(Decimal(10)) == Decimal("0.80")  # the minimum applies
    assert purchase_fee(Decimal(100)) == Decimal("5.50")


def test_card_rate_and_minimum_cross_at_14_55() -> None:
    assert purchase_fee(Decimal("14.54")) == Decimal("0.80")
    assert purchase_fee(Decimal("14.55")) == Decimal("14.55") * Decimal("0.055")
    assert purchase_fee(Decimal("14.55")) > Decimal("0.80")


def test_crypto_and_what_to_pay() -> None:
    assert purchase_fee(Decimal(100), "crypto") == Decimal("5.00")
    assert payment_for_credits(Decimal(10)) == Decimal("10.80")
    assert payment_for_credits(Decimal(100), "crypto") == Decimal("105.00")


def test_byok_fee() -> None:
    assert byok_fee(Decimal("2.00")) == Decimal("0.10")
    assert byok_fee(Decimal("2.00"), within_free_allowance=True) == 0


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5), Decimal("NaN")])
def test_fee_inputs_are_checked(amount: Decimal) -> None:
    with pytest.raises(UsageError):
        purchase_fee(amount)
