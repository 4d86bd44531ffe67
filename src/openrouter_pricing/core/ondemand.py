"""Data fetched from OpenRouter on demand, per key: a model's endpoints, the ZDR endpoint list.

Decisions:
- Fresh for the catalog's TTL; one fetch per key at a time however many calls ask (single flight:
  the later callers wait for the first one's answer instead of fetching again).
- A failed fetch serves the last value held for that key, however old; without one it raises.
  Offline (no fetcher) the same: what is held, else ``CatalogUnavailableError``.
- Bounded memory: at most ``max_entries`` keys are held; the least recently fetched is dropped
  first. A key's lock exists only while a fetch for it runs, so the locks are bounded by the calls
  in flight, not by every id ever asked about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import anyio

from .errors import CatalogUnavailableError, OpenRouterError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class OnDemandCache(Generic[K, V]):
    """Values by key, fetched when first asked for and again once older than ``ttl_seconds``."""

    def __init__(self, *, ttl_seconds: float, clock: Callable[[], float], max_entries: int) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        self._held: dict[K, tuple[float, V]] = {}
        self._locks: dict[K, tuple[anyio.Lock, list[int]]] = {}  # lock, callers using it
        self.fetch_count = 0  # fetches attempted, for tests and benchmarks

    def __len__(self) -> int:
        return len(self._held)

    def _fresh(self, key: K) -> tuple[bool, V | None]:
        held = self._held.get(key)
        if held is None:
            return False, None
        return self._clock() - held[0] <= self._ttl, held[1]

    async def get(
        self, key: K, fetch: Callable[[], Awaitable[V]] | None, offline_message: str
    ) -> V:
        """The value for ``key``; ``fetch`` is None when the server may not use the network."""
        fresh, value = self._fresh(key)
        if fresh:
            return value  # type: ignore[return-value]
        if fetch is None:
            if key in self._held:
                return value  # type: ignore[return-value]
            raise CatalogUnavailableError(offline_message)
        lock, users = self._locks.setdefault(key, (anyio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                fresh, value = self._fresh(key)
                if fresh:
                    return value  # type: ignore[return-value]
                self.fetch_count += 1
                try:
                    fetched = await fetch()
                except OpenRouterError:
                    if key in self._held:
                        return value  # type: ignore[return-value]
                    raise
                self._store(key, fetched)
                return fetched
        finally:
            users[0] -= 1
            if not users[0]:
                self._locks.pop(key, None)

    def _store(self, key: K, value: V) -> None:
        self._held.pop(key, None)  # re-inserted last: dicts keep insertion order
        self._held[key] = (self._clock(), value)
        while len(self._held) > self._max_entries:
            del self._held[next(iter(self._held))]
