"""Pricing at provider endpoints, for ``estimate_cost``: ``:floor`` and ``provider=``.

Decisions:
- ``:floor`` prices every endpoint OpenRouter lists for the model at this usage and picks the
  cheapest (``core.pricing.cheapest``); endpoints whose context window cannot hold the usage are
  skipped, as OpenRouter would not route there (unless none fits). Without endpoint data (offline,
  or OpenRouter failing) it falls back to the listed price, which OpenRouter sets from the
  cheapest endpoint, with a warning.
- An endpoint's ``discount`` is reported, never applied: OpenRouter does not document whether the
  listed endpoint prices already include it.
- ``provider`` matches an endpoint by its exact tag first (``sambanova`` is the ``sambanova``
  endpoint, not ``sambanova/...-dedicated``), else by provider name, endpoint name or the tag's
  provider part (``deepinfra``), case-insensitively; no match is an error listing the model's
  providers. When a name matches several endpoints, the cheapest for the usage is priced (as
  OpenRouter's routing favours it) and a warning names it and the others, with their tags.
- A ``:free`` model is priced only at free endpoints: ``provider`` with no free endpoint from that
  provider is an error, and ``:floor`` without any free endpoint keeps the listed (free) price;
  never a paid endpoint under a ``:free`` label.
"""

from datetime import datetime
from decimal import Decimal

from ..core.catalog import Resolved
from ..core.errors import CatalogUnavailableError, OpenRouterError
from ..core.money import format_usd
from ..core.pricing import CostBreakdown, Usage, cheapest, price_usage
from ..core.schema import Endpoint, Pricing
from ..state import AppState
from .common import fail, pricing_errors


def percent(fraction: Decimal) -> str:
    return format_usd(fraction * 100)


def discount_warning(endpoint: Endpoint, label: str) -> list[str]:
    discount = endpoint.pricing.discount
    if not discount:
        return []
    return [
        f"{label} lists a discount of {percent(discount)}%; it is not applied, because "
        "OpenRouter does not document whether listed endpoint prices already include it."
    ]


def endpoint_label(endpoint: Endpoint) -> str:
    provider = endpoint.provider_name or endpoint.name or "unknown provider"
    return f"{provider} ({endpoint.tag})" if endpoint.tag else provider


def _matches_provider(endpoint: Endpoint, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    tag = (endpoint.tag or "").lower()
    names = {(endpoint.provider_name or "").lower(), (endpoint.name or "").lower(), tag}
    return wanted in names or tag.split("/", 1)[0] == wanted


def _provider_matches(endpoints: list[Endpoint], wanted: str) -> list[Endpoint]:
    """The endpoints ``wanted`` names: the one with exactly that tag, else every match."""
    exact = [e for e in endpoints if (e.tag or "").lower() == wanted.strip().lower()]
    return exact[:1] or [e for e in endpoints if _matches_provider(e, wanted)]


def _free_endpoints(resolved: Resolved, endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints a ``:free`` model may be priced at (the free ones); all for another model."""
    if resolved.model.variant != "free":
        return endpoints
    return [e for e in endpoints if e.pricing.is_free]


async def _endpoints(state: AppState, model_id: str) -> list[Endpoint]:
    with pricing_errors():
        return await state.store.get_endpoints(model_id)


def _fits(endpoint: Endpoint, usage: Usage) -> bool:
    window = endpoint.context_length
    return window is None or usage.prompt_tokens + usage.completion_tokens <= window


async def price_at_floor(
    state: AppState, resolved: Resolved, usage: Usage, at: datetime, warnings: list[str]
) -> tuple[CostBreakdown, str | None]:
    model = resolved.model
    try:
        endpoints = await state.store.get_endpoints(model.id)
    except (CatalogUnavailableError, OpenRouterError) as exc:
        warnings.append(
            f"Endpoint prices are unavailable ({exc}); priced at the listed price, which "
            "OpenRouter sets from the cheapest endpoint."
        )
        return priced(model.pricing, usage, at, model.id), None
    endpoints = _free_endpoints(resolved, endpoints)
    fitting = [e for e in endpoints if _fits(e, usage)] or endpoints
    by_label = {endpoint_label(e): e for e in fitting}
    best = None
    with pricing_errors():
        best = cheapest(((label, e.pricing) for label, e in by_label.items()), usage, at=at)
    if best is None:
        kind = "free" if model.variant == "free" else "fixed-price"
        warnings.append(
            f"OpenRouter lists no {kind} endpoint for this model; priced at the listed price."
        )
        return priced(model.pricing, usage, at, model.id), None
    label, breakdown = best
    warnings.extend(discount_warning(by_label[label], label))
    return breakdown, label


async def endpoint_for_provider(
    state: AppState,
    resolved: Resolved,
    provider: str,
    *,
    usage: Usage | None = None,
    at: datetime | None = None,
    warnings: list[str] | None = None,
) -> tuple[Pricing, Endpoint]:
    """The endpoint ``provider`` names; of several, the cheapest for ``usage`` (else the first),
    with a warning in ``warnings`` naming the one priced and the others."""
    every = await _endpoints(state, resolved.model.id)
    endpoints = _free_endpoints(resolved, every)
    matches = _provider_matches(endpoints, provider)
    if not matches and endpoints is not every:
        free = ", ".join(sorted({endpoint_label(e) for e in endpoints})) or "none listed"
        fail(
            f"{resolved.model.id} is priced at free endpoints only, and provider "
            f"{provider[:60]!r} has no free endpoint for it (free endpoints: {free}); drop "
            "':free' to price that provider's paid endpoint."
        )
    if not matches:
        known = ", ".join(sorted({endpoint_label(e) for e in endpoints})) or "none"
        fail(
            f"{resolved.model.id} has no endpoint from provider {provider[:60]!r}; its providers "
            f"are: {known}."
        )
    match = matches[0]
    by_label = {endpoint_label(e): e for e in matches}
    if len(by_label) > 1:
        if usage is not None:
            with pricing_errors():
                best = cheapest(((label, e.pricing) for label, e in by_label.items()), usage, at=at)
            match = by_label[best[0]] if best else match
        others = ", ".join(label for label in by_label if label != endpoint_label(match))
        how = "the cheapest for this usage" if usage is not None else "the first listed"
        if warnings is not None:
            warnings.append(
                f"provider {provider[:60]!r} matches {len(by_label)} endpoints; priced {how}, "
                f"{endpoint_label(match)} (the others: {others}); give an endpoint's tag as "
                "provider to price that one."
            )
    return match.pricing, match


def priced(pricing: Pricing, usage: Usage, at: datetime, model_id: str) -> CostBreakdown:
    with pricing_errors():
        return price_usage(pricing, usage, at=at, model_hint=model_id)
