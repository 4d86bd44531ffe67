"""The ledger as the server uses it: opened on first use, run in worker threads, never in the way.

Decisions:
- Nothing opens the database at start, ``initialize`` or ``tools/list``. The first call that needs
  it opens it (and applies the migrations) in a worker thread; SQLite and psycopg are synchronous,
  and the event loop must never wait on them.
- When the database cannot be opened, every ledger call raises ``LedgerUnavailableError`` saying
  why; the pricing tools never call it, so they answer as before. A failed open is retried after
  ``RETRY_OPEN_SECONDS``, not on every call.
- Price history: ``catalog_loaded`` (the store's load hook) records each new catalog in the
  background, once per catalog object; ``record_catalog`` does the same and waits, for the tools
  that read the history.
- The budgets file is parsed once, when first needed (the CLI checks it at start).
- Creating the service imports nothing of the database side (sqlite3, psycopg, the SQL): that
  happens on first use, so a cold start does not pay for it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.abc
import anyio.to_thread

from ..errors import PricingError
from ..settings import Secret, Settings

if TYPE_CHECKING:  # the database modules (sqlite3, the SQL) load on first use, not at start
    from ..store import CatalogSnapshot
    from .backend import Backend
    from .budgets import Budget
    from .ledger import LedgerDB

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_OPEN_SECONDS = 15.0


def key_hash(key: Secret | None) -> str | None:
    """A short, one-way name for a key, to group and scope the ledger by (never the key)."""
    if not key:
        return None
    return hashlib.sha256(key.reveal().encode()).hexdigest()[:16]


# Keys whose absence means "billed at the parent's rate" (a cache read at the prompt rate), so an
# absent price and a zero one differ. For every other key, absent and zero price the same (the core
# bills reasoning listed at 0 as completion), and catalogs drop zeros over time: not a change.
ABSENT_MEANS_PARENT_RATE = frozenset(
    {"input_cache_read", "input_cache_write", "input_cache_write_1h", "input_audio_cache"}
)


def catalog_prices(snapshot: CatalogSnapshot) -> dict[str, dict[str, str]]:
    """Every price of a catalog that bills something, as exact strings: model id -> key -> price."""
    from ..money import format_usd

    return {
        model.id: {
            key: format_usd(value)
            for key, value in model.pricing.listed_rates.items()
            if value != 0 or key in ABSENT_MEANS_PARENT_RATE
        }
        for model in snapshot.catalog.models
    }


class LedgerService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._backend: Backend | None = None
        self._failure: tuple[float, str] | None = None
        self._open_lock = threading.Lock()
        self._budgets: tuple[Budget, ...] | None = None
        self._recorded: set[int] = set()
        self._history_lock = anyio.Lock()
        self._task_group: anyio.abc.TaskGroup | None = None
        self.labels: dict[str, str | None] = {}  # key hash -> the key's label, once read

    async def __aenter__(self) -> LedgerService:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
            self._task_group = None
        backend, self._backend = self._backend, None
        if backend is not None:
            await anyio.to_thread.run_sync(backend.close, abandon_on_cancel=True)

    # -- settings ---------------------------------------------------------------------------

    @property
    def budgets(self) -> tuple[Budget, ...]:
        if self._budgets is None:
            from .budgets import load_budgets

            self._budgets = load_budgets(self.settings.budgets_file)
        return self._budgets

    @property
    def hold_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.hold_ttl_seconds)

    # -- running ----------------------------------------------------------------------------

    def _open(self) -> LedgerDB:
        from .backend import LedgerUnavailableError, open_backend
        from .ledger import LedgerDB

        with self._open_lock:
            if self._backend is None:
                failure = self._failure
                if failure is not None and time.monotonic() - failure[0] < RETRY_OPEN_SECONDS:
                    raise LedgerUnavailableError(f"The ledger is unavailable: {failure[1]}.")
                try:
                    self._backend = open_backend(self.settings.database_url)
                except LedgerUnavailableError as exc:
                    reason = str(exc).rstrip(".")
                    self._failure = (time.monotonic(), reason)
                    logger.warning("the ledger is unavailable: %s", reason)
                    raise LedgerUnavailableError(f"The ledger is unavailable: {reason}.") from None
                self._failure = None
            return LedgerDB(self._backend)

    async def run(self, work: Callable[[LedgerDB], T]) -> T:
        """``work`` on the ledger, in a worker thread (opening the database first if needed)."""

        def call() -> T:
            return work(self._open())

        return await anyio.to_thread.run_sync(call)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    # -- price history ----------------------------------------------------------------------

    def catalog_loaded(self, snapshot: CatalogSnapshot) -> None:
        """The store's hook: record this catalog's prices in the background."""
        if self._task_group is not None and id(snapshot.catalog) not in self._recorded:
            self._task_group.start_soon(self._record_quietly, snapshot)

    async def _record_quietly(self, snapshot: CatalogSnapshot) -> None:
        try:
            await self.record_catalog(snapshot)
        except PricingError:
            pass  # an unavailable ledger was logged once by _open
        except Exception:  # background work must never stop the server
            logger.exception("recording the catalog's prices failed")

    async def record_catalog(self, snapshot: CatalogSnapshot) -> int:
        """Compare ``snapshot`` with the last catalog stored for its source (once per catalog)."""
        async with self._history_lock:
            if id(snapshot.catalog) in self._recorded:
                return 0
            prices = catalog_prices(snapshot)

            def work(db: LedgerDB) -> int:
                return db.record_prices(snapshot.source, snapshot.fetched_at, prices)

            changes = await self.run(work)
            self._recorded.add(id(snapshot.catalog))
            return changes
