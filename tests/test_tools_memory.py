"""Every tool, in memory (``Client(server)``), against the fake OpenRouter on loopback."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from fake_openrouter import (
    DEFAULT_GENERATION_DATA,
    DEFAULT_GENERATION_ID,
    MANAGEMENT_KEY,
    MINI_MODELS,
    TEST_KEY,
    FakeOpenRouter,
    Fault,
    fake_openrouter_fixture,
)
from mcp_helpers import (
    OPEN_WORLD,
    TOOL_NAMES,
    dec,
    error_text,
    ok,
    resource_json,
    server_for,
    text_of,
)
from openrouter_pricing.core.settings import Secret
from openrouter_pricing.core.tokens import count_tokens

__all__ = ["fake_openrouter_fixture"]  # the fixture, registered by importing it

MINI = {m["id"]: m for m in json.loads(MINI_MODELS.read_text())["data"]}


def price(model_id: str, key: str) -> Decimal:
    return Decimal(MINI[model_id]["pricing"][key])


@pytest.fixture
def server(fake_openrouter: FakeOpenRouter, tmp_path: Path) -> Any:
    return server_for(fake_openrouter, tmp_path)


async def test_tools_list_schemas_annotations_and_no_network(
    server: Any, fake_openrouter: FakeOpenRouter
) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == TOOL_NAMES
        for tool in tools:
            assert tool.title and tool.output_schema and tool.annotations
            assert "Example" in (tool.description or "")
            assert tool.annotations.read_only_hint is True
            assert tool.annotations.open_world_hint is (tool.name in OPEN_WORLD)
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["openrouter://models/{+model_id}"]
        assert [p.name for p in (await client.list_prompts()).prompts] == ["choose_model_by_cost"]
    assert fake_openrouter.requests == []  # initialize and listings never touch OpenRouter


async def test_list_models_pages_every_model_once(server: Any) -> None:
    seen: list[str] = []
    async with Client(server) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "list_models")
        offset: int | None = 0
        while offset is not None:
            args = {"output_modalities": [], "limit": 3, "offset": offset}
            out = ok(await client.call_tool("list_models", args))
            assert set(out) == set(tool.output_schema["properties"])  # type: ignore[index]
            assert out["total"] == len(MINI) and out["catalog"]["source"] == "live"
            seen += [m["id"] for m in out["models"]]
            offset = out["next_offset"]
    assert sorted(seen) == sorted(MINI)


async def test_list_models_prices_filters_and_dynamic(server: Any) -> None:
    async with Client(server) as client:
        result = await client.call_tool(
            "list_models", {"supports": ["tools"], "sort": "prompt_price", "limit": 2}
        )
        out = ok(result)
        first = out["models"][0]
        assert first["id"] == "mistralai/mistral-small-3.2-24b-instruct"
        assert first["prompt_per_m"] == "0.06" and first["completion_per_m"] == "0.18"
        assert first["request_usd"] == "0" and first["cache_read_per_m"] is None
        assert "mistralai/mistral-small-3.2-24b-instruct" in text_of(result)
        router = ok(await client.call_tool("list_models", {"query": "auto router"}))["models"]
        assert [m["id"] for m in router] == ["openrouter/auto"]
        assert router[0]["is_dynamic"] and router[0]["prompt_per_m"] is None
        free = ok(await client.call_tool("list_models", {"free_only": True}))
        assert [m["id"] for m in free["models"]] == ["meta-llama/llama-3.3-70b-instruct:free"]
        none = ok(await client.call_tool("list_models", {"author": "openai", "min_context": 10**8}))
        assert none["models"] == [] and none["next_offset"] is None
        nobody = error_text(await client.call_tool("list_models", {"author": "nobody"}))
        assert "author 'nobody'" in nobody and "openai" in nobody


async def test_estimate_matches_hand_computation(server: Any) -> None:
    model = "anthropic/claude-sonnet-4.5"
    args = {
        "model": "Anthropic/Claude-Sonnet-4.5",
        "prompt_tokens": 10_000,
        "cached_prompt_tokens": 2_000,
        "cache_write_tokens": 1_000,
        "cache_write_ttl": "1h",
        "completion_tokens": 500,
        "reasoning_tokens": 100,
        "web_searches": 1,
        "requests": 3,
    }
    one = (
        7_000 * price(model, "prompt")
        + 2_000 * price(model, "input_cache_read")
        + 1_000 * price(model, "input_cache_write_1h")
        + 400 * price(model, "completion")
        + 100 * price(model, "completion")  # no internal_reasoning listed: completion rate
        + price(model, "web_search")
    )
    async with Client(server) as client:
        out = ok(await client.call_tool("estimate_cost", args))
    assert out["model"] == model and out["variant"] is None
    assert dec(out["per_request_usd"]) == one and dec(out["total_usd"]) == one * 3
    assert out["total_usd"] == "0.1353"
    items = {i["component"]: i for i in out["line_items"]}
    assert set(items) == {"prompt", "cache_read", "cache_write_1h", "completion", "reasoning"} | {
        "web_search"
    }
    assert items["prompt"]["quantity"] == 21_000 and items["prompt"]["unit_price_usd"] == "0.000003"
    assert sum(dec(i["cost_usd"]) for i in out["line_items"]) == dec(out["total_usd"])
    assert out["applied_override"] is None and out["endpoint"] is None


async def test_estimate_overrides_tier_and_time_window(server: Any) -> None:
    async with Client(server) as client:
        tier = ok(
            await client.call_tool(
                "estimate_cost", {"model": "anthropic/claude-sonnet-4.5", "prompt_tokens": 200_001}
            )
        )
        assert tier["applied_override"]["kind"] == "tier"
        assert tier["applied_override"]["min_prompt_tokens"] == 200_000
        assert dec(tier["total_usd"]) == 200_001 * Decimal("0.000006")
        night = ok(
            await client.call_tool(
                "estimate_cost",
                {
                    "model": "deepseek/deepseek-v4-pro",
                    "prompt_tokens": 1_000,
                    "completion_tokens": 1_000,
                    "at": "2026-08-20T23:00:00Z",
                },
            )
        )
        assert night["applied_override"]["kind"] == "time_window"
        assert night["applied_override"]["utc_start"] == "16:30"
        assert night["total_usd"] == "0.00132"
        day = ok(
            await client.call_tool(
                "estimate_cost",
                {
                    "model": "deepseek/deepseek-v4-pro",
                    "prompt_tokens": 1_000,
                    "at": "2026-08-20T12:00",
                },
            )
        )
        assert day["applied_override"] is None and day["total_usd"] == "0.00066"


async def test_estimate_variants_floor_provider_free_online_nitro(
    server: Any, fake_openrouter: FakeOpenRouter
) -> None:
    llama = "meta-llama/llama-3.3-70b-instruct"
    async with Client(server) as client:
        small = ok(
            await client.call_tool(
                "estimate_cost",
                {"model": f"{llama}:floor", "prompt_tokens": 1_000, "completion_tokens": 100},
            )
        )
        assert small["variant"] == "floor" and small["endpoint"] == "DeepInfra (deepinfra/fp8)"
        assert small["total_usd"] == "0.000169"
        big = ok(
            await client.call_tool(
                "estimate_cost", {"model": f"{llama}:floor", "prompt_tokens": 1_000_000}
            )
        )
        assert big["endpoint"] == "Lambda (lambda/fp8)"  # its per-request fee pays off here
        assert big["total_usd"] == str(Decimal("0.12") + Decimal("0.0002"))
        assert fake_openrouter.count(f"/models/{llama}/endpoints") == 1  # cached per model
        novita = ok(
            await client.call_tool(
                "estimate_cost",
                {"model": "deepseek/deepseek-v4-pro", "prompt_tokens": 1000, "provider": "novita"},
            )
        )
        assert novita["endpoint"] == "Novita (novita/fp8)" and novita["total_usd"] == "0.0007"
        assert any("discount of 10%" in w for w in novita["warnings"])
        free = ok(
            await client.call_tool(
                "estimate_cost", {"model": f"{llama}:free", "prompt_tokens": 5_000}
            )
        )
        assert free["total_usd"] == "0" and free["variant"] == "free"
        assert any("rate-limited" in w for w in free["warnings"])
        online = ok(
            await client.call_tool(
                "estimate_cost", {"model": "openai/gpt-4o-mini:online", "prompt_tokens": 1_000}
            )
        )
        search = next(i for i in online["line_items"] if i["component"] == "web_search")
        assert search["unit_price_usd"] == "0.02" and online["total_usd"] == "0.02015"
        nitro = ok(
            await client.call_tool(
                "estimate_cost", {"model": "openai/gpt-4o-mini:nitro", "prompt_tokens": 1_000}
            )
        )
        assert nitro["total_usd"] == "0.00015" and any("nitro" in w for w in nitro["warnings"])


async def test_estimate_counts_prompt_text_and_warns(server: Any) -> None:
    text = "Summarise the following support ticket in one sentence. " * 20
    expected = count_tokens(text, "openai/gpt-4o-mini", "GPT")
    async with Client(server) as client:
        out = ok(
            await client.call_tool(
                "estimate_cost",
                {"model": "openai/gpt-4o-mini", "prompt_text": text, "completion_tokens": 20_000},
            )
        )
        assert out["token_count_method"] == expected.method
        prompt = next(i for i in out["line_items"] if i["component"] == "prompt")
        assert prompt["quantity"] == expected.tokens
        assert any("max_completion_tokens" in w for w in out["warnings"])
        too_long = ok(
            await client.call_tool(
                "estimate_cost",
                {
                    "model": "google/gemini-2.5-flash-image",
                    "prompt_tokens": 30_000,
                    "completion_tokens": 5_000,
                },
            )
        )
        assert any("context window" in w for w in too_long["warnings"])
        empty = ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
        assert empty["total_usd"] == "0" and any("0 tokens" in w for w in empty["warnings"])


async def test_estimate_errors_are_actionable_and_the_session_survives(server: Any) -> None:
    async with Client(server) as client:
        unknown = error_text(await client.call_tool("estimate_cost", {"model": "gpt4o-mini"}))
        assert "openai/gpt-4o-mini" in unknown
        both = {"model": "openai/gpt-4o-mini", "prompt_tokens": 1, "prompt_text": "hi"}
        assert "not both" in error_text(await client.call_tool("estimate_cost", both))
        subset = {"model": "openai/gpt-4o-mini", "completion_tokens": 10, "reasoning_tokens": 20}
        assert "cannot exceed" in error_text(await client.call_tool("estimate_cost", subset))
        dynamic = {"model": "openrouter/auto", "prompt_tokens": 10}
        assert "dynamic price" in error_text(await client.call_tool("estimate_cost", dynamic))
        variant = {"model": "openai/gpt-4o-mini:turbo", "prompt_tokens": 10}
        assert ":floor" in error_text(await client.call_tool("estimate_cost", variant))
        negative = await client.call_tool("estimate_cost", {"model": "x/y", "prompt_tokens": -1})
        assert negative.is_error
        provider = {"model": "openai/gpt-4o-mini", "prompt_tokens": 10, "provider": "nowhere"}
        assert "Azure" in error_text(await client.call_tool("estimate_cost", provider))
        good = {"model": "openai/gpt-4o-mini", "prompt_tokens": 10}
        assert ok(await client.call_tool("estimate_cost", good))["total_usd"] == "0.0000015"


async def test_stale_catalog_is_flagged(fake_openrouter: FakeOpenRouter, tmp_path: Path) -> None:
    server = server_for(fake_openrouter, tmp_path, catalog_ttl_seconds=0)
    async with Client(server) as client:
        result = await client.call_tool("list_models", {"limit": 1})
        out = ok(result)
        assert out["catalog"]["stale"] is True and "stale" in text_of(result)
        estimate = ok(
            await client.call_tool(
                "estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_tokens": 1}
            )
        )
        assert any("stale" in w for w in estimate["warnings"])


async def test_check_balance_ordinary_and_management_keys(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake_openrouter, tmp_path)) as client:
        out = ok(await client.call_tool("check_balance", {}))
        assert out["account"] is None and "management key" in out["account_note"]
        assert out["usage_usd"] == "25.5" and out["limit_remaining_usd"] == "74.5"
        assert out["spendable_usd"] == "74.5" and out["free_model_daily_limit"] is None
    fake_openrouter.keys[MANAGEMENT_KEY]["limit_remaining"] = 80
    server = server_for(fake_openrouter, tmp_path, api_key=Secret(MANAGEMENT_KEY))
    async with Client(server) as client:
        out = ok(await client.call_tool("check_balance", {}))
    assert out["account"] == {
        "total_credits_usd": "100.5",
        "total_usage_usd": "25.75",
        "remaining_usd": "74.75",
    }
    assert out["account_note"] is None and out["spendable_usd"] == "74.75"
    assert out["free_model_daily_limit"] == 1000
    assert {r.bearer for r in fake_openrouter.requests_to("/credits")} == {TEST_KEY, MANAGEMENT_KEY}


async def test_check_balance_warns_on_negative_balance(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    fake_openrouter.credits = {"total_credits": 5, "total_usage": 5.25}
    server = server_for(fake_openrouter, tmp_path, api_key=Secret(MANAGEMENT_KEY))
    async with Client(server) as client:
        result = await client.call_tool("check_balance", {})
    out = ok(result)
    assert out["spendable_usd"] == "-0.25" and out["free_model_daily_limit"] == 50
    assert any("even to free models" in w for w in out["warnings"])
    assert "Warning:" in text_of(result)


async def test_check_balance_errors(fake_openrouter: FakeOpenRouter, tmp_path: Path) -> None:
    async with Client(server_for(fake_openrouter, tmp_path, api_key=None)) as client:
        message = error_text(await client.call_tool("check_balance", {}))
        assert "OPENROUTER_API_KEY" in message
        assert ok(await client.call_tool("list_models", {"limit": 1}))["models"]
    bad_key = Secret("sk-or-v1-not-a-known-key")
    async with Client(server_for(fake_openrouter, tmp_path, api_key=bad_key)) as client:
        message = error_text(await client.call_tool("check_balance", {}))
        assert "401" in message and "sk-or-v1-not-a-known-key" not in message
        assert ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
    async with Client(server_for(fake_openrouter, tmp_path)) as client:
        fake_openrouter.script("/key", [Fault.status(402)])
        assert "credits" in error_text(await client.call_tool("check_balance", {}))
        assert ok(await client.call_tool("check_balance", {}))["label"]


async def test_get_generation_cost_single(server: Any) -> None:
    async with Client(server) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "get_generation_cost")
        result = await client.call_tool(
            "get_generation_cost", {"generation_id": DEFAULT_GENERATION_ID}
        )
    out = ok(result)
    assert set(out) == set(tool.output_schema["properties"])  # type: ignore[index]
    assert out["id"] == DEFAULT_GENERATION_ID and out["provider_name"] == "OpenAI"
    assert out["total_cost_usd"] == "0.0000621" and out["tokens"]["native_prompt"] == 110
    expected = 110 * price("openai/gpt-4o-mini", "prompt") + 76 * price(
        "openai/gpt-4o-mini", "completion"
    )
    assert dec(out["estimate"]["total_usd"]) == expected
    assert out["estimate"]["difference_usd"] == "0" and "Matches" in out["estimate"]["note"]
    assert out["generations"][0]["id"] == DEFAULT_GENERATION_ID and out["not_found"] == []


async def test_get_generation_cost_list_waits_and_reports_not_found(
    server: Any, fake_openrouter: FakeOpenRouter
) -> None:
    late = {
        **DEFAULT_GENERATION_DATA,
        "id": "gen-late",
        "total_cost": 0.001,
        "provider_name": "Azure",
    }
    fake_openrouter.add_generation(late, appear_after=1)
    ids = [DEFAULT_GENERATION_ID, "gen-late", "gen-missing"]
    async with Client(server) as client:
        out = ok(
            await client.call_tool("get_generation_cost", {"generation_id": ids, "wait_seconds": 1})
        )
    assert [g["id"] for g in out["generations"]] == [DEFAULT_GENERATION_ID, "gen-late"]
    assert out["not_found"] == ["gen-missing"] and out["id"] is None
    assert dec(out["total_cost_usd"]) == Decimal("0.0000621") + Decimal("0.001")
    assert "more than the listed price" in out["generations"][1]["estimate"]["note"]


async def test_get_generation_cost_errors(fake_openrouter: FakeOpenRouter, tmp_path: Path) -> None:
    async with Client(server_for(fake_openrouter, tmp_path)) as client:
        missing = {"generation_id": "gen-never", "wait_seconds": 0.2}
        assert "wait_seconds" in error_text(await client.call_tool("get_generation_cost", missing))
        found = {"generation_id": DEFAULT_GENERATION_ID}
        assert ok(await client.call_tool("get_generation_cost", found))["id"]
    async with Client(server_for(fake_openrouter, tmp_path, api_key=None)) as client:
        message = error_text(await client.call_tool("get_generation_cost", found))
        assert "OPENROUTER_API_KEY" in message


async def test_recommend_model_invariants(server: Any) -> None:
    args = {
        "task": "extract invoice fields with tool calls",
        "required_capabilities": ["tools"],
        "prompt_tokens": 2_000,
        "completion_tokens": 300,
        "requests": 1_000,
        "max_cost_per_request_usd": "0.01",
        "limit": 5,
    }
    async with Client(server) as client:
        result = await client.call_tool("recommend_model", args)
        out = ok(result)
        recs = out["recommendations"]
        assert recs and [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
        bases = [r["model"].split(":")[0] for r in recs]
        assert len(bases) == len(set(bases))
        for rec in recs:
            assert not rec["model"].startswith("openrouter/")
            assert "tools" in MINI[rec["model"]]["supported_parameters"]
            assert dec(rec["estimated_cost_per_request_usd"]) <= Decimal("0.01")
            assert (
                dec(rec["estimated_total_usd"]) == dec(rec["estimated_cost_per_request_usd"]) * 1000
            )
            assert rec["why"] and rec["model"] in text_of(result)
        assert out["considered"] >= len(recs) and out["assumptions"]
        unknown = {"required_capabilities": ["telepathy"]}
        message = error_text(await client.call_tool("recommend_model", unknown))
        assert "telepathy" in message and "structured_outputs" in message
        impossible = {"max_cost_per_request_usd": "0", "allow_free": False}
        assert error_text(await client.call_tool("recommend_model", impossible))
        assert ok(await client.call_tool("recommend_model", {"prefer": "cheapest"}))


async def test_resources(server: Any) -> None:
    async with Client(server) as client:
        summary = resource_json(await client.read_resource("openrouter://catalog"))
        assert summary["model_count"] == len(MINI) and summary["dynamic_price_models"] == 1
        sheet = resource_json(
            await client.read_resource("openrouter://models/anthropic/claude-sonnet-4.5")
        )
        assert (
            sheet["prices"]["prompt_per_m"] == "3" and sheet["prices"]["web_search_usd"] == "0.01"
        )
        assert sheet["price_overrides"][0]["when"] == {"prompt_tokens_over": 200_000}
        free = resource_json(
            await client.read_resource("openrouter://models/meta-llama/llama-3.3-70b-instruct:free")
        )
        assert free["is_free"] is True
        with pytest.raises(Exception, match="close matches"):
            await client.read_resource("openrouter://models/openai/gpt-4o-mimi")
        prompt = await client.get_prompt("choose_model_by_cost", {"task": "triage emails"})
        assert "recommend_model" in prompt.messages[0].content.text  # type: ignore[union-attr]
