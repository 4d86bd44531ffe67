"""Text pricing edges an independent audit found: provider tags, ':free' endpoints, overrides
with conditions the server does not know, listings without a completion price, fractional
thresholds and null overrides. Core checks, then the tools over MCP against the fake OpenRouter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from conftest import load_snapshot
from fake_openrouter import FakeOpenRouter
from mcp_helpers import dec, error_text, ok, server_for
from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import MissingPriceError
from openrouter_pricing.core.linear_cost import workload_pricer, workload_rates
from openrouter_pricing.core.money import format_usd
from openrouter_pricing.core.pricing import Usage, price_totals, price_usage
from openrouter_pricing.core.recommend import RecommendationError, RecommendRequest, recommend
from openrouter_pricing.core.schema import Pricing, parse_models, parse_models_json

AT = datetime(2026, 8, 19, 12, 0, tzinfo=UTC)


def _model(model_id: str, **pricing: Any) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": model_id,
        "context_length": 100_000,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": pricing,
    }


# --- overrides: unknown conditions, fractional thresholds, null ---------------------------------

UNKNOWN_CONDITION = {
    "prompt": "0.000001",
    "completion": "0.000002",
    "overrides": [
        {"min_prompt_tokens": 1000, "min_completion_tokens": 500, "completion": "0.00004"},
        {"min_prompt_tokens": 1000, "video_output": "0.5", "prompt": "0.000003"},
    ],
}


def test_an_override_with_an_unknown_condition_is_skipped_with_a_warning() -> None:
    pricing = Pricing.model_validate(UNKNOWN_CONDITION)
    first, second = pricing.overrides
    assert first.unknown_conditions == ("min_completion_tokens",)
    assert second.unknown_conditions == ()  # a price string: a price key, not a condition
    breakdown = price_usage(pricing, Usage(prompt_tokens=2000, completion_tokens=600), at=AT)
    rates = {item.component: item.unit_price for item in breakdown.line_items}
    assert str(rates["completion"]) == "0.000002"  # the unknown-condition entry is not applied
    assert str(rates["prompt"]) == "0.000003"  # the other entry is
    assert [w for w in breakdown.warnings if "min_completion_tokens" in w]
    # Its known condition does not hold: it would not apply anyway, so nothing to warn about.
    small = price_usage(pricing, Usage(prompt_tokens=10, completion_tokens=600), at=AT)
    assert not small.warnings
    assert str(small.total) == str(price_usage(Pricing.model_validate({
        "prompt": "0.000001", "completion": "0.000002"
    }), Usage(prompt_tokens=10, completion_tokens=600), at=AT).total)  # fmt: skip


def test_conditions_are_told_from_prices_by_name_and_value() -> None:
    pricing = Pricing.model_validate(
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "overrides": [
                {"min_completion_tokens": "1000", "prompt": "0.000009"},  # a number as text
                {"region": "eu", "prompt": "0.000009"},  # not a price: a condition
                {"utc_start": 100, "prompt": "0.000009"},  # a window with one bound
                {"max_requests_per_day": 5, "prompt": "0.000009"},
            ],
        }
    )
    unknown = [o.unknown_conditions for o in pricing.overrides]
    assert unknown == [
        ("min_completion_tokens",),
        ("region",),
        ("utc_start",),
        ("max_requests_per_day",),
    ]
    breakdown = price_usage(pricing, Usage(prompt_tokens=100), at=AT)
    assert str(breakdown.line_items[0].unit_price) == "0.000001"
    assert len(breakdown.warnings) == 4


def test_fractional_window_bounds_are_read_to_the_minute() -> None:
    pricing = Pricing.model_validate(
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "overrides": [{"utc_start": 1029.5, "utc_end": 1100.2, "prompt": "0.000003"}],
        }
    )
    [override] = pricing.overrides
    assert (override.utc_start, override.utc_end) == (1030, 1101)
    for hour, minute, rate in ((10, 29, "0.000001"), (10, 30, "0.000003"), (11, 0, "0.000003")):
        at = AT.replace(hour=hour, minute=minute)
        item = price_usage(pricing, Usage(prompt_tokens=10), at=at).line_items[0]
        assert str(item.unit_price) == rate, (hour, minute)
    late = price_usage(pricing, Usage(prompt_tokens=10), at=AT.replace(hour=11, minute=1))
    assert str(late.line_items[0].unit_price) == "0.000001"


def test_recommends_fast_path_agrees_on_unknown_conditions() -> None:
    pricing = Pricing.model_validate(UNKNOWN_CONDITION)
    for prompt in (10, 1000, 1001, 5000):
        usage = Usage(prompt_tokens=prompt, completion_tokens=600, requests=3)
        got = workload_pricer(usage, AT)(pricing, workload_rates(pricing), "m")
        assert got == price_totals(pricing, usage, at=AT)


def test_fractional_thresholds_and_null_overrides_keep_the_model() -> None:
    body = {
        "data": [
            _model(
                "a/fractional",
                prompt="0.000001",
                completion="0.000002",
                overrides=[{"min_prompt_tokens": 1000.5, "prompt": "0.000005"}],
            ),
            _model("a/null", prompt="0.000001", completion="0.000002", overrides=None),
        ]
    }
    for models, problems in (parse_models(body), parse_models_json(json.dumps(body).encode())):
        assert not problems
        assert [m.id for m in models] == ["a/fractional", "a/null"]
        fractional, null = models
        assert null.pricing.overrides == ()
        threshold = fractional.pricing.overrides[0].min_prompt_tokens
        assert threshold == 1000  # more than 1000.5 whole tokens is more than 1000
        for prompt, rate in ((1000, "0.000001"), (1001, "0.000005")):
            item = price_usage(fractional.pricing, Usage(prompt_tokens=prompt), at=AT).line_items
            assert str(item[0].unit_price) == rate


# --- a listing without a completion price ------------------------------------------------------

NO_COMPLETION = {"prompt": "0.000001", "internal_reasoning": "0.000003"}


def test_completion_tokens_without_a_completion_price_are_an_error() -> None:
    pricing = Pricing.model_validate(NO_COMPLETION)
    with pytest.raises(MissingPriceError, match="no completion price"):
        price_usage(pricing, Usage(prompt_tokens=10, completion_tokens=5), at=AT)
    # Nothing needs the completion price: prompt only, or reasoning at its own listed price.
    assert price_usage(pricing, Usage(prompt_tokens=10), at=AT).total > 0
    reasoning = Usage(prompt_tokens=10, completion_tokens=5, reasoning_tokens=5)
    assert price_usage(pricing, reasoning, at=AT).total > 0
    assert workload_rates(pricing) is None  # the fast path defers to price_totals
    usage = Usage(prompt_tokens=10, completion_tokens=5)
    assert workload_pricer(usage, AT)(pricing, None, "m") is None


def test_recommend_never_proposes_a_model_it_cannot_price() -> None:
    models, _ = parse_models(
        {
            "data": [
                _model("a/no-completion", prompt="0.0000000001"),
                _model("a/priced", prompt="0.000001", completion="0.000002"),
            ]
        }
    )
    result = recommend(Catalog(models), RecommendRequest(complexity="simple"), now=AT)
    assert [r.model.id for r in result.recommendations] == ["a/priced"]


# --- the tools, over MCP ------------------------------------------------------------------------


def _endpoint(tag: str, provider: str, prompt: str, completion: str) -> dict[str, Any]:
    return {
        "name": f"{provider} | m",
        "provider_name": provider,
        "tag": tag,
        "context_length": 100_000,
        "pricing": {"prompt": prompt, "completion": completion},
    }


CATALOG = {
    "data": [
        _model("a/multi", prompt="0.0000003", completion="0.0000012"),
        _model("a/multi:free", prompt="0", completion="0"),
        _model("a/no-completion", prompt="0.000001"),
    ]
}
ENDPOINTS = {
    "a/multi": [
        _endpoint("dekallm/fp4", "DekaLLM", "0.00000026", "0.0000012"),
        _endpoint("sambanova/multi-dedicated", "SambaNova", "0.0000004", "0.0000016"),
        _endpoint("deepinfra/turbo", "DeepInfra", "0.0000005", "0.000002"),
        _endpoint("deepinfra/fp4", "DeepInfra", "0.0000002", "0.000001"),
        _endpoint("sambanova", "SambaNova", "0.0000006", "0.0000024"),
        _endpoint("chutes", "Chutes", "0", "0"),
    ]
}


def _call(fake: FakeOpenRouter, cache: Path, calls: list[dict[str, Any]]) -> list[Any]:
    async def run() -> list[Any]:
        async with Client(server_for(fake, cache)) as client:
            return [await client.call_tool("estimate_cost", args) for args in calls]

    return anyio.run(run)


@pytest.fixture
def fake() -> Any:
    with FakeOpenRouter(catalog=CATALOG, endpoints=ENDPOINTS) as server:
        yield server


def test_provider_matches_the_exact_tag_first(fake: FakeOpenRouter, tmp_path: Path) -> None:
    base = {"model": "a/multi", "prompt_tokens": 1000, "completion_tokens": 100}
    exact, upper, tag, several = _call(
        fake,
        tmp_path,
        [
            {**base, "provider": "sambanova"},
            {**base, "provider": "SambaNova"},
            {**base, "provider": "sambanova/multi-dedicated"},
            {**base, "provider": "deepinfra"},
        ],
    )
    for result in (exact, upper):
        out = ok(result)
        assert out["endpoint"] == "SambaNova (sambanova)"
        assert dec(out["total_usd"]) == 1000 * dec("0.0000006") + 100 * dec("0.0000024")
    assert ok(tag)["endpoint"] == "SambaNova (sambanova/multi-dedicated)"
    # A name that matches several endpoints: the cheapest for the usage, and a warning naming all.
    out = ok(several)
    assert out["endpoint"] == "DeepInfra (deepinfra/fp4)"
    assert dec(out["total_usd"]) == 1000 * dec("0.0000002") + 100 * dec("0.000001")
    [warning] = [w for w in out["warnings"] if "matches 2 endpoints" in w]
    assert "DeepInfra (deepinfra/turbo)" in warning and "tag" in warning


def test_free_with_a_provider_is_free_or_an_error(fake: FakeOpenRouter, tmp_path: Path) -> None:
    base = {"model": "a/multi:free", "prompt_tokens": 1000, "completion_tokens": 100}
    free, paid_only, floor = _call(
        fake,
        tmp_path,
        [
            {**base, "provider": "chutes"},
            {**base, "provider": "sambanova"},
            {**base, "model": "a/multi:free:floor"},
        ],
    )
    out = ok(free)
    assert out["endpoint"] == "Chutes (chutes)" and dec(out["total_usd"]) == 0
    message = error_text(paid_only)
    assert "no free endpoint" in message and "Chutes (chutes)" in message
    out = ok(floor)
    assert dec(out["total_usd"]) == 0 and out["endpoint"] == "Chutes (chutes)"


def test_free_floor_without_free_endpoints_keeps_the_free_price(tmp_path: Path) -> None:
    paid = {"a/multi": [e for e in ENDPOINTS["a/multi"] if e["tag"] != "chutes"]}
    with FakeOpenRouter(catalog=CATALOG, endpoints=paid) as fake:
        floor, provider = _call(
            fake,
            tmp_path,
            [
                {"model": "a/multi:free:floor", "prompt_tokens": 1000},
                {"model": "a/multi:free", "prompt_tokens": 1000, "provider": "deepinfra"},
            ],
        )
    out = ok(floor)
    assert dec(out["total_usd"]) == 0 and out["endpoint"] is None
    assert any("no free endpoint" in w for w in out["warnings"])
    assert "free endpoints: none listed" in error_text(provider)


def test_estimate_refuses_completion_without_a_completion_price(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    refused, prompt_only = _call(
        fake,
        tmp_path,
        [
            {"model": "a/no-completion", "prompt_tokens": 10, "completion_tokens": 5},
            {"model": "a/no-completion", "prompt_tokens": 10},
        ],
    )
    assert "no completion price" in error_text(refused)
    assert dec(ok(prompt_only)["total_usd"]) == 10 * dec("0.000001")


def test_the_audit_case_minimax_on_sambanova(tmp_path: Path) -> None:
    """minimax/minimax-m2.7 lists sambanova/minimax-m2.7-dedicated before sambanova (2026-05-31
    endpoints); provider="sambanova" prices the sambanova endpoint."""
    raw = load_snapshot("2026-05-31_openrouter-models.raw.json")
    [model] = [m for m in raw["data"] if m["id"] == "minimax/minimax-m2.7"]
    endpoints = model["openrouter_endpoint_details"]["endpoints"]
    [want] = [e for e in endpoints if e["tag"] == "sambanova"]
    with FakeOpenRouter(catalog={"data": [model]}) as fake:
        [result] = _call(
            fake,
            tmp_path,
            [{"model": model["id"], "prompt_tokens": 1000, "provider": "sambanova"}],
        )
    out = ok(result)
    assert out["endpoint"] == "SambaNova (sambanova)"
    assert dec(out["total_usd"]) == 1000 * dec(want["pricing"]["prompt"])


# --- aliases ------------------------------------------------------------------------------------

ALIASES = {
    "data": [
        _model("a/flash-0731", prompt="0.00000014", completion="0.00000028"),
        {
            **_model("~a/flash-latest", prompt="0.000000078596", completion="0.000000157192"),
            "alias_target": {"slug": "a/flash-0731", "name": "A: Flash 0731"},
        },
        {
            **_model("~a/same-latest", prompt="0.00000014", completion="0.00000028"),
            "alias_target": {"slug": "a/flash-0731"},
        },
        {
            **_model("~b/gone-latest", prompt="0.000001", completion="0.000002"),
            "alias_target": {"slug": "b/not-listed"},
        },
        {
            **_model("a/unknown-condition", prompt="0.000001", completion="0.000002"),
            "pricing": UNKNOWN_CONDITION,
        },
    ]
}


def test_recommend_prefers_the_target_to_its_cheaper_alias() -> None:
    models, _ = parse_models(ALIASES)
    catalog = Catalog(models)
    request = RecommendRequest(complexity="simple", prefer="cheapest", limit=10)
    picks = {r.model.id: r for r in recommend(catalog, request, now=AT).recommendations}
    assert "a/flash-0731" in picks and "~a/flash-latest" not in picks
    assert "~a/same-latest" not in picks
    assert "alias of b/not-listed" in picks["~b/gone-latest"].why  # its target is not listed
    assert recommend(catalog, request, now=AT).rejected["alias_of_listed_model"] == 2
    # Not even when the target does not qualify and the alias's own listing would.
    capped = RecommendRequest(
        complexity="simple", prefer="cheapest", max_cost_per_request_usd=dec("0.0002")
    )
    with pytest.raises(RecommendationError):
        recommend(catalog, capped, now=AT)


def test_aliases_are_shown_with_their_target(tmp_path: Path) -> None:
    async def run() -> tuple[Any, ...]:
        with FakeOpenRouter(catalog=ALIASES, endpoints={}) as fake:
            async with Client(server_for(fake, tmp_path)) as client:
                listed = await client.call_tool("list_models", {"limit": 50})
                estimate = await client.call_tool(
                    "estimate_cost",
                    {"model": "~a/flash-latest", "prompt_tokens": 1000, "completion_tokens": 100},
                )
                same = await client.call_tool(
                    "estimate_cost", {"model": "~a/same-latest", "prompt_tokens": 1000}
                )
                chosen = await client.call_tool(
                    "recommend_model", {"task": "classify", "prefer": "cheapest", "limit": 10}
                )
                alias = await client.read_resource("openrouter://models/~a/flash-latest")
                tiers = await client.read_resource("openrouter://models/a/unknown-condition")
                return listed, estimate, same, chosen, alias, tiers

    listed, estimate, same, chosen, alias, tiers = anyio.run(run)
    rows = {row["id"]: row for row in ok(listed)["models"]}
    assert rows["~a/flash-latest"]["alias_of"] == "a/flash-0731"
    assert rows["~b/gone-latest"]["alias_of"] == "b/not-listed"
    assert rows["a/flash-0731"]["alias_of"] is None
    assert "~a/flash-latest (alias of a/flash-0731)" in listed.content[0].text  # type: ignore[union-attr]
    out = ok(estimate)
    assert dec(out["total_usd"]) == 1000 * dec("0.000000078596") + 100 * dec("0.000000157192")
    [warning] = [w for w in out["warnings"] if "alias of a/flash-0731" in w]
    target_total = 1000 * dec("0.00000014") + 100 * dec("0.00000028")
    assert f"${format_usd(target_total)})" in warning
    assert not [w for w in ok(same)["warnings"] if "alias" in w]  # same prices: nothing to say
    picks = {r["model"]: r for r in ok(chosen)["recommendations"]}
    assert "~a/flash-latest" not in picks and picks["a/flash-0731"]["alias_of"] is None
    assert picks["~b/gone-latest"]["alias_of"] == "b/not-listed"
    document = json.loads(alias.contents[0].text)  # type: ignore[union-attr]
    assert document["alias_of"] == "a/flash-0731" and "a/flash-0731" in document["alias_note"]
    overrides = json.loads(tiers.contents[0].text)["price_overrides"]  # type: ignore[union-attr]
    assert overrides[0]["when"]["unknown_conditions_not_applied"] == ["min_completion_tokens"]
    assert "unknown_conditions_not_applied" not in overrides[1]["when"]
