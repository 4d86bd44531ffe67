"""The video listing (``GET /videos/models``) travels with the catalog: fetched beside /models,
kept in the disk cache, read back from it, replaced by the built-in listing when it cannot be had,
and never the reason a catalog is lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES
from fake_openrouter import FakeOpenRouter, Fault
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CatalogStore
from openrouter_pricing.core.video import load_builtin_videos

MEDIA = json.loads((FIXTURES / "mini_media.json").read_text())


def settings_for(fake: FakeOpenRouter, tmp_path: Path, **overrides: Any) -> Settings:
    return fake.settings(cache_dir=tmp_path / "cache", catalog_ttl_seconds=100.0, **overrides)


async def test_live_listing_is_fetched_cached_and_read_back(tmp_path: Path) -> None:
    with FakeOpenRouter(catalog=MEDIA["models"], videos=MEDIA["videos"]) as fake:
        settings = settings_for(fake, tmp_path)
        async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
            snapshot = await store.get()
            videos = snapshot.catalog.videos
            assert videos is not None and videos.source == "live" and len(videos) == 3
            motion = snapshot.catalog.get("acme/motion-1")
            assert motion is not None and snapshot.catalog.video_of(motion) is not None
            assert fake.count("/videos/models") == 1
            cached = json.loads(store.cache_path().read_text())
            assert cached["videos"] == MEDIA["videos"]
        offline = settings_for(fake, tmp_path, offline=True)
        async with CatalogStore(offline, None) as store:
            snapshot = await store.get()
            assert snapshot.source == "cache"
            videos = snapshot.catalog.videos
            assert videos is not None and videos.source == "cache" and len(videos) == 3


async def test_a_failed_listing_keeps_the_catalog_and_falls_back(tmp_path: Path) -> None:
    with FakeOpenRouter(catalog=MEDIA["models"], videos=MEDIA["videos"]) as fake:
        fake.script("/videos/models", [Fault.status(500), Fault.invalid_json()] * 2)
        settings = settings_for(fake, tmp_path)
        async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
            snapshot = await store.get()
            assert snapshot.source == "live" and len(snapshot.catalog) == len(
                MEDIA["models"]["data"]
            )
            videos = snapshot.catalog.videos
            assert videos is not None and videos.source == "builtin"
            assert len(videos) == len(load_builtin_videos())
            assert "videos" not in json.loads(store.cache_path().read_text())
            held = await store.refresh_now()  # the listing fails again: the held one is kept
            assert held.catalog.videos is not None and held.catalog.videos.source == "builtin"


async def test_offline_without_a_cache_prices_video_from_the_builtin_listing(
    tmp_path: Path,
) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path)
    async with CatalogStore(settings, None) as store:
        snapshot = await store.get()
        assert snapshot.source == "builtin"
        videos = snapshot.catalog.videos
        assert videos is not None and videos.source == "builtin" and len(videos) > 0
        veo = snapshot.catalog.get("google/veo-3.1")
        if veo is not None:  # the built-in catalog lists it: its prices come from the listing
            entry = snapshot.catalog.video_of(veo)
            assert entry is not None and entry.pricing_skus
