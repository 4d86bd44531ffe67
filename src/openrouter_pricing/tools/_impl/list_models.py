"""The work of ``list_models`` (its signature, contract and decisions: ``tools.list_models``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from mcp.types import CallToolResult

from ...core.aliases import alias_of
from ...core.billing import unit_prices
from ...core.catalog import Catalog, ModelFilter, Page, context_of
from ...core.filter_terms import check_filter_terms
from ...core.money import DYNAMIC_PRICE, display_usd, format_usd, per_million
from ...core.schema import Model
from ...core.video import VideoModel
from ...core.video import unit_prices as video_prices
from ..common import (
    AppContext,
    catalog_dict,
    catalog_lines,
    fail,
    load_catalog,
    pricing_errors,
    result,
    table,
)
from ..limits import SortKey
from ..outputs import ListModelsOutput, ModelRow


def _fixed(price: Decimal | None, scale: bool) -> str | None:
    """A listed, fixed price as an exact string (per million when ``scale``); else ``None``."""
    if price is None or price == DYNAMIC_PRICE:
        return None
    return format_usd(per_million(price) if scale else price)


def model_row(model: Model, video: VideoModel | None = None) -> ModelRow:
    """One model's row (JSON-ready, in the contract's key order); ``video``
    is the model's entry in the video listing, for a video model's prices."""
    p = model.pricing
    kind = model.billing_kind
    per_token = kind in ("token", "image")
    units = unit_prices(model) if video is None else video_prices(video)
    created = (
        datetime.fromtimestamp(model.created, UTC).date().isoformat()
        if model.created is not None
        else None
    )
    index = model.intelligence_index
    return ModelRow(
        id=model.id,
        name=model.name or model.id,
        context_length=context_of(model),
        max_completion_tokens=model.max_completion_tokens,
        prompt_per_m=_fixed(p.prompt or Decimal(0), True) if per_token else None,
        completion_per_m=_fixed(p.completion or Decimal(0), True) if per_token else None,
        cache_read_per_m=_fixed(p.input_cache_read, True),
        cache_write_per_m=_fixed(p.input_cache_write, True),
        reasoning_per_m=_fixed(p.internal_reasoning, True),
        request_usd=_fixed(p.request, False),
        image_usd=_fixed(p.image, False),
        web_search_usd=_fixed(p.web_search, False),
        input_modalities=list(model.architecture.input_modalities),
        output_modalities=list(model.architecture.output_modalities),
        supports=list(model.supported_parameters),
        is_free=model.is_free,
        is_dynamic=p.is_dynamic,
        intelligence_index=None if index is None else float(index),
        created=created,
        billing=kind,
        unit_prices={unit: format_usd(price) for unit, price in units.items()},
        alias_of=alias_of(model),
    )


def _price_cell(per_m: str | None, dynamic: bool) -> str:
    if per_m is None:
        return "dynamic" if dynamic else "-"
    return display_usd(Decimal(per_m), places=None)  # exact: a table never rounds a price


def _unit_cell(row: ModelRow) -> str:
    """A media model's headline price for the table: its cheapest unit price, or "no price"."""
    prices = row["unit_prices"]
    if not prices:
        return "free" if row["is_free"] else f"{row['billing']}: no price"
    unit, price = min(prices.items(), key=lambda item: (Decimal(item[1]), item[0]))
    suffix = " (from)" if len(prices) > 1 else ""
    return f"{display_usd(Decimal(price), places=4)}/{unit}{suffix}"


def _cells(row: ModelRow) -> list[str]:
    """A row's cells in the text table."""
    index = row["intelligence_index"]
    if row["billing"] in ("token", "image"):
        prompt = _price_cell(row["prompt_per_m"], row["is_dynamic"])
        completion = _price_cell(row["completion_per_m"], row["is_dynamic"])
    else:  # billed per second, character or clip: its own unit, never "$0/M"
        prompt, completion = _unit_cell(row), "-"
    return [
        row["id"] + (f" (alias of {row['alias_of']})" if row["alias_of"] else ""),
        f"{row['context_length']:,}",
        prompt,
        completion,
        "" if index is None else f"{index:g}",
    ]


# Per catalog: model id -> (the model, its row, its cells). The model is kept to check identity,
# so two models with one id never share a row.
_Entry = tuple[Model, ModelRow, list[str]]
_ROWS: weakref.WeakKeyDictionary[Catalog, dict[str, _Entry]] = weakref.WeakKeyDictionary()


def _rows(catalog: Catalog, models: Sequence[Model]) -> list[_Entry]:
    """The rows (and cells) of ``models``, built once per model of ``catalog``."""
    cache = _ROWS.get(catalog)
    if cache is None:
        cache = _ROWS.setdefault(catalog, {})
    entries = []
    for model in models:
        entry = cache.get(model.id)
        if entry is None or entry[0] is not model:
            row = model_row(model, catalog.video_of(model))
            entry = (model, row, _cells(row))
            if model.id not in cache:
                cache[model.id] = entry
        entries.append(entry)
    return entries


def _summary(entries: list[_Entry], page: Page, spec: ModelFilter, catalog: Catalog) -> str:
    if not entries:
        head = f"No models match (of {len(catalog)} in the catalog); loosen the filters."
    else:
        first, last = page.offset + 1, page.offset + len(entries)
        order = f"{spec.sort}{' descending' if spec.descending else ''}"
        head = f"Models {first}-{last} of {page.total} (sorted by {order}; prices per 1M tokens)."
        if page.next_offset is not None:
            head += f" Next page: offset={page.next_offset}."
    rows = [cells for _, _, cells in entries]
    parts = [head]
    if rows:
        parts.append(table(["model", "context", "prompt/M", "completion/M", "intel"], rows))
    return "\n".join(parts)


async def answer(
    ctx: AppContext,
    *,
    query: str | None,
    author: str | None,
    input_modalities: list[str],
    output_modalities: list[str],
    supports: list[str],
    min_context: int | None,
    max_prompt_per_m: Decimal | None,
    max_completion_per_m: Decimal | None,
    free_only: bool,
    exclude_free: bool,
    sort: SortKey,
    descending: bool,
    limit: int,
    offset: int,
) -> CallToolResult:
    """``list_models``' answer, for the arguments its signature validated."""
    if free_only and exclude_free:
        fail("free_only and exclude_free cannot both be true; pass one of them.")
    _, snapshot, info = await load_catalog(ctx)
    with pricing_errors():
        check_filter_terms(
            snapshot.catalog.vocabulary(),
            {
                "author": [author] if author and author.strip() else [],
                "input_modalities": input_modalities,
                "output_modalities": output_modalities,
                "supports": supports,
            },
        )
    spec = ModelFilter(
        query=query,
        author=author,
        input_modalities=tuple(input_modalities),
        output_modalities=tuple(output_modalities),
        supports=tuple(supports),
        min_context=min_context,
        max_prompt_per_m=max_prompt_per_m,
        max_completion_per_m=max_completion_per_m,
        free_only=free_only,
        exclude_free=exclude_free,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
    )
    catalog = snapshot.catalog
    page = catalog.search(spec)
    entries = _rows(catalog, page.models)
    output = ListModelsOutput(
        models=[row for _, row, _ in entries],
        total=page.total,
        offset=page.offset,
        next_offset=page.next_offset,
        catalog=catalog_dict(info),
    )
    summary = _summary(entries, page, spec, catalog)
    return result(output, "\n".join([summary, *catalog_lines(info)]))
