"""Catalog lookup (every spelling of an id), suggestions, filters, sorts and paging."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_snapshot
from openrouter_pricing.core.catalog import Catalog, ModelFilter
from openrouter_pricing.core.errors import UnknownModelError, UnknownVariantError
from openrouter_pricing.core.limits import SORT_KEYS
from openrouter_pricing.core.schema import parse_models


def model(
    model_id: str, prompt: str = "0.000001", completion: str = "0.000002", **extra: Any
) -> dict[str, Any]:
    return {"id": model_id, "pricing": {"prompt": prompt, "completion": completion}, **extra}


SMALL = Catalog(
    parse_models(
        [
            model(
                "openai/gpt-4o",
                "0.0000025",
                "0.00001",
                canonical_slug="openai/gpt-4o-2024-05-13",
                name="OpenAI: GPT-4o",
                context_length=128000,
                architecture={"input_modalities": ["text", "image"], "output_modalities": ["text"]},
                supported_parameters=["tools", "structured_outputs"],
                created=300,
            ),
            model(
                "openai/gpt-4o:extended",
                "0.000006",
                "0.000018",
                canonical_slug="openai/gpt-4o-2024-05-13",
                context_length=64000,
                architecture={"output_modalities": ["text"]},
                created=200,
            ),
            model(
                "meta/llama:free",
                "0",
                "0",
                context_length=8000,
                architecture={"output_modalities": ["text"]},
                created=100,
            ),
            model(
                "openrouter/auto",
                "-1",
                "-1",
                context_length=2000000,
                architecture={"output_modalities": ["text"]},
            ),
            model("acme/painter", architecture={"output_modalities": ["image"]}),
        ]
    )[0]
)


@pytest.mark.parametrize(
    ("reference", "expected_id", "routing"),
    [
        ("openai/gpt-4o", "openai/gpt-4o", None),
        ("OpenAI/GPT-4o", "openai/gpt-4o", None),
        ("  openai/gpt-4o ", "openai/gpt-4o", None),
        ("openai/gpt-4o-2024-05-13", "openai/gpt-4o", None),
        ("openai/gpt-4o:extended", "openai/gpt-4o:extended", None),
        ("openai/gpt-4o-2024-05-13:extended", "openai/gpt-4o:extended", None),
        ("openai/gpt-4o:floor", "openai/gpt-4o", "floor"),
        ("openai/GPT-4o:Nitro", "openai/gpt-4o", "nitro"),
        ("openai/gpt-4o-2024-05-13:online", "openai/gpt-4o", "online"),
        ("META/llama:FREE", "meta/llama:free", None),
    ],
)
def test_resolve_every_spelling(reference: str, expected_id: str, routing: str | None) -> None:
    resolved = SMALL.resolve(reference)
    assert resolved.model.id == expected_id
    assert resolved.routing_variant == routing
    assert resolved.variant == (routing or resolved.model.variant)


def test_unknown_model_suggests_close_ids() -> None:
    with pytest.raises(UnknownModelError) as info:
        SMALL.resolve("openai/gpt4o")
    assert "openai/gpt-4o" in info.value.suggestions
    assert "openai/gpt-4o" in str(info.value)
    assert len(info.value.suggestions) <= 5


def test_unknown_variant_lists_the_ones_the_model_has() -> None:
    with pytest.raises(UnknownVariantError, match=":extended") as info:
        SMALL.resolve("openai/gpt-4o:thinking")
    assert ":floor" in str(info.value)


def test_default_listing_is_text_output_and_counts_before_paging() -> None:
    page = SMALL.search(ModelFilter(limit=2))
    assert page.total == 4  # the image-only model is left out by default
    assert len(page.models) == 2 and page.next_offset == 2
    everything = SMALL.search(ModelFilter(output_modalities=(), limit=200))
    assert everything.total == 5 and everything.next_offset is None


def test_filters() -> None:
    def ids(**kwargs: Any) -> list[str]:
        return sorted(m.id for m in SMALL.filter(ModelFilter(**kwargs)))

    assert ids(free_only=True) == ["meta/llama:free"]
    assert ids(supports=("tools",)) == ["openai/gpt-4o"]
    assert ids(input_modalities=("image",)) == ["openai/gpt-4o"]
    assert ids(min_context=100000) == ["openai/gpt-4o", "openrouter/auto"]
    assert ids(author="OPENAI") == ["openai/gpt-4o", "openai/gpt-4o:extended"]
    assert ids(query="gpt-4o") == ["openai/gpt-4o", "openai/gpt-4o:extended"]
    # A dynamic price never passes a price ceiling.
    assert ids(max_prompt_per_m=Decimal("2.5")) == ["meta/llama:free", "openai/gpt-4o"]
    assert ids(max_completion_per_m=Decimal(0)) == ["meta/llama:free"]


def test_price_sorts_put_dynamic_prices_last_in_both_directions() -> None:
    for descending in (False, True):
        ordered = SMALL.sort(list(SMALL.filter(ModelFilter())), "prompt_price", descending)
        assert ordered[-1].id == "openrouter/auto"
    ascending = [m.id for m in SMALL.sort(SMALL.filter(ModelFilter()), "prompt_price")]
    assert ascending[:3] == ["meta/llama:free", "openai/gpt-4o", "openai/gpt-4o:extended"]


def _catalog_2026() -> Catalog:
    return Catalog(parse_models(load_snapshot("2026-08-18_openrouter_models_all.json"))[0])


@functools.cache
def _paging_catalog() -> Catalog:
    """The real 549-model catalog when ../shared is there, else the small one."""
    try:
        return _catalog_2026()
    except pytest.skip.Exception:
        return SMALL


def test_real_catalog_lookup_by_canonical_slug_and_suggestions() -> None:
    catalog = _catalog_2026()
    for m in catalog.models:
        assert catalog.resolve(m.id).model.id == m.id
        if m.canonical_slug and not m.variant:
            assert catalog.resolve(m.canonical_slug).model.base_id == m.base_id
    with pytest.raises(UnknownModelError) as info:
        catalog.resolve("anthropic/claude-sonet-4.6")
    assert "anthropic/claude-sonnet-4.6" in info.value.suggestions


@settings(max_examples=40, deadline=None)
@given(
    sort=st.sampled_from(SORT_KEYS),
    descending=st.booleans(),
    limit=st.integers(1, 200),
    free_only=st.booleans(),
)
def test_paging_returns_every_match_once_for_any_sort(
    sort: str, descending: bool, limit: int, free_only: bool
) -> None:
    catalog = _paging_catalog()
    spec = ModelFilter(output_modalities=(), sort=sort, descending=descending, free_only=free_only)  # type: ignore[arg-type]
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = catalog.search(ModelFilter(**{**spec.__dict__, "limit": limit, "offset": offset}))
        seen.extend(m.id for m in page.models)
        offset = page.next_offset
    assert len(seen) == len(set(seen)) == page.total
    assert len(seen) == len(catalog.filter(spec))
