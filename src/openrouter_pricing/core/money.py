"""Money: OpenRouter price strings to exact Decimals, and Decimals back to display strings.

Decisions:
- Every price is parsed with ``Decimal(str(value))``: a price string stays exact, and a number that
  OpenRouter sent as JSON (``4.1400000000000003e-05``) keeps the digits it was written with instead
  of gaining binary noise. Floats are accepted only at this boundary and never leave it.
- ``"-1"`` is OpenRouter's marker for a dynamic price (routers). It is kept as ``DYNAMIC_PRICE`` so
  the pricing layer can refuse it; it must never become a negative cost.
- Absent prices are zero (since 2026 OpenRouter leaves zero prices out).
- Money is never rounded; ``format_usd`` only removes exponent notation and trailing zeros.
  Arithmetic on money runs in ``EXACT`` (``exactly``), not the default 28-digit context, which
  would round a long-digit price times the largest counts the tools accept: every price has at
  most ``MAX_NUMBER_CHARS`` characters and a magnitude in [``MIN_ABS_USD``, ``MAX_ABS_USD``),
  every count at most 10 digits, so a cost is a sum of a few products spanning fewer than 120
  digits. ``EXACT`` holds ``EXACT_DIGITS`` and traps ``Inexact``: a result that would need
  rounding raises instead of coming out quietly wrong.
- A magnitude no real price or balance reaches (``1e999999``, ``1e-999999``, a number spelt in
  thousands of digits) is refused as malformed: kept, it would overflow the arithmetic or print as
  a megabyte of zeros, so one corrupt model could take every catalog answer down with it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    localcontext,
)

from .errors import PriceFormatError

DYNAMIC_PRICE = Decimal("-1")
ZERO = Decimal(0)
ONE_MILLION = Decimal(1_000_000)

PriceInput = str | int | float | Decimal

MAX_ABS_USD = Decimal(10) ** 9  # per unit or in all: far beyond any real price or balance
MIN_ABS_USD = Decimal(10) ** -20  # the smallest non-zero magnitude accepted
MAX_NUMBER_CHARS = 64
EXACT_DIGITS = 200  # well beyond the <120 digits any bounded cost needs (see the module doc)
EXACT = Context(
    prec=EXACT_DIGITS, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded]
)
WIDE = Context(prec=EXACT_DIGITS)  # for deliberate rounding (display) of amounts of any size


def exactly() -> AbstractContextManager[Context]:
    """``with exactly():`` runs Decimal arithmetic in ``EXACT``: never rounded, or an error."""
    return localcontext(EXACT)


def exactly_for(*operands: Decimal) -> AbstractContextManager[Context]:
    """``exactly()`` with room for the sums and products of a few of ``operands`` however many
    digits they have: for amounts a caller gives, which are not bounded like parsed prices."""
    room = sum(len(d.as_tuple().digits) + abs(d.adjusted()) for d in operands if d.is_finite())
    return localcontext(EXACT, prec=max(EXACT_DIGITS, 2 * room + 4))


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
    if len(text) > MAX_NUMBER_CHARS or (
        value and not MIN_ABS_USD <= value.copy_abs() < MAX_ABS_USD
    ):
        raise PriceFormatError(f"an implausible amount of USD: {text[:40]!r}")


def is_dynamic(price: Decimal) -> bool:
    """True for OpenRouter's ``-1`` marker (a price decided per request by a router)."""
    return price == DYNAMIC_PRICE


def per_million(price_per_token: Decimal) -> Decimal:
    """USD per token to USD per million tokens, exactly."""
    return EXACT.multiply(price_per_token, ONE_MILLION)


def per_token(price_per_million: Decimal) -> Decimal:
    """USD per million tokens to USD per token, exactly, however many digits a caller gave."""
    with exactly_for(price_per_million):
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


def display_usd(amount: Decimal, places: int | None = 6) -> str:
    """A human form for text summaries and tables only ("$1,234.5", "about $0.0105"); structured
    output uses ``format_usd``. Thousands are separated. Amounts of at least 10^-places are shown
    to ``places`` decimals, smaller non-zero ones to two significant digits (a tiny cost never
    reads as "$0"); when that drops digits the figure is marked "about", so a rounded amount is
    never passed off as exact. ``places=None`` always shows the exact amount.
    """
    if amount == 0:
        return "$0"
    sign = "-" if amount < 0 else ""
    magnitude = amount.copy_abs()  # abs() would round to the default 28 digits
    if places is None:
        shown = magnitude
    elif magnitude >= Decimal(1).scaleb(-places):
        shown = magnitude.quantize(Decimal(1).scaleb(-places), context=WIDE)
    else:
        shown = magnitude.quantize(Decimal(1).scaleb(magnitude.adjusted() - 1), context=WIDE)
    text = f"{shown:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    about = "" if shown == magnitude else "about "
    return f"{about}{sign}${text}"
