"""The work of ``check_balance`` (its signature, contract and decisions: ``tools.check_balance``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import anyio
from mcp.types import CallToolResult

from ...core.errors import ForbiddenError, PricingError
from ...core.money import EXACT
from ...core.schema import Credits, KeyInfo
from ...state import AppState
from ..common import (
    AppContext,
    caller_key,
    fail,
    money_text,
    require_online,
    result,
    state_of,
    usd_or_none,
)
from ..outputs import AccountOut, CheckBalanceOutput

FREE_TIER_CREDIT_THRESHOLD = Decimal(10)
LOW_BALANCE_USD = Decimal(1)


async def _fetch(
    state: AppState, key: Any
) -> tuple[KeyInfo | PricingError | None, Credits | PricingError | None]:
    got: dict[str, Any] = {}

    async def ask(name: str, call: Any) -> None:
        try:
            got[name] = await call(key)
        except PricingError as exc:
            got[name] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask, "key", state.client.get_key)
        tg.start_soon(ask, "credits", state.client.get_credits)
    return got.get("key"), got.get("credits")


def _account(
    info: KeyInfo, credits: Credits | PricingError | None
) -> tuple[AccountOut | None, Decimal | None, Decimal | None, str | None]:
    """The account block, its remaining credits and total bought, and the note when absent."""
    if isinstance(credits, ForbiddenError):
        return (
            None,
            None,
            None,
            (
                "OpenRouter shows account credits (GET /credits) to management keys only, and this "
                "key is not one; spendable_usd relies on the key's own limit. Use a management key "
                "to see the account balance."
            ),
        )
    if isinstance(credits, PricingError):
        return None, None, None, f"The account credits could not be read: {credits}"
    if credits is None or credits.total_credits is None or credits.total_usage is None:
        return None, None, None, "OpenRouter's /credits answer held no credit totals."
    if credits.total_credits == 0 and credits.total_usage == 0 and (info.usage or 0) > 0:
        return (
            None,
            None,
            None,
            (
                "OpenRouter answered /credits with zeros although this key has usage, so the "
                "account figures were not trusted; use a management key for the account balance."
            ),
        )
    remaining = EXACT.subtract(credits.total_credits, credits.total_usage)
    account = AccountOut(
        total_credits_usd=usd_or_none(credits.total_credits) or "0",
        total_usage_usd=usd_or_none(credits.total_usage) or "0",
        remaining_usd=usd_or_none(remaining) or "0",
    )
    return account, remaining, credits.total_credits, None


def _spendable(
    key_remaining: Decimal | None, account_remaining: Decimal | None, has_limit: bool
) -> tuple[Decimal | None, str]:
    known = [v for v in (key_remaining, account_remaining) if v is not None]
    if not known:
        return None, (
            "Unknown: the key has no spending cap and the account balance needs a management "
            "key, so what is left cannot be read with this key."
        )
    spendable = min(known)
    if key_remaining is not None and account_remaining is not None:
        which = "the key's remaining limit" if key_remaining <= account_remaining else "the account"
        return spendable, f"The smaller of the key's remaining limit and the account: {which}."
    if key_remaining is not None:
        return spendable, "The key's remaining limit (the account balance was not readable)."
    note = "The account's remaining credits; the key has no cap of its own."
    return spendable, note if not has_limit else "The account's remaining credits."


def _free_limit(is_free_tier: bool | None, total_bought: Decimal | None) -> int | None:
    if total_bought is not None:
        return 1000 if total_bought >= FREE_TIER_CREDIT_THRESHOLD else 50
    if is_free_tier:
        return 50
    return None


def _warnings(
    info: KeyInfo, account_remaining: Decimal | None, spendable: Decimal | None
) -> list[str]:
    warnings = []
    if account_remaining is not None and account_remaining < 0:
        warnings.append(
            f"The account balance is negative ({money_text(account_remaining)}): OpenRouter "
            "refuses every request, even to free models, until credits are added."
        )
    if info.limit_remaining is not None and info.limit_remaining <= 0:
        warnings.append(
            "The key's spending limit is used up: requests with this key fail until the limit "
            "resets or is raised at https://openrouter.ai/settings/keys."
        )
    elif spendable is not None and 0 <= spendable < LOW_BALANCE_USD:
        warnings.append(f"Only {money_text(spendable)} left to spend.")
    if info.expires_at:
        try:
            expires = datetime.fromisoformat(info.expires_at.replace("Z", "+00:00"))
        except ValueError:
            expires = None
        if expires is not None and expires.astimezone(UTC) <= datetime.now(UTC):
            warnings.append(f"This key expired at {info.expires_at}; create a new one.")
    return warnings


def _summary(out: CheckBalanceOutput) -> str:
    def money(value: str | None, missing: str = "-") -> str:
        return money_text(None if value is None else Decimal(value), missing)

    lines = [
        f"Key {out['label'] or '(no label)'}: used {money(out['usage_usd'])} "
        f"(today {money(out['usage_daily_usd'])}, this month {money(out['usage_monthly_usd'])}).",
        f"Key limit: {money(out['limit_usd'], 'none')}"
        + (
            f", remaining {money(out['limit_remaining_usd'])}"
            if out["limit_usd"] is not None
            else ""
        )
        + (f", resets {out['limit_reset']}" if out["limit_reset"] else "")
        + ".",
    ]
    account = out["account"]
    if account:
        lines.append(
            f"Account: bought {money(account['total_credits_usd'])}, used "
            f"{money(account['total_usage_usd'])}, remaining {money(account['remaining_usd'])}."
        )
    elif out["account_note"]:
        lines.append(f"Account: not shown. {out['account_note']}")
    lines.append(
        f"Spendable: {money(out['spendable_usd'], 'unknown')}. {out['spendable_note'] or ''}"
    )
    if out["free_model_daily_limit"]:
        lines.append(f"Free-model requests per day: {out['free_model_daily_limit']}.")
    lines.extend(f"Warning: {w}" for w in out["warnings"])
    return "\n".join(line.rstrip() for line in lines)


async def answer(ctx: AppContext) -> CallToolResult:
    """``check_balance``'s answer."""
    state = state_of(ctx)
    require_online(state, "for the key's balance")
    key_result, credits = await _fetch(state, caller_key(ctx))
    if isinstance(key_result, PricingError):
        fail(str(key_result))
    if key_result is None:
        fail("OpenRouter gave no answer for the key; try again.")
    info = key_result
    account, account_remaining, total_bought, note = _account(info, credits)
    spendable, spendable_note = _spendable(
        info.limit_remaining, account_remaining, info.limit is not None
    )
    out = CheckBalanceOutput(
        label=info.label,
        usage_usd=usd_or_none(info.usage),
        limit_usd=usd_or_none(info.limit),
        limit_remaining_usd=usd_or_none(info.limit_remaining),
        limit_reset=info.limit_reset,
        usage_daily_usd=usd_or_none(info.usage_daily),
        usage_weekly_usd=usd_or_none(info.usage_weekly),
        usage_monthly_usd=usd_or_none(info.usage_monthly),
        byok_usage_usd=usd_or_none(info.byok_usage),
        byok_usage_daily_usd=usd_or_none(info.byok_usage_daily),
        byok_usage_weekly_usd=usd_or_none(info.byok_usage_weekly),
        byok_usage_monthly_usd=usd_or_none(info.byok_usage_monthly),
        is_free_tier=info.is_free_tier,
        account=account,
        account_note=note,
        spendable_usd=usd_or_none(spendable),
        spendable_note=spendable_note,
        free_model_daily_limit=_free_limit(info.is_free_tier, total_bought),
        warnings=_warnings(info, account_remaining, spendable),
    )
    return result(out, _summary(out))
