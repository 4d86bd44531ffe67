"""The MCP resources: a catalog summary and one model's full price sheet, as JSON.

Decisions:
- ``openrouter://catalog`` is a static resource, which the SDK cannot hand a ``Context``; it reads
  the process's state from the ``Runtime`` holder instead (the template resource does the same,
  for one code path).
- ``openrouter://models/{+model_id}``: the ``+`` lets the id keep its ``/`` and ``:variant``. The
  sheet lists every price OpenRouter lists, per-token ones per million tokens (``*_per_m`` keys)
  and per-unit ones in USD, as exact decimal strings, with the conditional overrides; a dynamic
  ("-1") price is listed under ``dynamic_prices`` and never as a number. Keys carry the tools'
  names (``cache_read_per_m``, ``reasoning_per_m``), not OpenRouter's (``FIELD_NAMES``).
- Reading a resource loads the catalog (it is an explicit read); listing resources does not.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from .core.errors import PricingError, UnknownModelError, UnknownVariantError
from .core.money import DYNAMIC_PRICE, format_usd, per_million
from .state import AppState, Runtime
from .tools.common import catalog_block

if TYPE_CHECKING:  # the core is imported when a resource is read, not at start-up
    from .core.catalog import Catalog
    from .core.schema import Model, PriceSet
    from .core.store import CatalogInfo, CatalogSnapshot

CATALOG_URI = "openrouter://catalog"
MODEL_URI_TEMPLATE = "openrouter://models/{+model_id}"


# The tools' names for OpenRouter's price keys (list_models: cache_read_per_m, reasoning_per_m):
# one name for one field wherever an agent reads it.
FIELD_NAMES = {
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "input_cache_write_1h": "cache_write_1h",
    "internal_reasoning": "reasoning",
}


def _price_sheet(prices: PriceSet) -> dict[str, Any]:
    from .core.schema import TOKEN_PRICE_KEYS

    sheet: dict[str, Any] = {}
    dynamic = []
    for key, value in prices.listed().items():
        name = FIELD_NAMES.get(key, key)
        if value == DYNAMIC_PRICE:
            dynamic.append(name)
        elif key in TOKEN_PRICE_KEYS:
            sheet[f"{name}_per_m"] = format_usd(per_million(value))
        else:
            sheet[f"{name}_usd"] = format_usd(value)
    if dynamic:
        sheet["dynamic_prices"] = dynamic
    return sheet


def model_document(model: Model, catalog: Catalog, info: CatalogInfo) -> dict[str, Any]:
    """Everything known about one model's prices and limits, JSON-ready."""
    from .core.catalog import context_of

    overrides = []
    for override in model.pricing.overrides:
        condition: dict[str, Any] = {}
        if override.min_prompt_tokens is not None:
            condition["prompt_tokens_over"] = override.min_prompt_tokens
        if override.utc_start is not None and override.utc_end is not None:
            condition["utc_window"] = (
                f"{override.utc_start // 100:02d}:{override.utc_start % 100:02d}-"
                f"{override.utc_end // 100:02d}:{override.utc_end % 100:02d}"
            )
        if override.unknown_conditions:  # never applied by estimates: say so
            condition["unknown_conditions_not_applied"] = list(override.unknown_conditions)
        overrides.append({"when": condition, "prices": _price_sheet(override)})
    arch = model.architecture
    return {
        "id": model.id,
        "canonical_slug": model.canonical_slug,
        "name": model.name,
        "description": model.description,
        "created": model.created,
        "context_length": context_of(model),
        "max_completion_tokens": model.max_completion_tokens,
        "input_modalities": list(arch.input_modalities),
        "output_modalities": list(arch.output_modalities),
        "tokenizer": arch.tokenizer,
        "supported_parameters": list(model.supported_parameters),
        "prices": _price_sheet(model.pricing),
        "price_overrides": overrides,
        "is_free": model.is_free,
        "is_dynamic": model.pricing.is_dynamic,
        "billing": model.billing_kind,
        "unit_prices": _unit_prices(model, catalog),
        "listed_variants": [f":{v}" for v in catalog.variants_of(model.base_id) if v],
        "intelligence_index": model.intelligence_index,
        "knowledge_cutoff": model.knowledge_cutoff,
        "expiration_date": model.expiration_date,
        **_alias_fields(model, catalog),
        "catalog": catalog_block(info).model_dump(mode="json"),
    }


def _alias_fields(model: Model, catalog: Catalog) -> dict[str, Any]:
    """``alias_of`` (the target of a ``~...-latest`` alias, else null) and, for an alias listed
    at other prices than its listed target, ``alias_note`` saying so."""
    from .core.aliases import alias_of, alias_target, prices_differ

    fields: dict[str, Any] = {"alias_of": alias_of(model)}
    target = alias_target(catalog, model)
    if target is not None and prices_differ(model, target):
        fields["alias_note"] = (
            f"listed at different prices than {target.id}, which it points at; OpenRouter does "
            "not say which it bills."
        )
    return fields


def _unit_prices(model: Model, catalog: Catalog) -> dict[str, str]:
    """A media model's own prices (``list_models``' ``unit_prices``), USD by unit."""
    from .core.billing import unit_prices
    from .core.video import unit_prices as video_prices

    video = catalog.video_of(model)
    prices = video_prices(video) if video is not None else unit_prices(model)
    return {unit: format_usd(price) for unit, price in prices.items()}


def catalog_summary(snapshot: CatalogSnapshot, info: CatalogInfo, ttl: float) -> dict[str, Any]:
    models = snapshot.catalog.models
    outputs: Counter[str] = Counter(
        m for model in models for m in model.architecture.output_modalities
    )
    newest = sorted(models, key=lambda m: (m.created or 0, m.id), reverse=True)[:5]
    return {
        **catalog_block(info).model_dump(mode="json"),
        "ttl_seconds": ttl,
        "authors": len({model.author for model in models}),
        "free_models": sum(1 for model in models if model.is_free),
        "dynamic_price_models": sum(1 for model in models if model.pricing.is_dynamic),
        "with_tools": sum(1 for model in models if "tools" in model.supported_parameters),
        "with_reasoning": sum(1 for model in models if "reasoning" in model.supported_parameters),
        "by_output_modality": dict(sorted(outputs.items())),
        "newest": [model.id for model in newest],
        "skipped_malformed": len(snapshot.problems),
    }


def _state(runtime: Runtime) -> AppState:
    if runtime.state is None:
        raise ResourceError("The server is not running; no catalog is loaded.")
    return runtime.state


def register_resources(server: MCPServer[AppState], runtime: Runtime) -> None:
    @server.resource(
        CATALOG_URI,
        name="catalog",
        title="OpenRouter catalog summary",
        description="Counts, source and age of the model catalog the prices come from.",
        mime_type="application/json",
    )
    async def catalog() -> str:
        state = _state(runtime)
        try:
            snapshot = await state.store.get()
        except PricingError as exc:
            raise ResourceError(str(exc)) from None
        info = state.store.info(snapshot)
        summary = catalog_summary(snapshot, info, state.settings.catalog_ttl_seconds)
        return json.dumps(summary, indent=1)

    @server.resource(
        MODEL_URI_TEMPLATE,
        name="model",
        title="One model's prices",
        description="Every listed price of one model (per 1M tokens or per unit, exact USD), "
        "with overrides, limits and variants; e.g. openrouter://models/openai/gpt-4o-mini.",
        mime_type="application/json",
    )
    async def model(model_id: str) -> str:
        state = _state(runtime)
        try:
            snapshot = await state.store.get()
            resolved = snapshot.catalog.resolve(model_id)
        except (UnknownModelError, UnknownVariantError) as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except PricingError as exc:
            raise ResourceError(str(exc)) from None
        info = state.store.info(snapshot)
        return json.dumps(model_document(resolved.model, snapshot.catalog, info), indent=1)
