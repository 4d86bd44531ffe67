"""A cache file can never poison the catalog for good: deep nesting, a time in the future, a time
that overflows are ignored (or counted stale) and replaced by the next good fetch; a nested
``--catalog-file`` says it could not be read. Against the fake OpenRouter on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from fake_openrouter import FakeOpenRouter
from openrouter_pricing.core.errors import CatalogUnavailableError
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CACHE_FORMAT, CACHE_VERSION, CatalogStore

DEPTH = 200_000  # far past the JSON parsers' recursion limits


def nested(depth: int = DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth


def settings_for(fake: FakeOpenRouter, tmp_path: Path, **overrides: Any) -> Settings:
    return fake.settings(cache_dir=tmp_path / "cache", catalog_ttl_seconds=3600.0, **overrides)


def cache_document(fake: FakeOpenRouter, fetched_at: str, store: CatalogStore) -> bytes:
    models = json.loads(fake.catalog_bytes)
    return json.dumps(
        {
            "format": CACHE_FORMAT,
            "version": CACHE_VERSION,
            "base_url": fake.base_url,
            "fetched_at": fetched_at,
            "models": models,
        }
    ).encode()


@pytest.mark.parametrize(
    "body",
    [nested(), b'{"format": ' + nested() + b"}"],
    ids=["nested-list", "nested-in-object"],
)
async def test_a_deeply_nested_cache_is_ignored_and_replaced(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, body: bytes
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    for _ in range(2):  # a restart finds the replaced file, not the poisoned one
        async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
            if not store.cache_path().exists():
                store.cache_path().parent.mkdir(parents=True, exist_ok=True)
                store.cache_path().write_bytes(body)
            snapshot = await store.get()
            assert len(snapshot.catalog) > 0
    assert fake_openrouter.count("/models") == 1
    assert json.loads(store.cache_path().read_text())["version"] == CACHE_VERSION


def rewritten(store: CatalogStore) -> str | None:
    """The ``fetched_at`` of the cache file now (None while it is being replaced)."""
    try:
        return str(json.loads(store.cache_path().read_text())["fetched_at"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.mark.parametrize(
    ("fetched_at", "first_source"),
    [
        ("2999-01-01T00:00:00+00:00", "cache"),  # served (stale) while a fetch replaces it
        ("9999-12-31T23:59:59", "cache"),
        ("9999-12-31T23:59:59-23:59", "live"),  # overflows in UTC: unusable, fetched at once
    ],
    ids=["future", "naive-far-future", "overflowing-offset"],
)
async def test_a_cache_fetched_in_the_future_is_stale_and_refreshed(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, fetched_at: str, first_source: str
) -> None:
    settings = settings_for(fake_openrouter, tmp_path)
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        store.cache_path().parent.mkdir(parents=True)
        store.cache_path().write_bytes(cache_document(fake_openrouter, fetched_at, store))
        snapshot = await store.get()
        info = store.info(snapshot)  # never raises, whatever the file said
        assert info.source == first_source
        assert info.stale == (first_source == "cache")
        with anyio.fail_after(10):
            while fake_openrouter.count("/models") < 1:  # noqa: ASYNC110 - a background fetch
                await anyio.sleep(0.01)
            while rewritten(store) == fetched_at:  # noqa: ASYNC110 - the file on disk
                await anyio.sleep(0.01)
        fresh = await store.get()
        assert not store.info(fresh).stale
    assert fake_openrouter.count("/models") == 1


async def test_a_nested_catalog_file_could_not_be_read(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_bytes(b'{"data": ' + nested() + b"}")
    settings = Settings(catalog_file=path, offline=True, cache_dir=tmp_path)
    async with CatalogStore(settings, None) as store:
        with pytest.raises(CatalogUnavailableError, match="could not be read"):
            await store.get()
