"""The work of ``check_budget`` (its signature, contract and decisions: ``tools.check_budget``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from mcp.types import CallToolResult

from ...core.ledger import BudgetFigures, LedgerDB, key_hash
from ...core.money import ONE_MILLION, display_usd, exactly
from ...core.pricing import Usage, effective_rates, price_usage
from ...core.schema import Pricing
from ..budget_rows import (
    budget_rows,
    external_rows,
    openrouter_figures,
    top_up,
)
from ..common import (
    AppContext,
    fail,
    iso_utc,
    load_catalog,
    pricing_errors,
    result,
    state_of,
    table,
    usd,
)
from ..ledger_calls import checked_tags, key_in_use, on_ledger
from ..outputs import CheckBudgetOutput


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
) -> Usage:
    """The usage to price. The one place the usage arguments become a ``Usage``: the media usage
    arguments of ``estimate_cost`` plug in here (and in the signature) as they are added."""
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


def max_price(pricing: Pricing, usage: Usage, at: datetime) -> dict[str, str]:
    """``provider.max_price`` at the rates the estimate used, in OpenRouter's units."""
    rates, _ = effective_rates(pricing, usage.prompt_tokens, at)
    caps = {}
    for key, scale in (("prompt", ONE_MILLION), ("completion", ONE_MILLION)):
        if key in rates:
            caps[key] = usd(rates[key] * scale)
    for key in ("request", "image"):
        if rates.get(key):
            caps[key] = usd(rates[key])
    return caps


async def _price(ctx: AppContext, model: str, usage: Usage) -> tuple[Decimal, str, dict[str, str]]:
    _, snapshot, _ = await load_catalog(ctx)
    now = datetime.now(UTC)
    with pricing_errors():
        resolved = snapshot.catalog.resolve(model)
        breakdown = price_usage(resolved.model.pricing, usage, at=now, model_hint=resolved.model.id)
    return breakdown.total, resolved.model.id, max_price(resolved.model.pricing, usage, now)


def _summary(out: CheckBudgetOutput) -> str:
    verdict = "Allowed" if out["allowed"] else "Not allowed"
    head = f"{verdict}: planned {display_usd(Decimal(out['planned_usd']))}"
    head += f" on {out['model']}" if out["model"] else ""
    head += "." if out["allowed"] else f", short by {display_usd(Decimal(out['shortfall_usd']))}."
    parts = [head]
    if out["budgets"]:
        parts.append(
            table(
                ["budget", "limit", "spent", "held", "remaining", "after", "resets"],
                [
                    [
                        b["name"],
                        display_usd(Decimal(b["limit_usd"])),
                        display_usd(Decimal(b["spent_usd"])),
                        display_usd(Decimal(b["held_usd"])),
                        display_usd(Decimal(b["remaining_usd"])),
                        display_usd(Decimal(b["remaining_after_usd"])),
                        (b["resets_at"] or "never")[:10],
                    ]
                    for b in out["budgets"]
                ],
            )
        )
    if out["reservation_id"]:
        parts.append(
            f"Held as {out['reservation_id']} until {out['hold_expires_at']}; pass it to "
            "get_generation_cost as reservation_id."
        )
    if out["top_up"]:
        parts.append(
            f"Top up {display_usd(Decimal(out['top_up']['credits_usd']))} of credits: "
            f"{display_usd(Decimal(out['top_up']['card_charge_usd']))} by card, "
            f"{display_usd(Decimal(out['top_up']['crypto_charge_usd']))} in crypto."
        )
    if out["max_price"]:
        parts.append(
            "provider.max_price: " + ", ".join(f"{k}={v}" for k, v in out["max_price"].items())
        )
    parts.extend(f"Note: {n}" for n in out["notes"])
    return "\n".join(parts)


async def answer(
    ctx: AppContext,
    *,
    amount_usd: Decimal | None,
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_prompt_tokens: int,
    cache_write_tokens: int,
    cache_write_ttl: Literal["5m", "1h"],
    images: int,
    web_searches: int,
    requests: int,
    tags: dict[str, str] | None,
    reserve: bool,
) -> CallToolResult:
    """``check_budget``'s answer, for the arguments its signature validated."""
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
    info, credits, notes = await openrouter_figures(state, key)
    if info is not None and digest is not None:
        state.ledger.labels[digest] = info.label  # the ledger records it with each generation
    with pricing_errors():
        covering = [b for b in state.ledger.budgets if b.covers(wanted_tags)]
    now = datetime.now(UTC)
    ttl = state.ledger.hold_ttl

    def held(db: LedgerDB) -> tuple[Decimal, Decimal]:
        return db.held_total(now, digest), db.held_total(now)

    key_held, all_held = await on_ledger(state, held)
    external = external_rows(info, credits, key_held, all_held, planned, now)
    external_ok = all(Decimal(r["remaining_usd"]) >= planned for r in external)
    hold_id: str | None = None
    if reserve and external_ok:

        def take(db: LedgerDB) -> tuple[list[BudgetFigures], str | None]:
            return db.reserve(covering, wanted_tags, planned, now, ttl, digest)

        figures, hold_id = await on_ledger(state, take)
    else:

        def read(db: LedgerDB) -> list[BudgetFigures]:
            return db.figures(covering, now)

        figures = await on_ledger(state, read)
    rows = budget_rows(figures, planned) + external
    tightest = min((Decimal(r["remaining_usd"]) for r in rows), default=None)
    with exactly():
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
        top_up=top_up(rows, planned, notes),
        max_price=caps,
        reservation_id=hold_id,
        hold_expires_at=iso_utc(now + ttl) if hold_id else None,
        notes=notes,
    )
    return result(out, _summary(out))


__all__ = ["answer", "planned_usage"]
