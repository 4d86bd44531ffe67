"""Fees OpenRouter charges on top of inference: buying credits, and bring-your-own-key usage.

Facts (OpenRouter's published terms): a card purchase costs 5.5% with a $0.80 minimum (the two meet
at $14.5454...); a crypto purchase 5%; BYOK usage costs 5% of what the same usage would cost on
OpenRouter once the monthly free allowance is used. OpenRouter does not document how the fee is
rounded to cents, so these are exact and unrounded, like every amount in this package (computed
in a context wide enough for the amount given: ``money.exactly_for``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from .errors import UsageError
from .money import exactly_for

PaymentMethod = Literal["card", "crypto"]

CARD_FEE_RATE = Decimal("0.055")
CARD_MINIMUM_FEE = Decimal("0.80")
CRYPTO_FEE_RATE = Decimal("0.05")
BYOK_FEE_RATE = Decimal("0.05")


def _check_amount(name: str, amount: Decimal) -> None:
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"{name} must be a positive amount in USD, got {amount}.")


def purchase_fee(credits_usd: Decimal, method: PaymentMethod = "card") -> Decimal:
    """The fee for buying ``credits_usd`` of credits."""
    _check_amount("credits_usd", credits_usd)
    with exactly_for(credits_usd, CARD_FEE_RATE):
        if method == "crypto":
            return credits_usd * CRYPTO_FEE_RATE
        return max(credits_usd * CARD_FEE_RATE, CARD_MINIMUM_FEE)


def payment_for_credits(credits_usd: Decimal, method: PaymentMethod = "card") -> Decimal:
    """What to pay to receive ``credits_usd`` of credits: the credits plus the fee on them."""
    fee = purchase_fee(credits_usd, method)
    with exactly_for(credits_usd, fee):
        return credits_usd + fee


def byok_fee(openrouter_equivalent_usd: Decimal, *, within_free_allowance: bool = False) -> Decimal:
    """The BYOK fee for usage that would cost ``openrouter_equivalent_usd`` on OpenRouter."""
    if not openrouter_equivalent_usd.is_finite() or openrouter_equivalent_usd < 0:
        raise UsageError("the BYOK usage cost must be zero or a positive amount in USD.")
    if within_free_allowance:
        return Decimal(0)
    with exactly_for(openrouter_equivalent_usd, BYOK_FEE_RATE):
        return openrouter_equivalent_usd * BYOK_FEE_RATE
