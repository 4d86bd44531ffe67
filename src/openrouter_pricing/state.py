"""The state of one server process: one OpenRouter client, one catalog store, one ledger.

Decisions:
- ``Runtime`` holds the process's ``AppState``; whoever opens it first owns it (creates the client
  and enters the store's task group) and closes it on the way out. Later openers share it. The MCP
  lifespan opens it, so stdio and an in-memory ``Client`` get one state per run; the HTTP app opens
  it in its own lifespan before any connection, so the streamable-HTTP session manager and every SSE
  connection (the SDK enters the lifespan once per SSE connection) share the same client and store.
- Opening costs nothing on the network: the client connects on first use and the store loads the
  catalog on the first call that needs prices.
- Resources that cannot receive a ``Context`` (static ones) read ``Runtime.state`` instead.
- The core (client, store) is imported when the state is opened, not with this module: nothing in
  ``initialize`` or ``tools/list`` needs it (see ``tools.limits``).
- The ledger (``core.ledger.service``) opens its database on first use, not here; the store tells
  it of each catalog it loads (``on_load``) for the price history.
- ``call_slots`` bounds the tool calls running at once in the process (see ``tools.guard``); it is
  created with the state, inside the event loop that uses it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from .core.settings import Settings

if TYPE_CHECKING:  # the core's heavy parts load when the state is opened, not at start-up
    from .core.ledger.service import LedgerService
    from .core.openrouter import OpenRouterClient
    from .core.store import CatalogStore


@dataclass(frozen=True)
class AppState:
    """What every tool call reads: the settings, the HTTP client, the catalog store, and the
    slots that bound how many calls run at once."""

    settings: Settings
    client: OpenRouterClient
    store: CatalogStore
    call_slots: anyio.CapacityLimiter
    ledger: LedgerService


class Runtime:
    """The holder of one process's ``AppState``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state: AppState | None = None

    @asynccontextmanager
    async def open(self) -> AsyncIterator[AppState]:
        """Yield the shared state, creating it (and closing it at exit) if nobody holds it yet."""
        if self.state is not None:
            yield self.state
            return
        # Imported here, not at module level: ``initialize`` and ``tools/list`` need none of the
        # core, so a cold start does not pay for importing it.
        from .core.ledger.service import LedgerService
        from .core.openrouter import OpenRouterClient
        from .core.store import CatalogStore

        async with (
            OpenRouterClient(self.settings) as client,
            LedgerService(self.settings) as ledger,
            CatalogStore(self.settings, client) as store,
        ):
            store.on_load = ledger.catalog_loaded  # price history; opens the ledger lazily
            slots = anyio.CapacityLimiter(self.settings.max_concurrent_requests)
            self.state = AppState(self.settings, client, store, slots, ledger)
            try:
                yield self.state
            finally:
                self.state = None
