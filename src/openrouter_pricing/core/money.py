"""Money: OpenRouter price strings to exact Decimals, and Decimals back to display strings.

Decisions:
- Every price is parsed with ``Decimal(str(value))``: a price string stays exact, and a number that
  OpenRouter sent as JSON (``4.1400000000000003e-05``) keeps the digits it was written with instead
  of gaining binary noise. Floats are accepted only at this boundary and never leave it.
- ``"-1"`` is OpenRouter's marker for a dynamic price (routers). It is kept as ``DYNAMIC_PRICE`` so
  the pricing layer can refuse it; it must never become a negative cost.
- Absent prices are zero (since 2026 OpenRouter leaves zero prices out).
- Money is never rounded; ``format_usd`` only removes exponent notation and trailing zeros.
- A magnitude no real price or balance reaches (``1e999999``, ``1e-999999``, a number spelt in
  thousands of digits) is refused as malformed: kept, it would overflow the arithmetic or print as
  a megabyte of zeros, so one corrupt model could take every catalog answer down with it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import PriceFormatError

DYNAMIC_PRICE = Decimal("-1")
ZERO = Decimal(0)
ONE_MILLION = Decimal(1_000_000)

PriceInput = str | int | float | Decimal

MAX_ABS_USD = Decimal(10) ** 9  # per unit or in all: far beyond any real price or balance
MIN_ABS_USD = Decimal(10) ** -20  # the smallest non-zero magnitude accepted
MAX_NUMBER_CHARS = 64


def parse_price(value: PriceInput | None) -> Decimal:
    """Parse one OpenRouter price (USD per unit) exactly.

    ``None`` and ``""`` are zero. ``"-1"`` returns ``DYNAMIC_PRICE``. Any other negative value, NaN
    or infinity raises ``PriceFormatError``.
    """
    if value is None:
        return ZERO
    if isinstance(value, bool):
        raise PriceFormatError(f"a price must be a number, not {value!r}")
    text = str(value).strip()
    if text == "":
        return ZERO
    try:
        price = Decimal(text)
    except InvalidOperation as exc:
        raise PriceFormatError(f"not a decimal price: {text[:40]!r}") from exc
    if not price.is_finite():
        raise PriceFormatError(f"a price must be finite, got {text[:40]!r}")
    _check_magnitude(price, text)
    if price == DYNAMIC_PRICE:
        return DYNAMIC_PRICE
    if price < 0:
        raise PriceFormatError(f"a price cannot be negative, got {text[:40]!r}")
    return price


def parse_amount(value: PriceInput | None) -> Decimal | None:
    """Parse a USD amount that OpenRouter sends as a JSON number (balances, generation costs).

    Unlike prices, amounts may be negative (a cache discount is negative when cache writes cost
    more than the reads saved). ``None`` stays ``None``: an amount not reported is not zero.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise PriceFormatError(f"not a decimal amount: {str(value)[:40]!r}") from exc
    if not amount.is_finite():
        raise PriceFormatError(f"an amount must be finite, got {str(value)[:40]!r}")
    _check_magnitude(amount, str(value))
    return amount


def _check_magnitude(value: Decimal, text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS or (value and not MIN_ABS_USD <= abs(value) < MAX_ABS_USD):
        raise PriceFormatError(f"an implausible amount of USD: {text[:40]!r}")


def is_dynamic(price: Decimal) -> bool:
    """True for OpenRouter's ``-1`` marker (a price decided per request by a router)."""
    return price == DYNAMIC_PRICE


def per_million(price_per_token: Decimal) -> Decimal:
    """USD per token to USD per million tokens, exactly."""
    return price_per_token * ONE_MILLION


def per_token(price_per_million: Decimal) -> Decimal:
    """USD per million tokens to USD per token, exactly."""
    return price_per_million / ONE_MILLION


def format_usd(amount: Decimal) -> str:
    """An exact decimal string: no exponent, no trailing zeros, never rounded ("0.0105", "3", "0").

    Sign is kept for negative amounts; ``-0`` is shown as ``0``.
    """
    if amount == 0:
        return "0"
    text = f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def display_usd(amount: Decimal, places: int = 6) -> str:
    """A short human form for text summaries only ("$0.0105"); structured output uses
    ``format_usd``. Amounts of at least 10^-places are shown to ``places`` decimals; smaller
    non-zero amounts keep two significant digits, so a tiny cost never reads as "$0".
    """
    if amount == 0:
        return "$0"
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if magnitude >= Decimal(1).scaleb(-places):
        shown = magnitude.quantize(Decimal(1).scaleb(-places))
    else:
        shown = magnitude.quantize(Decimal(1).scaleb(magnitude.adjusted() - 1))
    return f"{sign}${format_usd(shown)}"
