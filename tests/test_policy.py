"""Endpoint policies against the real endpoint data, through the fake OpenRouter and the MCP
client: every policy argument on compare_providers, estimate_cost and recommend_model, the
provider object, the errors naming the policy part, caching, bounds and offline.

Expected answers are computed here from the raw endpoint dicts (Decimal arithmetic on the price
strings), not by the code under test. Data: ``policy_data`` (the 2026-05-31 snapshot's endpoints,
the 2026-09-30 glm-5.3-flash percentile table, the fake's documented test ZDR list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from fake_openrouter import FakeOpenRouter, Fault, is_test_zdr_provider
from mcp_helpers import CONSOLE_SCRIPT, child_env, dec, error_text, ok, server_for, text_of
from policy_data import GLM, policy_catalog, policy_fake

QWEN = "qwen/qwen3-coder"
MILLION = Decimal(1_000_000)
Endpoint = dict[str, Any]


@pytest.fixture(scope="module")
def data() -> tuple[dict[str, Any], dict[str, list[Endpoint]]]:
    return policy_catalog()


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with policy_fake() as running:
        yield running


@pytest.fixture
def server(fake: FakeOpenRouter, tmp_path: Path) -> Any:
    return server_for(fake, tmp_path)


def cost(endpoint: Endpoint, prompt: int, completion: int, requests: int = 1) -> Decimal:
    pricing = endpoint["pricing"]
    one = Decimal(pricing["prompt"]) * prompt + Decimal(pricing["completion"]) * completion
    return (one + Decimal(pricing.get("request") or 0)) * requests


def cheapest(
    endpoints: list[Endpoint], keep: Callable[[Endpoint], bool], prompt: int, completion: int
) -> Endpoint:
    """The first of the cheapest endpoints that ``keep`` admits, in OpenRouter's order, among
    those whose context window holds the usage when any does."""
    kept = [e for e in endpoints if keep(e)]
    assert kept, "the data no longer has a qualifying endpoint for this test"
    fits = [e for e in kept if (e.get("context_length") or 10**9) >= prompt + completion]
    kept = fits or kept
    return min(kept, key=lambda e: cost(e, prompt, completion))  # min keeps the first of ties


def name(endpoint: Endpoint) -> str:
    return endpoint.get("tag") or endpoint["provider_name"]


def per_m(price: str) -> Decimal:
    return Decimal(price) * MILLION


def zdr(endpoint: Endpoint) -> bool:
    return is_test_zdr_provider(endpoint["provider_name"])


def fp8_or_better(endpoint: Endpoint) -> bool:
    return endpoint["quantization"] in {"int8", "fp8", "mxfp8", "fp16", "bf16", "fp32"}


def p50(endpoint: Endpoint, key: str) -> float | None:
    stats = endpoint.get(key)
    return None if stats is None else stats.get("p50")


def tag_in(*tags: str) -> Callable[[Endpoint], bool]:
    return lambda e: e["tag"] in tags


def slug_in(*slugs: str) -> Callable[[Endpoint], bool]:
    return lambda e: e["tag"].split("/")[0] in slugs


def latency_at_most(ms: float) -> Callable[[Endpoint], bool]:
    return lambda e: (p50(e, "latency_last_30m") or 1e9) <= ms


def throughput_at_least(speed: float) -> Callable[[Endpoint], bool]:
    return lambda e: (p50(e, "throughput_last_30m") or 0) >= speed


# Every policy argument, on the real data of a model: (model, arguments, what admits an endpoint).
CASES: dict[str, tuple[str, dict[str, Any], Callable[[Endpoint], bool]]] = {
    "zdr": (QWEN, {"zdr": True}, zdr),
    "quantizations": (
        QWEN,
        {"quantizations": ["fp8", "bf16"]},
        lambda e: e["quantization"] in {"fp8", "bf16"},
    ),
    "quantizations_at_least": (QWEN, {"quantizations": ["fp8+"]}, fp8_or_better),
    "zdr_and_fp8_or_better": (
        QWEN,
        {"zdr": True, "quantizations": ["fp8+"]},
        lambda e: zdr(e) and fp8_or_better(e),
    ),
    "providers_only_slug": (
        QWEN,
        {"providers_only": ["novita", "together"]},
        slug_in("novita", "together"),
    ),
    "providers_only_tag": (QWEN, {"providers_only": ["wandb/bf16"]}, tag_in("wandb/bf16")),
    "providers_ignore": (
        QWEN,
        {"providers_ignore": ["google-vertex", "deepinfra/turbo"]},
        lambda e: not slug_in("google-vertex")(e) and e["tag"] != "deepinfra/turbo",
    ),
    "max_latency_ms": (GLM, {"max_latency_ms": 1000}, latency_at_most(1000)),
    "min_throughput": (GLM, {"min_throughput": 60}, throughput_at_least(60)),
    "latency_and_throughput": (
        GLM,
        {"max_latency_ms": 2000, "min_throughput": 20},
        lambda e: latency_at_most(2000)(e) and throughput_at_least(20)(e),
    ),
    "data_collection": (QWEN, {"data_collection": "deny"}, lambda e: True),
}


@pytest.mark.parametrize("label", list(CASES))
async def test_every_policy_argument_on_the_real_endpoints(
    server: Any, data: tuple[dict[str, Any], dict[str, list[Endpoint]]], label: str
) -> None:
    model, policy, keep = CASES[label]
    endpoints = data[1][model]
    usage = {"prompt_tokens": 20_000, "completion_tokens": 2_000}
    best = cheapest(endpoints, keep, 20_000, 2_000)
    async with Client(server) as client:
        compared = ok(
            await client.call_tool("compare_providers", {"model": model, **usage, **policy})
        )
        estimate = ok(await client.call_tool("estimate_cost", {"model": model, **usage, **policy}))
    # compare_providers: every endpoint, judged as the data says
    assert len(compared["endpoints"]) == len(endpoints)
    assert sum(r["meets_policy"] for r in compared["endpoints"]) == sum(map(keep, endpoints))
    for row in compared["endpoints"]:
        assert row["meets_policy"] is (row["why_not"] == [])
    assert compared["cheapest"] == name(best)
    # estimate_cost: priced at that endpoint, exactly
    assert estimate["endpoint"] == name(best)
    assert dec(estimate["total_usd"]) == cost(best, 20_000, 2_000)
    provider = estimate["provider"]
    assert provider["sort"] == "price"
    assert dec(provider["max_price"]["prompt"]) == per_m(best["pricing"]["prompt"])
    assert dec(provider["max_price"]["completion"]) == per_m(best["pricing"]["completion"])
    assert compared["provider"]["max_price"] == provider["max_price"]
    for key, sent in (("providers_only", "only"), ("providers_ignore", "ignore"), ("zdr", "zdr")):
        if key in policy:
            assert provider[sent] == policy[key]
    if "quantizations" in policy:
        assert set(provider["quantizations"]) >= {q.rstrip("+") for q in policy["quantizations"]}
    if "max_latency_ms" in policy:
        assert provider["preferred_max_latency"] == policy["max_latency_ms"] / 1000
    if "min_throughput" in policy:
        assert provider["preferred_min_throughput"] == policy["min_throughput"]
    if label == "data_collection":  # filters nothing: the :floor price, and said so
        assert provider["data_collection"] == "deny"
        assert any("applied by OpenRouter" in w for w in estimate["warnings"])
    listed = Decimal(
        data[0]["data"][[m["id"] for m in data[0]["data"]].index(model)]["pricing"]["prompt"]
    )
    assert any("listed price" in w for w in estimate["warnings"]) and listed >= 0


async def test_compare_providers_rows_units_sorting_and_table(
    server: Any, data: tuple[dict[str, Any], dict[str, list[Endpoint]]], fake: FakeOpenRouter
) -> None:
    glm = {name(e): e for e in data[1][GLM]}
    async with Client(server) as client:
        result = await client.call_tool(
            "compare_providers", {"model": GLM, "prompt_tokens": 1000, "sort": "latency"}
        )
        by_latency = ok(result)
        by_speed = ok(
            await client.call_tool("compare_providers", {"model": GLM, "sort": "throughput"})
        )
        by_uptime = ok(
            await client.call_tool("compare_providers", {"model": QWEN, "sort": "uptime"})
        )
    latencies = [r["latency_p50_ms"] for r in by_latency["endpoints"]]
    assert latencies == sorted(latencies)
    speeds = [r["throughput_p50"] for r in by_speed["endpoints"]]
    assert speeds == sorted(speeds, reverse=True)
    uptimes = [r["uptime_30m"] for r in by_uptime["endpoints"]]
    known = [u for u in uptimes if u != "unknown"]
    assert known == sorted(known, reverse=True) and uptimes[: len(known)] == known
    assert "unknown" in uptimes  # 2026-05-31: some endpoints report no uptime
    assert all(r["latency_p50_ms"] == "unknown" for r in by_uptime["endpoints"])  # keyless data
    assert "uptime" not in (by_uptime["provider"].get("sort") or "")  # OpenRouter cannot sort so
    for row in by_latency["endpoints"]:
        source = glm[row["provider"] if row["tag"] is None else row["tag"]]
        assert row["latency_p50_ms"] == source["latency_last_30m"]["p50"]
        assert row["zdr"] is zdr(source)
        assert dec(row["prompt_per_m"]) == per_m(source["pricing"]["prompt"])
    assert "millisecond" in by_latency["units"]["latency_p50_ms"]
    assert "tokens per second" in by_latency["units"]["throughput_p50"]
    table = text_of(result).splitlines()
    assert table[1].split()[:3] == ["endpoint", "quant", "cost"]
    assert by_latency["provider"] == {
        "sort": "latency",
        "max_price": by_latency["provider"]["max_price"],
    }
    assert fake.count(f"/models/{GLM}/endpoints") == 1 and fake.count("/endpoints/zdr") == 1


def no_zdr_model(models: list[dict[str, Any]], endpoints: dict[str, list[Endpoint]]) -> str:
    """A model (no variant) with endpoints, none of them in the test ZDR list."""
    return next(
        m["id"]
        for m in models
        if ":" not in m["id"] and endpoints.get(m["id"]) and not any(map(zdr, endpoints[m["id"]]))
    )


async def test_no_qualifying_endpoint_is_an_error_naming_the_part(
    server: Any, data: tuple[dict[str, Any], dict[str, list[Endpoint]]]
) -> None:
    model = no_zdr_model(data[0]["data"], data[1])
    async with Client(server) as client:
        zdr_error = error_text(
            await client.call_tool("estimate_cost", {"model": model, "zdr": True})
        )
        # ZDR endpoints of qwen3-coder exist, but none is fp8 or better and within 1 s latency
        latency_error = error_text(
            await client.call_tool(
                "estimate_cost", {"model": QWEN, "zdr": True, "max_latency_ms": 1000}
            )
        )
        quant_error = error_text(
            await client.call_tool("estimate_cost", {"model": QWEN, "quantizations": ["int4"]})
        )
        bad = error_text(
            await client.call_tool("compare_providers", {"model": QWEN, "quantizations": ["fp9"]})
        )
        both = error_text(
            await client.call_tool(
                "estimate_cost", {"model": QWEN, "provider": "novita", "zdr": True}
            )
        )
        free = error_text(
            await client.call_tool("estimate_cost", {"model": f"{QWEN}:free", "zdr": True})
        )
        compared = ok(await client.call_tool("compare_providers", {"model": model, "zdr": True}))
        variant = ok(await client.call_tool("compare_providers", {"model": f"{QWEN}:free"}))
    assert "zdr removed the last" in zdr_error and model in zdr_error
    assert "max_latency_ms removed the last" in latency_error  # keyless data: latency unknown
    assert "quantizations removed the last" in quant_error
    assert "fp9" in bad and "fp8+" in bad
    assert "providers_only" in both
    assert "variant" in free
    assert compared["cheapest"] is None and "max_price" not in compared["provider"]
    assert any("zdr removed the last" in w for w in compared["warnings"])
    assert any("':free' variant" in w for w in variant["warnings"])


async def test_recommend_model_under_a_policy(
    server: Any, data: tuple[dict[str, Any], dict[str, list[Endpoint]]], fake: FakeOpenRouter
) -> None:
    args = {
        "task": "a coding agent that refactors python",
        "prompt_tokens": 20_000,
        "completion_tokens": 2_000,
        "zdr": True,
        "quantizations": ["fp8+"],
    }
    async with Client(server) as client:
        plain = ok(
            await client.call_tool("recommend_model", {**args, "zdr": None, "quantizations": None})
        )
        out = ok(await client.call_tool("recommend_model", args))
    assert all(r["provider"] is None and r["endpoint"] is None for r in plain["recommendations"])
    assert out["recommendations"]
    for rec in out["recommendations"]:
        endpoints = data[1][rec["model"].split(":")[0]]
        best = cheapest(endpoints, lambda e: zdr(e) and fp8_or_better(e), 20_000, 2_000)
        assert rec["endpoint"] == name(best)
        assert dec(rec["estimated_cost_per_request_usd"]) == cost(best, 20_000, 2_000)
        assert rec["provider"]["zdr"] is True and "fp8" in rec["provider"]["quantizations"]
        assert dec(rec["provider"]["max_price"]["prompt"]) == per_m(best["pricing"]["prompt"])
    assert [r["rank"] for r in out["recommendations"]] == list(
        range(1, len(out["recommendations"]) + 1)
    )
    assert out["rejected"].get("policy:zdr", 0) + out["rejected"].get("policy:quantizations", 0) > 0
    assert any("policy" in a and "at most 20" in a for a in out["assumptions"])
    fetched = [r.path for r in fake.requests if r.path.endswith("/endpoints")]
    assert 0 < len(fetched) <= 20 and len(set(fetched)) == len(fetched)
    assert fake.count("/endpoints/zdr") == 1


async def test_recommend_model_stops_at_the_time_bound(
    server: Any, fake: FakeOpenRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openrouter_pricing.tools import under_policy

    monkeypatch.setattr(under_policy, "POLICY_DEADLINE_SECONDS", 1.0)
    args = {"task": "summarise support tickets", "allow_free": False}
    async with Client(server) as client:
        first = ok(await client.call_tool("recommend_model", args))["recommendations"][0]["model"]
        fake.script(f"/models/{first}/endpoints", [Fault.hang()])  # never answers
        with anyio.fail_after(20):
            out = ok(
                await client.call_tool("recommend_model", {**args, "providers_ignore": ["nobody"]})
            )
    assert out["recommendations"] and first not in {r["model"] for r in out["recommendations"]}
    assert out["rejected"]["policy:unchecked"] == 1
    assert any(a.startswith("stopped early") for a in out["assumptions"])


async def test_offline_says_endpoint_data_needs_the_network(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake, tmp_path, offline=True)) as client:
        for tool, args in (
            ("compare_providers", {"model": "openai/gpt-4o-mini"}),
            ("estimate_cost", {"model": "openai/gpt-4o-mini", "zdr": True}),
            ("recommend_model", {"task": "classify tickets", "zdr": True}),
        ):
            message = error_text(await client.call_tool(tool, args))
            assert "network" in message and "offline" in message, message
    assert fake.requests == []


async def test_compare_providers_over_stdio(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """A real transport: the console script as a subprocess, answering from the fake."""
    args = {"model": QWEN, "prompt_tokens": 20_000, "completion_tokens": 2_000, "zdr": True}
    async with Client(server_for(fake, tmp_path / "memory")) as client:
        in_memory = ok(await client.call_tool("compare_providers", args))
    params = StdioServerParameters(command=str(CONSOLE_SCRIPT), env=child_env(fake, tmp_path))
    async with Client(params) as client:
        over_stdio = ok(await client.call_tool("compare_providers", args))
    assert over_stdio["endpoints"] == in_memory["endpoints"]
    assert over_stdio["cheapest"] == in_memory["cheapest"] and over_stdio["cheapest"]
    assert over_stdio["provider"]["zdr"] is True and over_stdio["provider"]["max_price"]


async def test_a_policy_on_the_mini_catalog_reports_the_endpoint_discount(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    args = {"model": "deepseek/deepseek-v4-pro", "prompt_tokens": 1000}
    async with Client(server_for(fake_openrouter, tmp_path)) as client:
        by_provider = ok(await client.call_tool("estimate_cost", {**args, "provider": "novita"}))
        by_policy = ok(
            await client.call_tool("estimate_cost", {**args, "providers_only": ["Novita"]})
        )
    assert (
        by_policy["endpoint"] == "novita/fp8" and by_provider["endpoint"] == "Novita (novita/fp8)"
    )
    assert by_policy["total_usd"] == by_provider["total_usd"]
    assert any("discount of 10%" in w for w in by_policy["warnings"])
    assert by_policy["provider"]["only"] == ["Novita"] and by_provider["provider"] is None


async def test_an_unavailable_zdr_list(server: Any, fake: FakeOpenRouter) -> None:
    fake.script("/endpoints/zdr", [Fault.status(404)] * 2)
    async with Client(server) as client:
        shown = ok(await client.call_tool("compare_providers", {"model": QWEN}))
        needed = error_text(
            await client.call_tool("compare_providers", {"model": QWEN, "zdr": True})
        )
    assert all(row["zdr"] is None for row in shown["endpoints"]) and shown["cheapest"]
    assert any("zero-data-retention list is unavailable" in w for w in shown["warnings"])
    assert "404" in needed and "zero-data-retention" in needed
