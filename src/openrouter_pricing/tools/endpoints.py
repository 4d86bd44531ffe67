"""Pricing at provider endpoints, for ``estimate_cost``: ``:floor`` and ``provider=``.

Decisions:
- ``:floor`` prices every endpoint OpenRouter lists for the model at this usage and picks the
  cheapest (``core.pricing.cheapest``); endpoints whose context window cannot hold the usage are
  skipped, as OpenRouter would not route there (unless none fits). Without endpoint data (offline,
  or OpenRouter failing) it falls back to the listed price, which OpenRouter sets from the
  cheapest endpoint, with a warning.
- An endpoint's ``discount`` is reported, never applied: OpenRouter does not document whether the
  listed endpoint prices already include it.
- ``provider`` matches an endpoint by provider name, tag (``deepinfra/fp8``), the tag's provider
  part (``deepinfra``) or endpoint name, case-insensitively; no match is an error listing the
  model's providers.
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
    fitting = [e for e in endpoints if _fits(e, usage)] or endpoints
    by_label = {endpoint_label(e): e for e in fitting}
    best = None
    with pricing_errors():
        best = cheapest(((label, e.pricing) for label, e in by_label.items()), usage, at=at)
    if best is None:
        warnings.append(
            "OpenRouter lists no fixed-price endpoint for this model; priced at the listed price."
        )
        return priced(model.pricing, usage, at, model.id), None
    label, breakdown = best
    warnings.extend(discount_warning(by_label[label], label))
    return breakdown, label


async def endpoint_for_provider(
    state: AppState, resolved: Resolved, provider: str
) -> tuple[Pricing, Endpoint]:
    endpoints = await _endpoints(state, resolved.model.id)
    match = next((e for e in endpoints if _matches_provider(e, provider)), None)
    if match is None:
        known = ", ".join(sorted({endpoint_label(e) for e in endpoints})) or "none"
        fail(
            f"{resolved.model.id} has no endpoint from provider {provider[:60]!r}; its providers "
            f"are: {known}."
        )
    return match.pricing, match


def priced(pricing: Pricing, usage: Usage, at: datetime, model_id: str) -> CostBreakdown:
    with pricing_errors():
        return price_usage(pricing, usage, at=at, model_hint=model_id)
