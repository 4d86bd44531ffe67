"""``linear_cost``: recommend's fast workload pricing gives ``price_totals``'s sums, digit for digit
(value and ``str``), on every model of the built-in catalog and of a hand-written one with edge
prices, over workloads that cross every override's tier threshold and time-window bound."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from openrouter_pricing.core.builtin import load_builtin_catalog
from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import DynamicPriceError, MissingPriceError
from openrouter_pricing.core.linear_cost import Cost, VaryingRates, workload_pricer
from openrouter_pricing.core.pricing import Usage, price_totals
from openrouter_pricing.core.quality import prepare
from openrouter_pricing.core.schema import parse_models

DAY = datetime(2026, 8, 19, tzinfo=UTC)


def _model(model_id: str, **pricing: Any) -> dict[str, Any]:
    return {"id": model_id, "name": model_id, "context_length": 100_000, "pricing": pricing}


EDGES = [  # prices whose sums are easy to get wrong in exponent or in the parts they include
    _model("e/request", prompt="0.000001", completion="0.000002", request="0.005"),
    _model("e/zero-request", prompt="1E-7", completion="4E-7", request="0", web_search="0.01"),
    _model("e/exponent", prompt="1E+1", completion="2.50E-6", web_search="1E+1"),
    _model("e/negative-zero", prompt="-0", completion="0.0000010", request="-0.0"),
    _model("e/free", prompt="0", completion="0"),
    _model("e/unlisted"),
    _model("e/dynamic", prompt="-1", completion="-1"),
    _model("e/dynamic-search", prompt="0.000001", completion="0.000002", web_search="-1"),
    _model(
        "e/tiers-and-window",
        prompt="0.000001",
        completion="0.000004",
        request="0.0001",
        overrides=[
            {"min_prompt_tokens": 1000, "prompt": "0.000002"},
            {"min_prompt_tokens": 5000, "completion": "0.000008", "web_search": "0.02"},
            {"utc_start": 2300, "utc_end": 130, "prompt": "5E-7", "request": "0"},
            {"utc_start": 900, "utc_end": 900, "completion": "0.000003"},
        ],
    ),
]


def _catalogs() -> list[tuple[str, Catalog]]:
    builtin, problems = parse_models(load_builtin_catalog().raw)
    edges, edge_problems = parse_models({"data": EDGES})
    assert not problems and not edge_problems
    return [("builtin", Catalog(builtin)), ("edges", Catalog(edges))]


CATALOGS = _catalogs()


def _reference(pricing: Any, usage: Usage, at: datetime, model_id: str) -> Cost | None:
    try:
        return price_totals(pricing, usage, at=at, model_hint=model_id)
    except (DynamicPriceError, MissingPriceError):
        return None


def _same(got: Cost | None, want: Cost | None) -> bool:
    """Equal in value and in every digit and exponent."""
    if got is None or want is None:
        return got is want
    return got == want and [str(x) for x in got] == [str(x) for x in want]


def _moments(catalog: Catalog) -> list[datetime]:
    """Every window bound, a minute either side, and a few plain times."""
    bounds = {
        bound
        for m in catalog.models
        for o in m.pricing.overrides
        if o.utc_start is not None and o.utc_end is not None
        for bound in (o.utc_start, o.utc_end)
    }
    moments = {DAY + timedelta(hours=h) for h in (0, 7, 13)}
    for bound in bounds:
        at = DAY + timedelta(hours=bound // 100, minutes=bound % 100)
        moments |= {at - timedelta(minutes=1), at, at + timedelta(minutes=1)}
    return sorted(moments)


def _prompts(catalog: Catalog) -> list[int]:
    """0, 1, a typical size, and every tier threshold with its neighbours."""
    thresholds = {
        o.min_prompt_tokens
        for m in catalog.models
        for o in m.pricing.overrides
        if o.min_prompt_tokens is not None
    }
    return sorted({0, 1, 1234} | {t + d for t in thresholds for d in (-1, 0, 1)})


@pytest.mark.parametrize(("name", "catalog"), CATALOGS, ids=[name for name, _ in CATALOGS])
def test_every_model_costs_what_price_totals_says(name: str, catalog: Catalog) -> None:
    prepared = prepare(catalog)
    workloads = list(
        itertools.product([0, 1, 1234, 200_001], [0, 777], [0, 1], [1, 3, 10**9], _moments(catalog))
    )
    random.Random(name).shuffle(workloads)  # the override cells are filled in any order
    for prompt, completion, searches, requests, at in workloads[:60]:
        usage = Usage(prompt, completion, web_searches=searches, requests=requests)
        price = workload_pricer(usage, at)
        for f in prepared.facts:
            m = f.model
            got = price(m.pricing, f.rates, m.id)
            assert _same(got, _reference(m.pricing, usage, at, m.id)), (m.id, usage, at)


@pytest.mark.parametrize(("name", "catalog"), CATALOGS, ids=[name for name, _ in CATALOGS])
def test_models_with_overrides_across_every_threshold_and_bound(
    name: str, catalog: Catalog
) -> None:
    prepared = prepare(catalog)
    varying = [f for f in prepared.facts if isinstance(f.rates, VaryingRates)]
    assert varying  # the catalog exercises tiers and windows
    workloads = list(itertools.product(_prompts(catalog), [0, 500], [0, 1], _moments(catalog)))
    random.Random(name).shuffle(workloads)
    for prompt, completion, searches, at in workloads:
        usage = Usage(prompt, completion, web_searches=searches, requests=7)
        price = workload_pricer(usage, at)
        for f in varying:
            m = f.model
            got = price(m.pricing, f.rates, m.id)
            assert _same(got, _reference(m.pricing, usage, at, m.id)), (m.id, usage, at)


def test_other_usage_parts_go_through_price_totals() -> None:
    _, catalog = CATALOGS[0]
    usage = Usage(
        prompt_tokens=5000,
        completion_tokens=900,
        reasoning_tokens=300,
        cached_prompt_tokens=2000,
        cache_write_tokens=100,
        images=2,
        requests=11,
    )
    at = DAY + timedelta(hours=23, minutes=30)
    price = workload_pricer(usage, at)
    for f in prepare(catalog).facts:
        m = f.model
        assert _same(price(m.pricing, f.rates, m.id), _reference(m.pricing, usage, at, m.id))


def test_the_exact_digits_of_an_edge_price() -> None:
    """A rate of 1E+1: the sum starts from ZERO, as in price_totals, so it prints "10"."""
    _, catalog = CATALOGS[1]
    f = next(f for f in prepare(catalog).facts if f.model.id == "e/exponent")
    usage = Usage(prompt_tokens=0, completion_tokens=0, web_searches=1, requests=3)
    cost = workload_pricer(usage, DAY)(f.model.pricing, f.rates, f.model.id)
    assert cost is not None
    assert [str(x) for x in cost] == ["10", "30"]
    assert _same(cost, _reference(f.model.pricing, usage, DAY, f.model.id))
