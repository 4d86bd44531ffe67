"""Catalog readiness: how long a fresh store takes to be ready to price, against a bare
``json.loads`` of the same bytes.

Three ways a catalog becomes ready without the network:
- from the disk cache (the usual start: a cache written by an earlier run), ``--offline``;
- from a saved /models JSON (``--catalog-file``);
- from the built-in catalog (offline with no cache), for reference.
Each is a new ``CatalogStore`` awaiting ``get()``: reading the file, decoding, parsing every model
(prices to ``Decimal``) and indexing. The bare ``json.loads`` is timed on bytes already in memory,
alternating with the store, so the ratio is what the store adds to decoding the JSON at all.
The indexes that only filters and sorts need are built by the first search, not at load; that
first search is timed on its own line.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from openrouter_pricing.core.catalog import ModelFilter
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CatalogStore

from .common import (
    Section,
    Stats,
    at_most,
    builtin_catalog_bytes,
    catalog_bytes,
    ratio,
    row,
    snapshot_path,
)

CACHE_BUDGET = 3.0


class _SavedFetcher:
    """Answers /models with the benchmark's catalog, to let the store write its own cache file."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def fetch_models_json(self) -> Any:
        return json.loads(self._body)

    async def fetch_endpoints(self, model_id: str) -> list[Any]:
        return []

    async def fetch_zdr_endpoints(self) -> list[Any]:
        return []


async def write_cache(cache_dir: Path, body: bytes) -> Path:
    """A disk cache exactly as the server writes it after a live fetch."""
    settings = Settings(cache_dir=cache_dir)
    async with CatalogStore(settings, _SavedFetcher(body)) as store:
        await store.refresh_now()
        return store.cache_path()


async def _ready(settings: Settings) -> float:
    start = time.perf_counter()
    async with CatalogStore(settings, None) as store:
        await store.get()
    return time.perf_counter() - start


async def _pair(settings: Settings, body: bytes, rounds: int) -> tuple[Stats, Stats, int]:
    ours: list[float] = []
    bare: list[float] = []
    await _ready(settings)  # warm: first-use imports are not readiness
    for _ in range(rounds):
        ours.append(await _ready(settings))
        start = time.perf_counter()
        json.loads(body)
        bare.append(time.perf_counter() - start)
    async with CatalogStore(settings, None) as store:
        count = len((await store.get()).catalog)
    return Stats.of(ours), Stats.of(bare), count


async def measure(rounds: int) -> Section:
    section = Section("Catalog readiness")
    began = time.perf_counter()
    body = catalog_bytes()
    details: dict[str, Any] = {"rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        cache_dir = Path(tmp) / "cache"
        cache_file = await write_cache(cache_dir, body)
        cases: list[tuple[str, Settings, bytes, float | None]] = [
            (
                "from the disk cache (--offline)",
                Settings(cache_dir=cache_dir, offline=True),
                cache_file.read_bytes(),
                CACHE_BUDGET,
            ),
        ]
        path = snapshot_path()
        if path is not None:
            cases.append(
                (
                    f"from a /models JSON ({path.name})",
                    Settings(catalog_file=path, cache_dir=cache_dir),
                    path.read_bytes(),
                    None,
                )
            )
        cases.append(
            (
                "from the built-in catalog (offline, no cache)",
                Settings(cache_dir=Path(tmp) / "empty", offline=True),
                builtin_catalog_bytes(),
                None,
            )
        )
        for label, settings, raw, budget in cases:
            ours, bare, count = await _pair(settings, raw, rounds)
            r = ratio(ours.median_ms, bare.median_ms)
            section.rows.append(
                row(
                    f"Catalog ready {label}, {count} models (median of {rounds})",
                    f"{ours.median_ms:.1f} ms",
                    f"{bare.median_ms:.1f} ms (`json.loads`, {len(raw) / 1e6:.2f} MB)",
                    r,
                    at_most(r, budget) if budget is not None else None,
                )
            )
            details[label] = {
                "ours": ours.__dict__,
                "json_loads": bare.__dict__,
                "bytes": len(raw),
                "models": count,
                "ratio": r,
            }
        first, warm = await _first_search(cases[0][1], rounds)
    section.rows.append(
        row(
            "First `list_models` search on a fresh catalog (builds the indexes) / the next one",
            f"{first.median_ms:.2f} ms / {warm.median_ms:.3f} ms",
            "",
        )
    )
    details["first_search"] = {"first": first.__dict__, "next": warm.__dict__}
    section.details = details
    section.seconds = time.perf_counter() - began
    return section


async def _first_search(settings: Settings, rounds: int) -> tuple[Stats, Stats]:
    """The first ``list_models``-style search on a freshly loaded catalog (which builds the
    search indexes and one sort order), and the next one."""
    first: list[float] = []
    second: list[float] = []
    spec = ModelFilter(supports=("tools",), min_context=32_000, sort="prompt_price", limit=20)
    for _ in range(rounds):
        async with CatalogStore(settings, None) as store:
            catalog = (await store.get()).catalog
        for times in (first, second):
            start = time.perf_counter()
            catalog.search(spec)
            times.append(time.perf_counter() - start)
    return Stats.of(first), Stats.of(second)


def run(rounds: int) -> Section:
    return anyio.run(measure, rounds)
