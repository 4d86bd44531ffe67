"""Property-based checks of the recommendation engine over random constraints on a real snapshot.

For any request: either every pick meets every hard constraint (``check_invariants``), or the
engine says nothing qualifies, and then a brute-force oracle written from the contract agrees
(or the quality floor, which the oracle does not model, is what the error names).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import RecommendationError
from openrouter_pricing.core.limits import KNOWN_CAPABILITIES
from openrouter_pricing.core.recommend import (
    RecommendRequest,
    recommend,
)
from test_recommend import SNAPSHOTS, check_invariants, load_catalog, meets_hard_constraints

TASKS = (
    "",
    "classify tickets",
    "summarise meeting notes",
    "refactor a TypeScript service",
    "autonomous agent with tool calling",
    "prove a lemma about graphs",
    "translate product pages",
)
AUTHORS = ("openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "no-such-lab")
NOW = datetime(2026, 8, 18, 12, 0, tzinfo=UTC)


@st.composite
def requests(draw: st.DrawFn) -> RecommendRequest:
    def maybe_money(top: int) -> Decimal | None:
        amount = st.decimals(min_value=0, max_value=top, places=4, allow_nan=False)
        return draw(st.none() | amount)

    return RecommendRequest(
        task=draw(st.sampled_from(TASKS)),
        complexity=draw(st.none() | st.sampled_from(("simple", "general", "complex", "reasoning"))),
        prompt_tokens=draw(st.integers(0, 400_000)),
        completion_tokens=draw(st.integers(0, 70_000)),
        requests=draw(st.integers(1, 1_000_000)),
        required_capabilities=tuple(
            draw(st.lists(st.sampled_from(KNOWN_CAPABILITIES), max_size=3, unique=True))
        ),
        min_context=draw(st.none() | st.integers(0, 2_000_000)),
        max_cost_per_request_usd=maybe_money(1),
        budget_usd=maybe_money(10_000),
        allow_free=draw(st.booleans()),
        include_authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2, unique=True))),
        exclude_authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2, unique=True))),
        prefer=draw(st.sampled_from(("cheapest", "balanced", "quality"))),
        limit=draw(st.integers(1, 20)),
        include_batch=draw(st.booleans()),
        at=draw(
            st.none()
            | st.datetimes(datetime(2026, 8, 1), datetime(2026, 8, 31), timezones=st.just(UTC))
        ),
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SNAPSHOTS[1])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests())
def test_random_constraints_hold_or_nothing_qualifies(
    catalog: Catalog, request: RecommendRequest
) -> None:
    try:
        result = recommend(catalog, request, now=NOW)
    except RecommendationError as exc:
        message = str(exc)
        assert message.startswith("No model meets every constraint") and "\n" not in message
        fits = [
            m
            for m in catalog.models
            if meets_hard_constraints(m, request, NOW, catalog) is not None
        ]
        assert not fits or "quality floor" in message
        return
    check_invariants(catalog, request, result)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests())
def test_simple_cheapest_is_the_oracles_cheapest(
    catalog: Catalog, request: RecommendRequest
) -> None:
    """With no quality floor, the first ``cheapest`` pick costs what the cheapest fit costs."""
    simple = replace(request, complexity="simple", prefer="cheapest")
    costs = [
        c
        for m in catalog.models
        if (c := meets_hard_constraints(m, simple, NOW, catalog)) is not None
    ]
    try:
        result = recommend(catalog, simple, now=NOW)
    except RecommendationError:
        assert not costs
        return
    assert result.recommendations[0].estimated_cost_per_request == min(costs)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests(), factor=st.integers(2, 100))
def test_a_larger_budget_never_loses_the_cheapest_pick(
    catalog: Catalog, request: RecommendRequest, factor: int
) -> None:
    if request.budget_usd is None:
        return
    tight = replace(request, prefer="cheapest")
    loose = replace(tight, budget_usd=request.budget_usd * factor)
    try:
        before = recommend(catalog, tight, now=NOW).recommendations[0]
    except RecommendationError:
        return
    after = recommend(catalog, loose, now=NOW).recommendations[0]
    assert after.estimated_cost_per_request <= before.estimated_cost_per_request
