"""The catalog store against the fake OpenRouter on loopback: cold order, freshness, single flight,
stale-while-revalidate, failed refreshes, and a disk cache that survives everything thrown at it."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import anyio
import pytest

from conftest import snapshot_path
from fake_openrouter import FakeOpenRouter, Fault
from openrouter_pricing.core.errors import CatalogUnavailableError, OpenRouterError
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.schema import parse_models
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CACHE_FORMAT, CatalogStore


class Clock:
    """A settable wall clock, so freshness is tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def settings_for(fake: FakeOpenRouter, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"cache_dir": tmp_path / "cache", "catalog_ttl_seconds": 100.0}
    return fake.settings(**{**values, **overrides})


async def settle(store: CatalogStore) -> None:
    """Wait (10 s at the most) until the store's background refresh, if any, has finished."""
    with anyio.fail_after(10):
        while store.refreshing:  # noqa: ASYNC110 - a bounded poll of the store's public state
            await anyio.sleep(0.005)


async def test_cold_store_fetches_live_once_and_writes_the_cache(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    clock = Clock()
    async with (
        OpenRouterClient(settings) as client,
        CatalogStore(settings, client, clock=clock) as store,
    ):
        assert fake_openrouter.count("/models") == 0  # nothing before the first call
        snapshot = await store.get()
        info = store.info(snapshot)
        assert (info.source, info.stale, info.age_seconds) == ("live", False, 0.0)
        assert info.model_count == len(json.loads(fake_openrouter.catalog_bytes)["data"])
        assert fake_openrouter.requests_to("/models")[0].query.get("output_modalities") == ["all"]
        document = json.loads(store.cache_path().read_text())
        assert document["format"] == CACHE_FORMAT and document["base_url"] == settings.base_url
        # A second store (a new process) reads the cache and does not fetch.
        async with CatalogStore(settings, client, clock=clock) as second:
            cached = await second.get()
            assert second.info(cached).source == "cache"
        assert fake_openrouter.count("/models") == 1


async def test_a_hundred_concurrent_callers_on_a_cold_store_cause_one_fetch(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    fake_openrouter.script("/models", [Fault.delay(0.3)])
    settings = settings_for(fake_openrouter, tmp_path)
    results = []
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:

        async def call() -> None:
            results.append(await store.get())

        async with anyio.create_task_group() as group:
            for _ in range(100):
                group.start_soon(call)
    assert fake_openrouter.count("/models") == 1
    assert len(results) == 100 and len({id(s) for s in results}) == 1


async def test_stale_catalog_is_served_at_once_and_refreshed_once_in_background(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    clock = Clock()
    async with (
        OpenRouterClient(settings) as client,
        CatalogStore(settings, client, clock=clock) as store,
    ):
        first = await store.get()
        clock.now += 101  # past the TTL
        fake_openrouter.script("/models", [Fault.delay(0.3)])
        answers = [await store.get() for _ in range(50)]
        assert all(a is first for a in answers)  # no caller waited for the refresh
        assert store.info(first).stale
        await settle(store)
        assert fake_openrouter.count("/models") == 2  # one refresh for fifty stale calls
        fresh = await store.get()
        assert fresh is not first and not store.info(fresh).stale


async def test_a_failed_refresh_keeps_the_last_good_catalog_marked_stale(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path, max_retries=0)
    clock = Clock()
    async with (
        OpenRouterClient(settings) as client,
        CatalogStore(settings, client, clock=clock) as store,
    ):
        good = await store.get()
        clock.now += 500
        fake_openrouter.script("/models", [Fault.status(503)])
        assert await store.get() is good
        await settle(store)
        held = await store.get()
        assert held is good and store.info(held).stale and store.info(held).source == "live"
        # The failure is not retried on every call.
        assert fake_openrouter.count("/models") == 2
        assert json.loads(store.cache_path().read_text())["models"]  # cache still whole


@pytest.mark.parametrize(
    "fault", [Fault.status(500), Fault.invalid_json(), Fault.wrong_shape(), Fault.truncated()]
)
async def test_cold_fetch_failure_falls_back_to_the_builtin_catalog(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, fault: Fault
) -> None:
    settings = settings_for(fake_openrouter, tmp_path, max_retries=0)
    fake_openrouter.script("/models", [fault])
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        snapshot = await store.get()
        info = store.info(snapshot)
        assert info.source == "builtin" and info.stale and info.model_count > 100
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").glob("catalog-*"))


async def test_offline_never_touches_the_network(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path, offline=True)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        snapshot = await store.get()
        assert store.info(snapshot).source == "builtin"
        with pytest.raises(CatalogUnavailableError, match="offline"):
            await store.get_endpoints("openai/gpt-4o")
    assert fake_openrouter.requests == []


async def test_catalog_file_is_served_and_never_refreshed(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    path = snapshot_path("2026-01-29_openrouter-models.json")
    settings = settings_for(fake_openrouter, tmp_path, catalog_file=path, catalog_ttl_seconds=0)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        snapshot = await store.get()
        await store.get()
        await settle(store)
        assert store.info(snapshot).source == "file"
        assert len(snapshot.catalog) == len(json.loads(path.read_text())["data"])
    assert fake_openrouter.count("/models") == 0


async def test_unreadable_catalog_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "models.json"
    bad.write_text("{not json")
    settings = Settings(catalog_file=bad, offline=True, cache_dir=tmp_path)
    async with CatalogStore(settings, None) as store:
        with pytest.raises(CatalogUnavailableError, match=r"models\.json"):
            await store.get()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"format": "openrouter-pricing-mcp/catalog", "version": 1, "models": {"da',
        b"\x00\xff garbage",
        b'{"format": "openrouter-pricing-mcp/catalog", "version": 99, "models": []}',
        b"[1, 2, 3]",
    ],
    ids=["empty", "truncated", "binary", "foreign-version", "wrong-shape"],
)
async def test_unusable_cache_file_is_ignored_and_replaced(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, content: bytes
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        store.cache_path().parent.mkdir(parents=True)
        store.cache_path().write_bytes(content)
        snapshot = await store.get()
        assert store.info(snapshot).source == "live"
        assert json.loads(store.cache_path().read_text())["version"] == 1


async def test_cache_for_another_base_url_is_not_used(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        await store.get()
        path = store.cache_path()
    other = dataclasses.replace(settings, base_url=settings.base_url + "/other")
    assert CatalogStore(other, None).cache_path() != path


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_read_only_cache_dir_degrades_to_memory(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    settings = settings_for(fake_openrouter, tmp_path)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        assert store.info(await store.get()).source == "live"
    assert "not writable" in caplog.text


async def test_cache_dir_that_is_a_file_degrades_to_memory_with_a_warning(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    settings = settings_for(fake_openrouter, tmp_path)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        assert store.info(await store.get()).source == "live"
        await store.refresh_now()  # a second write attempt is not even tried
    assert caplog.text.count("not writable") == 1
    assert blocker.read_text().startswith("a file")


async def test_endpoints_are_fetched_on_demand_cached_and_kept_on_failure(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path, max_retries=0)
    model_id = next(iter(fake_openrouter.endpoints or {}))
    clock = Clock()
    async with (
        OpenRouterClient(settings) as client,
        CatalogStore(settings, client, clock=clock) as store,
    ):
        first = await store.get_endpoints(model_id + ":floor")
        again = await store.get_endpoints(model_id.upper())
        assert first and again is first
        route = f"/models/{model_id}/endpoints"
        assert fake_openrouter.count(route) == 1
        clock.now += 101
        fake_openrouter.script(route, [Fault.status(502)])
        assert await store.get_endpoints(model_id) is first  # stale but kept
        with pytest.raises(OpenRouterError):
            await store.get_endpoints("nobody/nothing")


async def test_abandoned_temp_files_are_removed_but_young_ones_kept(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    abandoned = cache / ".catalog-killed.tmp"
    abandoned.write_text('{"half": ')
    hour_ago = abandoned.stat().st_mtime - 3600
    os.utime(abandoned, (hour_ago, hour_ago))
    in_flight = cache / ".catalog-other-writer.tmp"  # another server, writing right now
    in_flight.write_text('{"half": ')
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        await store.get()
    assert not abandoned.exists() and in_flight.exists()


@pytest.mark.parametrize("malformed", [False, True])
async def test_a_cache_is_read_the_same_on_the_one_pass_and_the_tolerant_path(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, malformed: bool
) -> None:
    """A cache whose models all parse is read in one pass; one with a malformed model the tolerant
    way; either gives the models the tolerant parse of the same body gives."""
    settings = settings_for(fake_openrouter, tmp_path)
    raw = json.loads(fake_openrouter.catalog_bytes)
    if malformed:
        raw["data"].append({"id": "x/broken", "pricing": {"prompt": "1e999999"}})
    path = CatalogStore(settings, None).cache_path()
    path.parent.mkdir(parents=True)
    document = {
        "format": CACHE_FORMAT,
        "version": 1,
        "base_url": settings.base_url,
        "fetched_at": "2026-08-18T00:00:00+00:00",
        "models": raw,
    }
    path.write_text(json.dumps(document))
    offline = dataclasses.replace(settings, offline=True)
    async with CatalogStore(offline, None) as store:
        snapshot = await store.get()
    expected, problems = parse_models(raw)
    assert store.info(snapshot).source == "cache"
    assert [m.model_dump() for m in snapshot.catalog.models] == [m.model_dump() for m in expected]
    assert [p.model_id for p in snapshot.problems] == (["x/broken"] if malformed else [])
    assert [p.model_id for p in problems] == [p.model_id for p in snapshot.problems]
