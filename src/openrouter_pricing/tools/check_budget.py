"""``check_budget``: may this spend go ahead? The operator's budgets, the key's limit and the
account's credits against a planned amount, with an optional hold.

Decisions:
- The planned spend is ``amount_usd``, or ``model`` plus the usage arguments of ``estimate_cost``
  priced by the core at the listed price now (``planned_usage`` is the one place that turns the
  arguments into a ``Usage``: new usage kinds plug in there).
- ``budgets[]`` has one row per operator budget covering the tags (``kind: budget``), then the
  key's limit and the account's credits where OpenRouter shows them (``kind: key_limit`` and
  ``account``). Each row: spent and held so far, what remains, what remains after this spend,
  when it resets, and the runway in days at the recent pace (the last 7 days; for the key and the
  account, OpenRouter's weekly usage of the key).
- ``allowed`` is true when every row can take the planned amount. ``shortfall_usd`` is what the
  tightest row lacks. ``top_up`` prices the credits to buy when the account is short (card and
  crypto fees from ``core.fees``); a key limit that is too low is said in ``notes``, since only
  its owner can raise it.
- ``reserve=true`` and allowed: a hold of the planned amount is taken in one serialized database
  transaction (the budget figures are re-read inside it, so two agents are never both allowed the
  last dollar) and counts against every covering budget until get_generation_cost records the
  generation with the ``reservation_id`` or it expires.
- ``max_price`` caps the real request at the estimated rates, as OpenRouter's
  ``provider.max_price`` wants them: USD per million tokens for prompt and completion, USD per
  request and per image.
"""

from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
from mcp.types import CallToolResult
from pydantic import Field

from ..core.errors import PricingError
from ..core.money import display_usd
from ..state import AppState
from .common import (
    AppContext,
    OutputModel,
    Usd,
    fail,
    iso_utc,
    load_catalog,
    pricing_errors,
    result,
    state_of,
    table,
    usd,
)
from .ledger_common import Tags, checked_tags, key_in_use, on_ledger
from .limits import MAX_REQUESTS, MAX_TOKENS_PER_REQUEST, MAX_UNITS_PER_REQUEST

if TYPE_CHECKING:
    from ..core.ledger import BudgetFigures, LedgerDB
    from ..core.pricing import Usage
    from ..core.schema import Credits, KeyInfo, Pricing

MAX_PLANNED_USD = Decimal(1_000_000)
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS_PER_REQUEST)]


class BudgetOut(OutputModel):
    name: str
    kind: Literal["budget", "key_limit", "account"]
    limit_usd: Usd
    spent_usd: Usd = Field(description="Spent in the current period.")
    held_usd: Usd = Field(description="Held by unexpired reservations.")
    remaining_usd: Usd
    remaining_after_usd: Usd = Field(description="What remains once the planned spend is made.")
    resets_at: str | None = Field(description="When the period restarts (UTC); null: never.")
    runway_days: str | None = Field(description="Days left at the recent pace; null: no pace.")


class TopUpOut(OutputModel):
    credits_usd: Usd = Field(description="Credits to buy to cover the account's shortfall.")
    card_charge_usd: Usd = Field(description="What a card pays for them (5.5%, $0.80 minimum).")
    crypto_charge_usd: Usd = Field(description="What crypto pays for them (5%).")


class CheckBudgetOutput(OutputModel):
    allowed: bool
    planned_usd: Usd
    model: str | None = Field(description="The model priced, when one was given.")
    budgets: list[BudgetOut]
    shortfall_usd: Usd
    top_up: TopUpOut | None
    max_price: dict[str, Usd] | None = Field(
        description="provider.max_price for the request: prompt/completion USD per million "
        "tokens, request USD per request, image USD per image."
    )
    reservation_id: str | None
    hold_expires_at: str | None
    notes: list[str]


def planned_usage(
    *,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_prompt_tokens: int,
    cache_write_tokens: int,
    cache_write_ttl: Literal["5m", "1h"],
    images: int,
    web_searches: int,
    requests: int,
) -> "Usage":
    """The usage to price. The one place the usage arguments become a ``Usage``: the media usage
    arguments of ``estimate_cost`` plug in here (and in the signature) as they are added."""
    from ..core.pricing import Usage

    usage = Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_ttl=cache_write_ttl,
        images=images,
        web_searches=web_searches,
        requests=requests,
    )
    with pricing_errors():
        usage.validate()
    return usage


def max_price(pricing: "Pricing", usage: "Usage", at: datetime) -> dict[str, str]:
    """``provider.max_price`` at the rates the estimate used, in OpenRouter's units."""
    from ..core.money import ONE_MILLION
    from ..core.pricing import effective_rates

    rates, _ = effective_rates(pricing, usage.prompt_tokens, at)
    caps = {}
    for key, scale in (("prompt", ONE_MILLION), ("completion", ONE_MILLION)):
        if key in rates:
            caps[key] = usd(rates[key] * scale)
    for key in ("request", "image"):
        if rates.get(key):
            caps[key] = usd(rates[key])
    return caps


async def _price(
    ctx: AppContext, model: str, usage: "Usage"
) -> tuple[Decimal, str, dict[str, str]]:
    from ..core.pricing import price_usage

    _, snapshot, _ = await load_catalog(ctx)
    now = datetime.now(UTC)
    with pricing_errors():
        resolved = snapshot.catalog.resolve(model)
        breakdown = price_usage(resolved.model.pricing, usage, at=now, model_hint=resolved.model.id)
    return breakdown.total, resolved.model.id, max_price(resolved.model.pricing, usage, now)


def _runway(remaining: Decimal, spend: Decimal | None, days: int) -> str | None:
    if spend is None or spend <= 0 or remaining <= 0:
        return None if remaining > 0 else "0"
    # rounded down: a runway must never promise more than there is
    return usd((remaining / (spend / days)).quantize(Decimal("0.1"), rounding=ROUND_DOWN))


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
    remaining = limit - spent - held
    return BudgetOut(
        name=name,
        kind=kind,
        limit_usd=usd(limit),
        spent_usd=usd(spent),
        held_usd=usd(held),
        remaining_usd=usd(remaining),
        remaining_after_usd=usd(remaining - planned),
        resets_at=iso_utc(resets_at) if resets_at else None,
        runway_days=runway,
    )


def _budget_rows(figures: "list[BudgetFigures]", planned: Decimal) -> list[BudgetOut]:
    from ..core.ledger.ledger import RUNWAY_WINDOW_DAYS

    return [
        _row(
            f.budget.name,
            "budget",
            f.budget.limit_usd,
            f.spent,
            f.held,
            planned,
            f.resets_at,
            _runway(f.remaining, f.recent_spend, RUNWAY_WINDOW_DAYS),
        )
        for f in figures
    ]


async def _openrouter_figures(
    state: AppState, key: Any
) -> "tuple[KeyInfo | None, Credits | None, list[str]]":
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
    from ..core.ledger.budgets import period_window

    period = {"daily": "day", "weekly": "week", "monthly": "month"}.get((limit_reset or "").lower())
    return period_window(period, now)[1] if period else None  # type: ignore[arg-type]


def _external_rows(  # noqa: PLR0917
    info: "KeyInfo | None",
    credits: "Credits | None",
    key_held: Decimal,
    all_held: Decimal,
    planned: Decimal,
    now: datetime,
) -> list[BudgetOut]:
    rows = []
    weekly = info.usage_weekly if info else None
    if info is not None and info.limit is not None and info.limit_remaining is not None:
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
                _runway(remaining, weekly, 7),
            )
        )
    if credits is not None and credits.total_credits is not None:
        usage = credits.total_usage or Decimal(0)
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
                _runway(remaining, weekly, 7),
            )
        )
    return rows


def _top_up(rows: list[BudgetOut], planned: Decimal, notes: list[str]) -> TopUpOut | None:
    from ..core.fees import payment_for_credits

    top_up = None
    for row in rows:
        short = planned - Decimal(row.remaining_usd)
        if short <= 0:
            continue
        if row.kind == "account":
            top_up = TopUpOut(
                credits_usd=usd(short),
                card_charge_usd=usd(payment_for_credits(short, "card")),
                crypto_charge_usd=usd(payment_for_credits(short, "crypto")),
            )
        elif row.kind == "key_limit":
            notes.append(
                f"The key's limit leaves {display_usd(Decimal(row.remaining_usd))}, "
                f"{display_usd(short)} short: only the key's owner can raise it (OpenRouter "
                "settings, API keys); buying credits does not help."
            )
        else:
            notes.append(
                f"Budget {row.name!r} is {display_usd(short)} short; the operator sets it in the "
                "budgets file."
            )
    return top_up


def _summary(out: CheckBudgetOutput) -> str:
    verdict = "Allowed" if out.allowed else "Not allowed"
    head = f"{verdict}: planned {display_usd(Decimal(out.planned_usd))}"
    head += f" on {out.model}" if out.model else ""
    head += "." if out.allowed else f", short by {display_usd(Decimal(out.shortfall_usd))}."
    parts = [head]
    if out.budgets:
        parts.append(
            table(
                ["budget", "limit", "spent", "held", "remaining", "after", "resets"],
                [
                    [
                        b.name,
                        display_usd(Decimal(b.limit_usd)),
                        display_usd(Decimal(b.spent_usd)),
                        display_usd(Decimal(b.held_usd)),
                        display_usd(Decimal(b.remaining_usd)),
                        display_usd(Decimal(b.remaining_after_usd)),
                        (b.resets_at or "never")[:10],
                    ]
                    for b in out.budgets
                ],
            )
        )
    if out.reservation_id:
        parts.append(
            f"Held as {out.reservation_id} until {out.hold_expires_at}; pass it to "
            "get_generation_cost as reservation_id."
        )
    if out.top_up:
        parts.append(
            f"Top up {display_usd(Decimal(out.top_up.credits_usd))} of credits: "
            f"{display_usd(Decimal(out.top_up.card_charge_usd))} by card, "
            f"{display_usd(Decimal(out.top_up.crypto_charge_usd))} in crypto."
        )
    if out.max_price:
        parts.append(
            "provider.max_price: " + ", ".join(f"{k}={v}" for k, v in out.max_price.items())
        )
    parts.extend(f"Note: {n}" for n in out.notes)
    return "\n".join(parts)


async def check_budget(
    ctx: AppContext,
    *,
    amount_usd: Annotated[
        Decimal | None,
        Field(ge=0, le=MAX_PLANNED_USD, description='The planned spend in USD, e.g. "0.25".'),
    ] = None,
    model: Annotated[
        str | None,
        Field(min_length=1, max_length=200, description="Price the usage below on this model."),
    ] = None,
    prompt_tokens: Tokens = 0,
    completion_tokens: Tokens = 0,
    reasoning_tokens: Annotated[Tokens, Field(description="Part of completion_tokens.")] = 0,
    cached_prompt_tokens: Annotated[Tokens, Field(description="Part of prompt_tokens.")] = 0,
    cache_write_tokens: Annotated[Tokens, Field(description="Part of prompt_tokens.")] = 0,
    cache_write_ttl: Literal["5m", "1h"] = "5m",
    images: Units = 0,
    web_searches: Units = 0,
    requests: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] = 1,
    tags: Tags = None,
    reserve: Annotated[
        bool, Field(description="Hold the amount until the generation is recorded or expires.")
    ] = False,
) -> Annotated[CallToolResult, CheckBudgetOutput]:
    """Check a planned spend against the operator's budgets, the key's limit and the account's
    credits before sending a request, and optionally hold it (reserve=true) so concurrent agents
    cannot spend the same money. Give amount_usd, or model plus the usage of estimate_cost
    (prompt_tokens, completion_tokens, ...). tags pick the budgets that apply (e.g. {"project":
    "docs-bot"}). Returns allowed, each budget's remaining amount before and after, the shortfall
    and what topping up would cost, max_price to cap the real request at the estimate, and with
    reserve=true a reservation_id to pass to get_generation_cost. Money is USD as exact decimal
    strings. Example: {"model": "openai/gpt-4o-mini", "prompt_tokens": 12000,
    "completion_tokens": 800, "tags": {"project": "docs-bot"}, "reserve": true}."""
    from ..core.ledger import key_hash

    state = state_of(ctx)
    wanted_tags = checked_tags(tags)
    if (amount_usd is None) == (model is None):
        fail("Give the planned spend as amount_usd, or as model plus its usage, not both.")
    caps: dict[str, str] | None = None
    priced_model: str | None = None
    if model is not None:
        usage = planned_usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            reasoning_tokens=reasoning_tokens,
            cached_prompt_tokens=cached_prompt_tokens,
            cache_write_tokens=cache_write_tokens,
            cache_write_ttl=cache_write_ttl,
            images=images,
            web_searches=web_searches,
            requests=requests,
        )
        planned, priced_model, caps = await _price(ctx, model, usage)
    else:
        assert amount_usd is not None
        planned = amount_usd
    key = key_in_use(ctx, state)
    digest = key_hash(key)
    info, credits, notes = await _openrouter_figures(state, key)
    if info is not None and digest is not None:
        state.ledger.labels[digest] = info.label  # the ledger records it with each generation
    with pricing_errors():
        covering = [b for b in state.ledger.budgets if b.covers(wanted_tags)]
    now = datetime.now(UTC)
    ttl = state.ledger.hold_ttl

    def held(db: "LedgerDB") -> tuple[Decimal, Decimal]:
        return db.held_total(now, digest), db.held_total(now)

    key_held, all_held = await on_ledger(state, held)
    external = _external_rows(info, credits, key_held, all_held, planned, now)
    external_ok = all(Decimal(r.remaining_usd) >= planned for r in external)
    hold_id: str | None = None
    if reserve and external_ok:

        def take(db: "LedgerDB") -> "tuple[list[BudgetFigures], str | None]":
            return db.reserve(covering, wanted_tags, planned, now, ttl, digest)

        figures, hold_id = await on_ledger(state, take)
    else:

        def read(db: "LedgerDB") -> "list[BudgetFigures]":
            return db.figures(covering, now)

        figures = await on_ledger(state, read)
    rows = _budget_rows(figures, planned) + external
    tightest = min((Decimal(r.remaining_usd) for r in rows), default=None)
    shortfall = max(Decimal(0), planned - tightest) if tightest is not None else Decimal(0)
    allowed = shortfall == 0
    if not covering:
        notes.append("No operator budget covers these tags.")
    if reserve and not allowed:
        notes.append("Nothing was held: the spend is not allowed.")
    out = CheckBudgetOutput(
        allowed=allowed,
        planned_usd=usd(planned),
        model=priced_model,
        budgets=rows,
        shortfall_usd=usd(shortfall),
        top_up=_top_up(rows, planned, notes),
        max_price=caps,
        reservation_id=hold_id,
        hold_expires_at=iso_utc(now + ttl) if hold_id else None,
        notes=notes,
    )
    return result(out, _summary(out))


__all__ = ["check_budget", "planned_usage"]
