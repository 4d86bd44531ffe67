"""A child process writing the catalog cache, for tests/test_cache_resilience.py to kill or race.

    python cache_worker.py stall-mid-write BASE_URL CACHE_DIR CATALOG_JSON
        write the cache through the store, stopping (for good) halfway through the bytes
    python cache_worker.py write-loop BASE_URL CACHE_DIR CATALOG_JSON
        write the cache through the store again and again, until killed
    python cache_worker.py refresh-loop BASE_URL CACHE_DIR N
        refresh the catalog from BASE_URL (the fake OpenRouter) N times, as a server would

Each prints "READY" on stdout once it is about to write, so the parent kills at a known moment.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CatalogStore


def say(word: str) -> None:
    print(word, flush=True)


class StallingFile:
    """A file whose ``write`` puts half the bytes on disk, then never returns."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> StallingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        say("READY")
        time.sleep(600)  # killed long before this ends
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def main(mode: str, base_url: str, cache_dir: str, arg: str) -> None:
    settings = Settings(base_url=base_url, cache_dir=Path(cache_dir), max_retries=0)
    if mode == "refresh-loop":
        anyio.run(refresh_loop, settings, int(arg))
        return
    raw = json.loads(Path(arg).read_bytes())
    store = CatalogStore(settings, None)
    if mode == "stall-mid-write":
        real_fdopen = os.fdopen
        # The store's os is this os: patch the function the store calls, for this process only.
        os.fdopen = lambda fd, *a, **k: StallingFile(real_fdopen(fd, *a, **k))  # type: ignore[assignment]
        store._write_cache(raw, datetime.now(UTC))
    elif mode == "write-loop":
        say("READY")
        while True:
            store._write_cache(raw, datetime.now(UTC))


async def refresh_loop(settings: Settings, times: int) -> None:
    async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
        say("READY")
        for _ in range(times):
            await store.refresh_now()
    say("DONE")


if __name__ == "__main__":
    main(*sys.argv[1:5])
