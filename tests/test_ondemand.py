"""Endpoint data on demand: one fetch per model per TTL however many calls ask, the last value
served when a refresh fails, bounded memory; the policy core's own rules."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from fake_openrouter import FakeOpenRouter, Fault
from openrouter_pricing.core.errors import CatalogUnavailableError, PolicyError, UpstreamError
from openrouter_pricing.core.ondemand import OnDemandCache
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.policy import (
    PolicyPart,
    expand_quantizations,
    last_removed_by,
    provider_names,
)
from openrouter_pricing.core.schema import Endpoint
from openrouter_pricing.core.store import CatalogStore

LLAMA = "meta-llama/llama-3.3-70b-instruct"  # has endpoints in the mini fixture


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_store_fetches_endpoints_and_the_zdr_list_once_per_ttl(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    clock = Clock()
    settings = fake_openrouter.settings(cache_dir=tmp_path, catalog_ttl_seconds=60)
    fake_openrouter.script(f"/models/{LLAMA}/endpoints", [Fault.delay(0.3)])
    fake_openrouter.script("/endpoints/zdr", [Fault.delay(0.3)])
    async with (
        OpenRouterClient(settings) as client,
        CatalogStore(settings, client, clock=clock) as store,
    ):
        answers: list[object] = []

        async def ask() -> None:
            answers.append(await store.get_endpoints(LLAMA))
            answers.append(await store.get_zdr_keys())

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(ask)
        assert fake_openrouter.count(f"/models/{LLAMA}/endpoints") == 1
        assert fake_openrouter.count("/endpoints/zdr") == 1
        endpoints = await store.get_endpoints(LLAMA.upper() + ":floor")  # same model, same entry
        assert endpoints is answers[0] and all(isinstance(e, Endpoint) for e in endpoints)
        zdr = await store.get_zdr_keys()
        assert zdr and all(model and ident for model, ident in zdr)
        clock.now += 61  # past the TTL: fetched again
        await store.get_endpoints(LLAMA)
        await store.get_zdr_keys()
        assert fake_openrouter.count(f"/models/{LLAMA}/endpoints") == 2
        assert fake_openrouter.count("/endpoints/zdr") == 2
        clock.now += 61  # a failed refresh serves what is held
        fake_openrouter.script("/endpoints/zdr", [Fault.status(500)] * 3)
        assert await store.get_zdr_keys() == zdr


async def test_on_demand_cache_bounds_memory_and_locks() -> None:
    clock = Clock()
    cache: OnDemandCache[str, int] = OnDemandCache(ttl_seconds=60, clock=clock, max_entries=3)
    calls: list[str] = []

    def fetcher(key: str) -> object:
        async def fetch() -> int:
            calls.append(key)
            return len(calls)

        return fetch

    for key in "abcde":
        await cache.get(key, fetcher(key), "offline")  # type: ignore[arg-type]
    assert len(cache) == 3 and cache._locks == {}  # the oldest dropped; no lock left behind
    await cache.get("e", fetcher("e"), "offline")  # type: ignore[arg-type]
    await cache.get("a", fetcher("a"), "offline")  # type: ignore[arg-type]
    assert calls == ["a", "b", "c", "d", "e", "a"]
    assert await cache.get("e", None, "offline") == 5  # offline: what is held
    with pytest.raises(CatalogUnavailableError, match="needs the network"):
        await cache.get("zz", None, "needs the network")

    async def failing() -> int:
        raise UpstreamError("down", 502)

    with pytest.raises(UpstreamError):
        await cache.get("new", failing, "offline")
    assert cache._locks == {}


def test_quantization_levels_and_the_or_better_form() -> None:
    assert expand_quantizations(["fp8+"]) == ("int8", "fp8", "mxfp8", "fp16", "bf16", "fp32")
    assert expand_quantizations(["BF16", "fp4", "bf16"]) == ("bf16", "fp4")
    assert expand_quantizations(["unknown"]) == ("unknown",)
    for bad in (["fp9"], ["unknown+"], [""]):
        with pytest.raises(PolicyError, match="fp8\\+"):
            expand_quantizations(bad)


def test_the_part_that_removed_the_last_endpoint() -> None:
    zdr: tuple[PolicyPart, str] = ("zdr", "x")
    quant: tuple[PolicyPart, str] = ("quantizations", "y")
    assert last_removed_by([[zdr], [quant]]) == "quantizations"  # zdr first, one left
    assert last_removed_by([[zdr], [zdr, quant]]) == "zdr"
    assert last_removed_by([[zdr], []]) is None
    assert last_removed_by([]) is None


def test_provider_names_match_slug_tag_and_display_name() -> None:
    endpoint = Endpoint.model_validate(
        {"provider_name": "Amazon Bedrock", "tag": "amazon-bedrock/us", "pricing": {}}
    )
    assert provider_names(endpoint) == {
        "amazon-bedrock/us",
        "amazon-bedrock",
        "amazon bedrock",
    }
