"""The rows of ``check_budget``: the operator's budgets, the key's limit and the account's credits,
each against the planned spend, and what topping up the account would cost.

Decisions:
- The key's and the account's figures come from ``GET /key`` and ``GET /credits`` (management keys
  only), asked at once; what cannot be read becomes a note, not an error.
- The key's limit row holds the holds taken under that key; the account row holds every hold.
- Runways are rounded down: a runway must never promise more than there is.
"""

from datetime import datetime
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any, Literal

import anyio

from ..core.errors import PricingError
from ..core.fees import payment_for_credits
from ..core.ledger import BudgetFigures
from ..core.ledger.budgets import period_window
from ..core.ledger.ledger import RUNWAY_WINDOW_DAYS
from ..core.money import WIDE, display_usd, exactly
from ..core.schema import Credits, KeyInfo
from ..state import AppState
from .common import iso_utc, usd
from .outputs import BudgetOut, TopUpOut


def runway(remaining: Decimal, spend: Decimal | None, days: int) -> str | None:
    if spend is None or spend <= 0 or remaining <= 0:
        return None if remaining > 0 else "0"
    # a ratio, not money, so rounded: down, as a runway must never promise more than there is
    with localcontext(WIDE):
        days_left = remaining / (spend / days)
        return usd(days_left.quantize(Decimal("0.1"), rounding=ROUND_DOWN))


def _row(  # noqa: PLR0917 - one row's eight figures
    name: str,
    kind: Literal["budget", "key_limit", "account"],
    limit: Decimal,
    spent: Decimal,
    held: Decimal,
    planned: Decimal,
    resets_at: datetime | None,
    runway: str | None,
) -> BudgetOut:
    with exactly():
        remaining = limit - spent - held
        after = remaining - planned
    return BudgetOut(
        name=name,
        kind=kind,
        limit_usd=usd(limit),
        spent_usd=usd(spent),
        held_usd=usd(held),
        remaining_usd=usd(remaining),
        remaining_after_usd=usd(after),
        resets_at=iso_utc(resets_at) if resets_at else None,
        runway_days=runway,
    )


def budget_rows(figures: list[BudgetFigures], planned: Decimal) -> list[BudgetOut]:
    return [
        _row(
            f.budget.name,
            "budget",
            f.budget.limit_usd,
            f.spent,
            f.held,
            planned,
            f.resets_at,
            runway(f.remaining, f.recent_spend, RUNWAY_WINDOW_DAYS),
        )
        for f in figures
    ]


async def openrouter_figures(
    state: AppState, key: Any
) -> tuple[KeyInfo | None, Credits | None, list[str]]:
    """The key's and the account's figures where readable, and notes on what was not."""
    if state.settings.offline:
        return None, None, ["The server runs offline: only the operator's budgets were checked."]
    if key is None:
        return None, None, ["No OpenRouter key in use: only the operator's budgets were checked."]
    got: dict[str, Any] = {}

    async def ask(name: str, call: Any) -> None:
        try:
            got[name] = await call(key)
        except PricingError as exc:
            got[name] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask, "key", state.client.get_key)
        tg.start_soon(ask, "credits", state.client.get_credits)
    notes = []
    info, credits = got.get("key"), got.get("credits")
    if isinstance(info, PricingError):
        notes.append(f"The key's limit could not be read: {info}")
        info = None
    if isinstance(credits, PricingError):
        notes.append("The account's credits are not readable with this key (management keys only).")
        credits = None
    elif credits is not None and (credits.total_credits is None or credits.total_usage is None):
        credits = None
    return info, credits, notes


def _reset_of(limit_reset: str | None, now: datetime) -> datetime | None:
    period = {"daily": "day", "weekly": "week", "monthly": "month"}.get((limit_reset or "").lower())
    return period_window(period, now)[1] if period else None  # type: ignore[arg-type]


def external_rows(  # noqa: PLR0917
    info: KeyInfo | None,
    credits: Credits | None,
    key_held: Decimal,
    all_held: Decimal,
    planned: Decimal,
    now: datetime,
) -> list[BudgetOut]:
    rows = []
    weekly = info.usage_weekly if info else None
    if info is not None and info.limit is not None and info.limit_remaining is not None:
        with exactly():
            spent = info.limit - info.limit_remaining
            remaining = info.limit_remaining - key_held
        rows.append(
            _row(
                f"key limit ({info.label or 'this key'})",
                "key_limit",
                info.limit,
                spent,
                key_held,
                planned,
                _reset_of(info.limit_reset, now),
                runway(remaining, weekly, 7),
            )
        )
    if credits is not None and credits.total_credits is not None:
        usage = credits.total_usage or Decimal(0)
        with exactly():
            remaining = credits.total_credits - usage - all_held
        rows.append(
            _row(
                "account credits",
                "account",
                credits.total_credits,
                usage,
                all_held,
                planned,
                None,
                runway(remaining, weekly, 7),
            )
        )
    return rows


def top_up(rows: list[BudgetOut], planned: Decimal, notes: list[str]) -> TopUpOut | None:
    top_up = None
    for row in rows:
        with exactly():
            short = planned - Decimal(row["remaining_usd"])
        if short <= 0:
            continue
        if row["kind"] == "account":
            top_up = TopUpOut(
                credits_usd=usd(short),
                card_charge_usd=usd(payment_for_credits(short, "card")),
                crypto_charge_usd=usd(payment_for_credits(short, "crypto")),
            )
        elif row["kind"] == "key_limit":
            notes.append(
                f"The key's limit leaves {display_usd(Decimal(row['remaining_usd']))}, "
                f"{display_usd(short)} short: only the key's owner can raise it (OpenRouter "
                "settings, API keys); buying credits does not help."
            )
        else:
            notes.append(
                f"Budget {row['name']!r} is {display_usd(short)} short; the operator sets it in "
                "the budgets file."
            )
    return top_up
