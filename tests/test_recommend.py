"""The recommendation engine: invariants on the real 2026-08-18 snapshots, and a tiny hand-written
catalog that runs without ../shared.

Every scenario is checked with ``check_invariants``: each pick meets every hard constraint (checked
here against the raw catalog fields, not through the engine's own table), costs are what the
pricing engine says, there is one pick per model, the order fits the preference and the inferred
complexity is stated. No test names an expected model id.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import openrouter_pricing.core.recommend as recommend_module
from conftest import load_snapshot
from openrouter_pricing.core.catalog import Catalog, context_of
from openrouter_pricing.core.errors import PricingError, RecommendationError, UsageError
from openrouter_pricing.core.limits import KNOWN_CAPABILITIES
from openrouter_pricing.core.pricing import Usage, price_usage
from openrouter_pricing.core.recommend import (
    CAPABILITIES,
    Recommendation,
    RecommendRequest,
    RecommendResult,
    recommend,
)
from openrouter_pricing.core.schema import Model, parse_models

NOW = datetime(2026, 8, 18, 12, 0, tzinfo=UTC)
SNAPSHOTS = ("2026-08-18_openrouter_models.json", "2026-08-18_openrouter_models_all.json")

# The capability table, restated from OpenRouter's field names, to check the engine's own table.
PARAMETER_OF = {
    "tools": "tools",
    "tool_choice": "tool_choice",
    "structured_outputs": "structured_outputs",
    "json_mode": "response_format",
    "reasoning": "reasoning",
    "web_search": "web_search_options",
}
MODALITY_OF = {
    "image_input": ("input", "image"),
    "audio_input": ("input", "audio"),
    "file_input": ("input", "file"),
    "video_input": ("input", "video"),
    "image_output": ("output", "image"),
    "audio_output": ("output", "audio"),
}
_CATALOGS: dict[str, Catalog] = {}


def load_catalog(name: str) -> Catalog:
    if name not in _CATALOGS:
        models, problems = parse_models(load_snapshot(name))
        assert not problems
        _CATALOGS[name] = Catalog(models)
    return _CATALOGS[name]


@pytest.fixture(params=SNAPSHOTS, ids=["text", "all"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return load_catalog(request.param)


def offers(model: Model, capability: str) -> bool:
    if capability in PARAMETER_OF:
        return PARAMETER_OF[capability] in model.supported_parameters
    if capability in MODALITY_OF:
        side, modality = MODALITY_OF[capability]
        arch = model.architecture
        return modality in (arch.input_modalities if side == "input" else arch.output_modalities)
    need = CAPABILITIES[capability]
    return set(need.parameters) <= set(model.supported_parameters)


def expired(model: Model, now: datetime) -> bool:
    return (
        model.expiration_date is not None and model.expiration_date[:10] <= now.date().isoformat()
    )


def usage_of(request: RecommendRequest) -> Usage:
    searches = int("web_search" in request.required_capabilities)
    return Usage(
        prompt_tokens=request.prompt_tokens,
        completion_tokens=request.completion_tokens,
        web_searches=searches,
        requests=request.requests,
    )


def meets_hard_constraints(
    model: Model, request: RecommendRequest, now: datetime = NOW, catalog: Catalog | None = None
) -> Decimal | None:
    """The per-request cost when ``model`` meets every hard constraint but the quality floor,
    else None. An oracle written from the contract, independent of the engine. With ``catalog``,
    an alias of a model it lists is never a candidate."""
    caps = set(request.required_capabilities)
    if request.complexity == "reasoning":
        caps.add("reasoning")
    outputs_asked = caps & {"image_output", "audio_output"}
    author = model.author.lstrip("~").lower()
    if (
        model.id.startswith("openrouter/")
        or model.pricing.is_dynamic
        or (catalog is not None and alias_of_listed(catalog, model))
        or model.billing_kind != "token"
        or expired(model, now)
        or (model.variant == "batch" and not request.include_batch)
        or (not outputs_asked and "text" not in model.architecture.output_modalities)
        or not all(offers(model, cap) for cap in caps)
        or (request.include_authors and author not in request.include_authors)
        or author in request.exclude_authors
        or (model.is_free and not request.allow_free)
        or context_of(model) < request.prompt_tokens + request.completion_tokens
        or context_of(model) < (request.min_context or 0)
        or (model.max_completion_tokens or 10**12) < request.completion_tokens
    ):
        return None
    cost = price_usage(model.pricing, usage_of(request), at=request.at or now)
    if request.max_cost_per_request_usd is not None and (
        cost.per_request > request.max_cost_per_request_usd
    ):
        return None
    if request.budget_usd is not None and cost.total > request.budget_usd:
        return None
    return cost.per_request


def alias_of_listed(catalog: Catalog, model: Model) -> bool:
    target = catalog.get(model.alias_target.slug or "") if model.alias_target else None
    return target is not None and target is not model


def group_of(catalog: Catalog, model: Model) -> str:
    target = catalog.get(model.alias_target.slug or "") if model.alias_target else None
    return (target or model).base_id.lower()


def stated_floor(result: RecommendResult) -> float | None:
    for note in result.assumptions:
        if match := re.search(r"quality floor for '\w+': \w+ >= ([\d.]+)", note):
            return float(match.group(1))
    return None


def check_invariants(
    catalog: Catalog, request: RecommendRequest, result: RecommendResult, now: datetime = NOW
) -> None:
    recs = result.recommendations
    assert 1 <= len(recs) <= request.limit
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    assert result.considered == len(catalog.models)
    assert sum(result.rejected.values()) <= result.considered
    assert all(count > 0 for count in result.rejected.values())
    if request.complexity is None:
        assert re.search(r"complexity '\w+' (inferred|assumed)", result.assumptions[0])
    else:
        assert result.complexity == request.complexity
    floor = stated_floor(result)
    assert (floor is None) == (result.complexity == "simple")
    groups = [group_of(catalog, r.model) for r in recs]
    assert len(set(groups)) == len(groups), "two picks of the same model"
    for rec in recs:
        model = rec.model
        assert catalog.get(model.id) is model
        per_request = meets_hard_constraints(model, request, now, catalog)
        assert per_request is not None, f"{model.id} breaks a hard constraint"
        assert isinstance(rec.estimated_cost_per_request, Decimal)
        assert isinstance(rec.estimated_total, Decimal)
        assert rec.estimated_cost_per_request == per_request
        assert rec.estimated_total == per_request * request.requests
        assert rec.context_length == context_of(model)
        assert rec.tier in {"free", "budget", "mid", "premium"}
        assert (rec.tier == "free") == model.is_free
        assert rec.why and "\n" not in rec.why
        assert rec.quality_source
        if rec.quality_index is not None:
            assert 0 <= rec.quality_index <= 100
        if floor is not None:
            assert rec.quality_index is not None and rec.quality_index >= floor - 0.05
        if result.complexity == "reasoning":
            assert "reasoning" in model.supported_parameters
    check_order(request, recs)


def check_order(request: RecommendRequest, recs: tuple[Recommendation, ...]) -> None:
    costs = [r.estimated_cost_per_request for r in recs]
    scores = [-1.0 if r.quality_index is None else r.quality_index for r in recs]
    if request.prefer == "cheapest":
        assert costs == sorted(costs)
        for a, b in itertools.pairwise(recs):  # equal cost: better quality first
            if a.estimated_cost_per_request == b.estimated_cost_per_request:
                assert (a.quality_index or -1) >= (b.quality_index or -1)
    elif request.prefer == "quality":
        assert scores == sorted(scores, reverse=True)
    else:  # balanced: the first pick is on the front, so nothing listed beats it on both
        first = recs[0]
        for other in recs[1:]:
            assert not (
                other.estimated_cost_per_request <= first.estimated_cost_per_request
                and (other.quality_index or -1) > (first.quality_index or -1)
            )


def run(catalog: Catalog, now: datetime = NOW, **fields: Any) -> RecommendResult:
    request = RecommendRequest(**fields)
    result = recommend(catalog, request, now=now)
    check_invariants(catalog, request, result, now)
    return result


# --- scenarios on the real snapshots -----------------------------------------------------------

CLASSIFY = "Classify customer support tickets into five categories"
CODING_AGENT = "Coding agent that edits files in a Python repository"

SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "cheap classification": {
        "task": CLASSIFY,
        "prompt_tokens": 400,
        "completion_tokens": 5,
        "requests": 100_000,
        "prefer": "cheapest",
    },
    "coding agent balanced": {
        "task": CODING_AGENT,
        "required_capabilities": ("tools",),
        "min_context": 128_000,
        "prompt_tokens": 30_000,
        "completion_tokens": 3_000,
        "requests": 500,
    },
    "coding agent quality": {
        "task": CODING_AGENT,
        "required_capabilities": ("tools",),
        "min_context": 128_000,
        "prefer": "quality",
    },
    "coding agent cheapest paid": {
        "task": CODING_AGENT,
        "required_capabilities": ("tools",),
        "min_context": 128_000,
        "prefer": "cheapest",
        "allow_free": False,
    },
    "reasoning capped": {
        "task": "Prove the inequality",
        "complexity": "reasoning",
        "prompt_tokens": 2_000,
        "completion_tokens": 8_000,
        "max_cost_per_request_usd": Decimal("0.05"),
    },
    "reasoning quality": {"complexity": "reasoning", "prefer": "quality", "limit": 10},
    "vision structured": {
        "task": "Extract invoice fields from a scan",
        "prefer": "cheapest",
        "required_capabilities": ("image_input", "structured_outputs"),
    },
    "pdf input": {"required_capabilities": ("file_input",), "prompt_tokens": 50_000},
    "audio input": {"required_capabilities": ("audio_input",), "prefer": "quality"},
    "video input": {"required_capabilities": ("video_input",)},
    "image output": {
        "required_capabilities": ("image_output",),
        "prefer": "cheapest",
        "complexity": "simple",
    },
    "audio output": {"required_capabilities": ("audio_output",), "complexity": "simple"},
    "web search": {"required_capabilities": ("web_search",), "task": "research news"},
    "json mode and tools": {"required_capabilities": ("json_mode", "tools"), "limit": 8},
    "no free models": {"allow_free": False, "prefer": "cheapest", "limit": 10},
    "include authors": {"include_authors": ("openai", "anthropic"), "prefer": "quality"},
    "exclude authors": {"exclude_authors": ("openai", "google", "anthropic"), "limit": 10},
    "budget over many requests": {"requests": 200_000, "budget_usd": Decimal(50), "limit": 10},
    "million-token context": {"min_context": 1_000_000, "prefer": "cheapest"},
    "long prompt tiers": {
        "prompt_tokens": 300_000,
        "completion_tokens": 32_000,
        "prefer": "cheapest",
    },
    "batch allowed": {
        "include_batch": True,
        "prefer": "cheapest",
        "allow_free": False,
        "limit": 20,
    },
    "night-time prices": {"at": datetime(2026, 8, 18, 3, 30, tzinfo=UTC), "prefer": "cheapest"},
    "limit twenty": {"limit": 20},
    "limit one": {"limit": 1, "prefer": "quality", "task": "write a legal analysis"},
    "general task": {"task": "Write friendly replies to customer emails"},
    "complex given": {"complexity": "complex", "prefer": "cheapest"},
    "zero completion": {"prompt_tokens": 10_000, "completion_tokens": 0, "prefer": "cheapest"},
    "many constraints": {
        "required_capabilities": ("tools", "structured_outputs", "reasoning"),
        "min_context": 200_000,
        "max_cost_per_request_usd": Decimal("0.02"),
        "exclude_authors": ("openai",),
        "prefer": "quality",
    },
}


@pytest.mark.parametrize("fields", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_scenario_meets_every_invariant(catalog: Catalog, fields: dict[str, Any]) -> None:
    if "image_output" in fields.get("required_capabilities", ()):
        # Billed per image: the text engine points to output_modality instead of pricing at $0.
        with pytest.raises(RecommendationError, match="output_modality"):
            run(catalog, **fields)
        return
    run(catalog, **fields)


def test_cheapest_pick_is_the_cheapest_model_that_qualifies(catalog: Catalog) -> None:
    request = RecommendRequest(complexity="simple", prefer="cheapest", allow_free=False)
    result = recommend(catalog, request, now=NOW)
    oracle = [
        c
        for m in catalog.models
        if (c := meets_hard_constraints(m, request, NOW, catalog)) is not None
    ]
    assert result.recommendations[0].estimated_cost_per_request == min(oracle)


def test_quality_pick_is_the_best_scored_model_that_qualifies(catalog: Catalog) -> None:
    cheapest = run(catalog, task=CODING_AGENT, prefer="cheapest", limit=20)
    quality = run(catalog, task=CODING_AGENT, prefer="quality", limit=20)
    top = quality.recommendations[0].quality_index
    assert top is not None
    assert all((r.quality_index or 0) <= top for r in cheapest.recommendations)


def test_balanced_front_is_mutually_non_dominated(catalog: Catalog) -> None:
    result = run(catalog, task=CODING_AGENT, required_capabilities=("tools",), limit=20)
    front = [r for r in result.recommendations if "cost/quality front" in r.why]
    assert front and front[0].rank == 1
    for a in front:
        for b in front:
            assert not (
                b.estimated_cost_per_request <= a.estimated_cost_per_request
                and (b.quality_index or -1) > (a.quality_index or -1)
            )


def test_coding_work_is_judged_on_the_coding_index(catalog: Catalog) -> None:
    result = run(catalog, task=CODING_AGENT, required_capabilities=("tools",), prefer="quality")
    assert any("coding_index" in note for note in result.assumptions)
    for rec in result.recommendations:
        assert "coding_index" in rec.quality_source or rec.quality_source.startswith("fallback")


def test_tools_without_coding_use_the_agentic_index(catalog: Catalog) -> None:
    result = run(catalog, task="answer questions", required_capabilities=("tools",))
    assert any("agentic_index (tools are required)" in note for note in result.assumptions)


def test_budget_is_respected_and_named_when_too_small(catalog: Catalog) -> None:
    budget = Decimal(100)
    result = run(catalog, requests=1_000_000, budget_usd=budget, allow_free=False, limit=20)
    assert all(r.estimated_total <= budget for r in result.recommendations)
    assert result.rejected["budget"] > 0
    with pytest.raises(RecommendationError, match="budget_usd"):
        recommend(
            catalog,
            RecommendRequest(requests=1_000_000, budget_usd=Decimal("0.0001"), allow_free=False),
            now=NOW,
        )


def test_expired_models_drop_out_once_their_date_passes(catalog: Catalog) -> None:
    expiring = [
        m for m in catalog.models if m.expiration_date and not m.id.startswith("openrouter/")
    ]
    assert expiring, "the snapshot lists models with an expiration date"
    first_date = min(m.expiration_date or "" for m in expiring)
    later = datetime.fromisoformat(first_date).replace(tzinfo=UTC, hour=1)
    result = run(catalog, now=later, complexity="simple", prefer="cheapest", limit=20)
    assert result.rejected.get("expired", 0) >= 1
    assert not any(expired(r.model, later) for r in result.recommendations)


def test_routers_and_batch_are_rejected_and_counted(catalog: Catalog) -> None:
    result = run(catalog, complexity="simple", prefer="cheapest", limit=20)
    assert result.rejected["router"] >= 5
    assert result.rejected["batch_variant"] >= 1
    assert not any(r.model.variant == "batch" for r in result.recommendations)


def test_text_output_is_required_unless_media_output_is_asked(catalog: Catalog) -> None:
    result = run(catalog, complexity="simple", prefer="cheapest", limit=20)
    assert all("text" in r.model.architecture.output_modalities for r in result.recommendations)
    audio = run(catalog, required_capabilities=("audio_output",), complexity="simple", limit=20)
    assert all("audio" in r.model.architecture.output_modalities for r in audio.recommendations)
    # Image models are billed per image: the text engine leaves them to recommend_media.
    with pytest.raises(RecommendationError):
        run(catalog, required_capabilities=("image_output",), complexity="simple", limit=20)


def test_one_pick_per_model_even_with_batch_and_free_variants(catalog: Catalog) -> None:
    result = run(catalog, include_batch=True, prefer="quality", limit=20, complexity="simple")
    bases = [group_of(catalog, r.model) for r in result.recommendations]
    assert len(bases) == len(set(bases)) == 20


def test_inferred_complexity_is_stated(tiny: Catalog) -> None:
    cases = {
        "Classify these emails as spam or not": "simple",
        "Prove that the algorithm terminates": "reasoning",
        "Refactor this Python module": "complex",
        "Write a friendly birthday message": "general",
        "": "general",
    }
    for task, expected in cases.items():
        result = run(tiny, task=task)
        assert result.complexity == expected
        note = result.assumptions[0]
        assert ("inferred from" if expected != "general" else "assumed") in note
        assert "pass complexity to override" in note


def test_reasoning_complexity_admits_only_reasoning_models(catalog: Catalog) -> None:
    result = run(catalog, complexity="reasoning", prefer="cheapest", limit=20)
    assert all("reasoning" in r.model.supported_parameters for r in result.recommendations)
    assert result.rejected.get("capability:reasoning", 0) > 0


def test_nothing_qualifies_names_the_constraint_to_relax(catalog: Catalog) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_cost_per_request_usd": Decimal(0), "allow_free": False}, "max_cost_per_request_usd"),
        ({"include_authors": ("no-such-lab",)}, "include_authors"),
        ({"min_context": 50_000_000}, "min_context"),
        ({"prompt_tokens": 20_000_000}, "prompt or the completion"),
    ]
    for fields, relax in cases:
        with pytest.raises(RecommendationError) as caught:
            recommend(catalog, RecommendRequest(**fields), now=NOW)
        message = str(caught.value)
        assert relax in message
        assert message.startswith("No model meets every constraint")
        assert "\n" not in message


def test_unknown_capability_lists_the_known_ones(catalog: Catalog) -> None:
    with pytest.raises(RecommendationError) as caught:
        recommend(catalog, RecommendRequest(required_capabilities=("telepathy",)), now=NOW)
    assert "telepathy" in str(caught.value)
    assert all(name in str(caught.value) for name in KNOWN_CAPABILITIES)
    assert issubclass(RecommendationError, PricingError)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"limit": 0}, RecommendationError),
        ({"limit": 21}, RecommendationError),
        ({"prompt_tokens": -1}, UsageError),
        ({"requests": 0}, UsageError),
        ({"min_context": -5}, RecommendationError),
        ({"budget_usd": Decimal(-1)}, RecommendationError),
        ({"max_cost_per_request_usd": Decimal("NaN")}, RecommendationError),
        ({"prefer": "fastest"}, RecommendationError),
        ({"complexity": "trivial"}, RecommendationError),
    ],
)
def test_invalid_requests_are_errors(fields: dict[str, Any], error: type[Exception]) -> None:
    catalog = Catalog([])
    with pytest.raises(error):
        recommend(catalog, RecommendRequest(**fields), now=NOW)


def test_same_request_same_answer_and_fast() -> None:
    catalog = load_catalog(SNAPSHOTS[1])
    request = RecommendRequest(task=CODING_AGENT, required_capabilities=("tools",), limit=10)
    first = recommend(catalog, request, now=NOW)
    assert recommend(catalog, request, now=NOW) == first
    started = time.perf_counter()
    for n in range(20):  # a new workload each time: every candidate is priced afresh
        recommend(catalog, replace(request, requests=n + 2, complexity="simple"), now=NOW)
    per_call = (time.perf_counter() - started) / 20
    assert per_call < 0.05, f"{per_call * 1000:.1f} ms per call"


# --- a tiny hand-written catalog (no ../shared needed) -------------------------------------------


def _model(model_id: str, prompt: str, completion: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": model_id,
        "context_length": extra.pop("context_length", 128_000),
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": prompt, "completion": completion},
        "supported_parameters": extra.pop("params", ["tools", "reasoning"]),
        **extra,
    }


def _bench(score: float) -> dict[str, Any]:
    index = {"intelligence_index": score, "coding_index": score, "agentic_index": score}
    return {"artificial_analysis": index}


TINY = [
    _model("openrouter/auto", "-1", "-1"),
    _model("acme/big", "0.00001", "0.00003", benchmarks=_bench(70)),
    _model("acme/big:free", "0", "0", benchmarks=_bench(70)),
    _model("acme/big:batch", "0.000005", "0.000015", benchmarks=_bench(70)),
    _model("~acme/big-latest", "0.00001", "0.00003", alias_target={"slug": "acme/big"}),
    _model("acme/small", "0.0000001", "0.0000002", benchmarks=_bench(20), params=[]),
    _model("acme/mid", "0.000001", "0.000002", benchmarks=_bench(45)),
    _model("zeta/old", "0", "0", benchmarks=_bench(90), expiration_date="2026-01-01"),
    _model("zeta/short", "0.0000002", "0.0000004", benchmarks=_bench(50), context_length=4_000),
]


@pytest.fixture
def tiny() -> Catalog:
    models, problems = parse_models({"data": TINY})
    assert not problems
    return Catalog(models)


def test_tiny_catalog_never_proposes_routers_batch_expired_or_duplicates(tiny: Catalog) -> None:
    for prefer in ("cheapest", "balanced", "quality"):
        result = run(tiny, prefer=prefer, complexity="simple", limit=20)
        ids = [r.model.id for r in result.recommendations]
        assert not {"openrouter/auto", "acme/big:batch", "zeta/old"} & set(ids)
        assert sum(i.lstrip("~").startswith("acme/big") for i in ids) == 1
        assert result.rejected["router"] == 1 and result.rejected["expired"] == 1


def test_tiny_catalog_constraints_and_quality_floor(tiny: Catalog) -> None:
    paid = run(tiny, prefer="cheapest", allow_free=False, complexity="simple", limit=20)
    assert paid.recommendations[0].model.id == "acme/small"  # the only model cheaper than mid
    tools = run(tiny, required_capabilities=("tools",), complexity="simple", limit=20)
    assert all("tools" in r.model.supported_parameters for r in tools.recommendations)
    long_prompt = run(tiny, prompt_tokens=10_000, complexity="simple", limit=20)
    assert "zeta/short" not in {r.model.id for r in long_prompt.recommendations}
    strict = run(tiny, complexity="complex", prefer="cheapest", limit=20)
    assert "acme/small" not in {r.model.id for r in strict.recommendations}
    assert strict.rejected["quality_floor"] >= 1


def test_tiny_catalog_free_variant_stands_for_its_model_when_cheapest(tiny: Catalog) -> None:
    result = run(tiny, prefer="cheapest", complexity="simple", limit=20)
    assert result.recommendations[0].model.id == "acme/big:free"
    assert result.recommendations[0].tier == "free"
    assert "rate-limited" in result.recommendations[0].why


def test_tiny_catalog_error_names_capability(tiny: Catalog) -> None:
    with pytest.raises(RecommendationError, match="audio_input"):
        recommend(tiny, RecommendRequest(required_capabilities=("audio_input",)), now=NOW)
    unknown = replace(RecommendRequest(), required_capabilities=("tools", "mind_reading"))
    with pytest.raises(RecommendationError, match="structured_outputs"):
        recommend(tiny, unknown, now=NOW)


def _first_failure(q: Any, f: Any) -> str | None:
    """The reference for ``rejected``: the first check ``f`` fails, walked model by model."""
    r = q.request
    checks = [
        ("router", f.router),
        ("media_billing", f.media),
        ("batch_variant", f.batch and not r.include_batch),
        ("expired", f.expires is not None and f.expires <= q.now.date()),
        (
            "alias_of_listed_model",
            bool(f.model.alias_target) and f.group != f.model.base_id.lower(),
        ),
        ("output_modality", not q.outputs <= f.offers),
        *((f"capability:{cap}", not need <= f.offers) for cap, need in q.needs),
        ("author_not_included", bool(q.include) and f.author not in q.include),
        ("author_excluded", f.author in q.exclude),
        ("free_not_allowed", f.tier == "free" and not r.allow_free),
        ("context_window", f.context < r.prompt_tokens + r.completion_tokens),
        ("min_context", f.context < (r.min_context or 0)),
        ("max_output_tokens", (f.max_output or r.completion_tokens) < r.completion_tokens),
    ]
    quality = f.quality[q.signal][0]
    checks.append(("quality_floor", q.floor is not None and (quality is None or quality < q.floor)))
    if reason := next((reason for reason, failed in checks if failed), None):
        return reason
    cost = q.cost(f)
    cap, budget = r.max_cost_per_request_usd, r.budget_usd
    if cost is None:
        return "dynamic_price"
    if cap is not None and cost[0] > cap:
        return "cost_per_request"
    return "budget" if budget is not None and cost[1] > budget else None


@pytest.mark.parametrize("fields", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_rejected_counts_each_model_by_its_first_failed_check(
    catalog: Catalog, fields: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index's set operations count what a walk of every model would, in the same order
    (most first, ties in catalog order), and leave the same candidates."""
    seen: list[tuple[Any, Any, list[Any]]] = []
    screen = recommend_module._screen

    def spy(q: Any, prepared: Any) -> Any:
        eligible, rejected = screen(q, prepared)
        seen.append((q, prepared, eligible))
        return eligible, rejected

    monkeypatch.setattr(recommend_module, "_screen", spy)
    request = RecommendRequest(**{"budget_usd": Decimal("0.5"), "requests": 100, **fields})
    try:
        result = recommend(catalog, request, now=NOW)
    except RecommendationError as error:
        # Nothing qualifies ("pdf input" and "web search" exceed the $0.50 budget): the error is
        # owed exactly when the walk finds a failed check for every model, and names the budget.
        [(q, prepared, eligible)] = seen
        assert eligible == []
        assert all(_first_failure(q, f) is not None for f in prepared.facts)
        assert "budget_usd" in str(error) or "capability" in str(error)
        return
    [(q, prepared, eligible)] = seen
    reasons = [_first_failure(q, f) for f in prepared.facts]
    counts = Counter(reason for reason in reasons if reason is not None)
    assert result.rejected == dict(counts.most_common())
    assert list(result.rejected) == [reason for reason, _ in counts.most_common()]
    assert [prepared.facts[row.position] for row in eligible] == [
        f for f, reason in zip(prepared.facts, reasons, strict=True) if reason is None
    ]
