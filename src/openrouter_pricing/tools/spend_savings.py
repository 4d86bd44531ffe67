"""The savings review of ``spend_report``: what the models with the most spend would have cost at
their cheapest endpoint (``:floor``) and on the cheapest model of the same capabilities and quality.

Decisions:
- Each recorded generation is priced again with its own native tokens (cached tokens as cache
  reads, reasoning as part of the completion) and at the time it ran, so tiers and time-of-day
  prices apply per request, as they were billed. At most ``MAX_PRICED_ROWS`` generations per model
  are priced (the most recent); the note says when fewer than all were.
- The ``:floor`` figure is the cheapest single endpoint for the whole usage (OpenRouter's endpoint
  list, via the store's cache); without endpoint data it is null with a note.
- The alternative comes from the recommendation engine (``prefer="cheapest"``) for the model's
  average request, requiring the capabilities the model has among tools, structured outputs,
  reasoning and image input, and at least its intelligence index where both are known; it is
  named only when it would have cost less than was spent.
- Amounts are exact; the percentage is the saving over the actual spend, to two places.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext

import anyio.to_thread

from ..core.catalog import Catalog
from ..core.errors import CatalogUnavailableError, OpenRouterError, PricingError
from ..core.ledger import SpendRow
from ..core.ledger.ledger import total
from ..core.ledger.schema import unstamp
from ..core.money import WIDE, exactly
from ..core.pricing import Usage, price_totals
from ..core.recommend import RecommendRequest, recommend
from ..core.schema import Model, Pricing
from ..state import AppState
from .common import usd, usd_or_none
from .endpoints import endpoint_label
from .outputs import SavingOut

TOP_MODELS = 3
MAX_PRICED_ROWS = 2000
_CAPABILITIES = (("tools", "tools"), ("structured_outputs", "structured_outputs"))


@dataclass(frozen=True)
class _Priced:
    rows: list[tuple[Usage, datetime]]
    spend: Decimal


def usage_of(row: SpendRow) -> Usage:
    completion = max(row.completion_tokens, row.reasoning_tokens)
    return Usage(
        prompt_tokens=row.prompt_tokens,
        completion_tokens=completion,
        reasoning_tokens=row.reasoning_tokens,
        cached_prompt_tokens=min(row.cached_tokens, row.prompt_tokens),
    )


def _cost(pricing: Pricing, priced: _Priced, hint: str) -> Decimal:
    return total(
        price_totals(pricing, usage, at=at, model_hint=hint)[1] for usage, at in priced.rows
    )


def _saving(spend: Decimal, cost: Decimal | None) -> Decimal | None:
    if cost is None:
        return None
    with exactly():
        return spend - cost


def _percent(saving: Decimal | None, spend: Decimal) -> str | None:
    """The saving as a percentage of the spend, to two places (a ratio, not money)."""
    if saving is None or spend <= 0:
        return None
    with localcontext(WIDE):
        return usd((saving * 100 / spend).quantize(Decimal("0.01")))


def _capabilities(model: Model) -> tuple[str, ...]:
    params = set(model.supported_parameters)
    caps = [cap for param, cap in _CAPABILITIES if param in params]
    if "reasoning" in params:
        caps.append("reasoning")
    if "image" in model.architecture.input_modalities:
        caps.append("image_input")
    return tuple(caps)


def _alternative(catalog: Catalog, model: Model, priced: _Priced) -> Model | None:
    count = max(1, len(priced.rows))
    prompt = sum(u.prompt_tokens for u, _ in priced.rows) // count
    completion = sum(u.completion_tokens for u, _ in priced.rows) // count
    request = RecommendRequest(
        prompt_tokens=prompt,
        completion_tokens=completion,
        required_capabilities=_capabilities(model),
        prefer="cheapest",
        allow_free=False,
        limit=20,
        complexity="general",
    )
    try:
        picks = recommend(catalog, request).recommendations
    except PricingError:
        return None
    floor = model.intelligence_index
    for pick in picks:
        if pick.model.base_id == model.base_id:
            continue
        quality = pick.model.intelligence_index
        if floor is not None and (quality is None or quality < floor):
            continue
        return pick.model
    return None


def _review_one(
    catalog: Catalog,
    model_id: str,
    rows: Sequence[SpendRow],
    endpoints: list[tuple[str, "Pricing"]] | None,
) -> SavingOut:
    recent = sorted(rows, key=lambda r: r.ran_at, reverse=True)[:MAX_PRICED_ROWS]
    priced = _Priced(
        rows=[(usage_of(r), unstamp(r.ran_at)) for r in recent],
        spend=total(r.cost for r in recent),
    )
    notes = []
    if len(recent) < len(rows):
        notes.append(f"priced the latest {len(recent)} of {len(rows)} generations")
    floor_label = floor_cost = None
    if endpoints:
        costs = []
        for label, pricing in endpoints:
            try:
                costs.append((_cost(pricing, priced, label), label))
            except PricingError:
                continue
        if costs:
            floor_cost, floor_label = min(costs, key=lambda c: c[0])
    else:
        notes.append("no endpoint prices for :floor")
    model = catalog.get(model_id)
    alternative = alt_cost = None
    if model is None:
        notes.append("the model is no longer in the catalog")
    else:
        alternative = _alternative(catalog, model, priced)
        if alternative is None:
            notes.append("no cheaper model of the same capabilities and quality was found")
        else:
            try:
                alt_cost = _cost(alternative.pricing, priced, alternative.id)
            except PricingError:
                alternative, alt_cost = None, None
            if alternative is not None and alt_cost is not None and alt_cost >= priced.spend:
                notes.append(
                    f"the cheapest model of the same capabilities and quality, {alternative.id}, "
                    "would have cost more"
                )
                alternative, alt_cost = None, None
    spend = priced.spend
    floor_saving, alt_saving = _saving(spend, floor_cost), _saving(spend, alt_cost)
    return SavingOut(
        model=model_id,
        spend_usd=usd(spend),
        generations=len(rows),
        floor_endpoint=floor_label,
        floor_usd=usd_or_none(floor_cost),
        floor_saving_usd=usd_or_none(floor_saving),
        floor_saving_percent=_percent(floor_saving, spend),
        alternative_model=alternative.id if alternative else None,
        alternative_usd=usd_or_none(alt_cost),
        alternative_saving_usd=usd_or_none(alt_saving),
        alternative_saving_percent=_percent(alt_saving, spend),
        note="; ".join(notes) + "." if notes else "Priced every generation at the time it ran.",
    )


async def savings_review(
    state: AppState, catalog: Catalog, rows: Sequence[SpendRow]
) -> list[SavingOut]:
    """The review for the ``TOP_MODELS`` models with the most spend in ``rows``."""
    by_model: dict[str, list[SpendRow]] = {}
    for row in rows:
        if row.model:
            by_model.setdefault(row.model, []).append(row)
    spend = {m: total(r.cost for r in by_model[m]) for m in by_model}
    top = sorted(by_model, key=lambda m: (-spend[m], m))[:TOP_MODELS]
    review = []
    for model_id in top:
        endpoints: list[tuple[str, Pricing]] | None
        try:
            found = await state.store.get_endpoints(model_id)
            endpoints = [(endpoint_label(e), e.pricing) for e in found] or None
        except (CatalogUnavailableError, OpenRouterError):
            endpoints = None
        review.append(
            await anyio.to_thread.run_sync(
                _review_one, catalog, model_id, by_model[model_id], endpoints
            )
        )
    return review
