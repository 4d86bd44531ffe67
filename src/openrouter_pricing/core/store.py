"""Where the catalog comes from, and how fresh it is: memory, disk cache, live fetch, built-in.

Decisions:
- Nothing touches the network until the first call that needs prices (``get``); constructing and
  entering the store is free, so ``initialize`` and ``tools/list`` answer at the SDK's speed.
- Cold order: a ``--catalog-file`` when given (never refreshed); else the disk cache; else (online)
  one live fetch bounded by ``catalog_fetch_timeout_seconds``; else the built-in catalog.
- Fresh for the TTL; after it, stale-while-revalidate: the caller gets what is held at once, marked
  stale, and one background refresh runs however many callers arrive (single flight). A failed
  refresh keeps the last good catalog and is not retried for ``RETRY_AFTER_FAILURE_SECONDS``.
- The disk cache is one JSON file per base URL, written to a temp file and renamed into place, so a
  crash mid-write leaves the previous file whole and two servers sharing a directory never see a
  half-written one. An unreadable, corrupt or foreign-version file is ignored and replaced. A
  cache directory that cannot be written degrades to memory only, with one warning.
- Per-model endpoints (``:floor``, ``provider=``, policies) and the ZDR endpoint list are fetched
  on demand and kept in memory for the TTL (``ondemand``: single flight per model, bounded); when
  a refresh fails the last ones known are served.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio
import anyio.abc
import anyio.to_thread

from .catalog_dates import catalog_file_date, fetch_failure_reason
from .errors import CatalogUnavailableError, InvalidResponseError, OpenRouterError
from .ondemand import OnDemandCache
from .settings import Settings

if TYPE_CHECKING:  # the catalog and its schema are imported when a catalog is loaded
    from .catalog import Catalog
    from .schema import Endpoint, Model, ParseProblem
    from .video import VideoListing

logger = logging.getLogger(__name__)

CatalogSource = Literal["live", "cache", "file", "builtin"]
CACHE_FORMAT = "openrouter-pricing-mcp/catalog"
CACHE_VERSION = 1


RETRY_AFTER_FAILURE_SECONDS = 60.0
MAX_MODELS_WITH_ENDPOINTS = 1024  # endpoint lists held at once (a catalog has about 600 models)
ABANDONED_TEMP_SECONDS = 600.0
FUTURE_TOLERANCE_SECONDS = 300.0  # clocks disagree a little; a cache further ahead is stale


class CatalogFetcher(Protocol):
    """What the store needs of the OpenRouter client."""

    async def fetch_models_json(self) -> Any: ...

    async def fetch_endpoints(self, model_id: str) -> list[Endpoint]: ...

    async def fetch_zdr_endpoints(self) -> list[Any]: ...


@dataclass(frozen=True)
class CatalogInfo:
    """How fresh a catalog answer is: the ``catalog`` block of every result built from it."""

    source: CatalogSource
    fetched_at: datetime
    age_seconds: float
    stale: bool
    model_count: int
    # Why the last live fetch failed, while the answer comes from elsewhere (cache, built-in).
    live_fetch_error: str | None = None
    # What a --catalog-file's date was read from (see ``catalog_file_date``).
    dated_by: str | None = None


@dataclass(frozen=True)
class CatalogSnapshot:
    catalog: Catalog
    source: CatalogSource
    fetched_at: datetime  # when this catalog was fetched from OpenRouter (or its as-of date)
    loaded_at: float  # store clock when it entered memory
    problems: tuple[ParseProblem, ...] = ()
    dated_by: str | None = None


class CatalogStore:
    """The one catalog of a process, shared by every connection and tool call."""

    def __init__(
        self,
        settings: Settings,
        fetcher: CatalogFetcher | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._fetcher = None if settings.offline else fetcher
        self._clock = clock
        self._snapshot: CatalogSnapshot | None = None
        self._load_lock = anyio.Lock()
        self._refreshing = False
        self._last_failure: float | None = None
        self._failure_reason: str | None = None  # why the last live fetch failed, if it did
        self._task_group: anyio.abc.TaskGroup | None = None
        self._cache_writable = True
        ttl, bound = settings.catalog_ttl_seconds, MAX_MODELS_WITH_ENDPOINTS
        self._endpoints = OnDemandCache[str, "list[Endpoint]"](
            ttl_seconds=ttl, clock=clock, max_entries=bound
        )
        self._zdr = OnDemandCache[str, frozenset[tuple[str, str]]](
            ttl_seconds=ttl, clock=clock, max_entries=1
        )
        self.fetch_count = 0  # live /models fetches attempted, for tests and benchmarks
        self.on_load: Callable[[CatalogSnapshot], None] | None = None  # told of each new catalog

    async def __aenter__(self) -> CatalogStore:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(None, None, None)
        self._task_group = None

    # -- reading ---------------------------------------------------------------------------

    async def get(self) -> CatalogSnapshot:
        """The catalog to answer with now; loads it on first use, refreshes it in the background
        once it is older than the TTL."""
        snapshot = self._snapshot
        if snapshot is None:
            async with self._load_lock:
                if self._snapshot is None:
                    self._snapshot = await self._load_cold()
                    self._loaded(self._snapshot)
            snapshot = self._snapshot
        if self.is_stale(snapshot):
            self._start_refresh()
        return snapshot

    @property
    def refreshing(self) -> bool:
        """A background refresh is under way (tests and health checks wait on this)."""
        return self._refreshing

    def peek(self) -> CatalogSnapshot | None:
        """The catalog held in memory, without loading anything."""
        return self._snapshot

    def age_seconds(self, snapshot: CatalogSnapshot) -> float:
        return max(0.0, self._clock() - snapshot.fetched_at.timestamp())

    def is_stale(self, snapshot: CatalogSnapshot) -> bool:
        ahead = snapshot.fetched_at.timestamp() - self._clock()
        if ahead > FUTURE_TOLERANCE_SECONDS and snapshot.source in ("live", "cache"):
            return True  # "fetched" in the future: a wrong clock or a forged file, not fresh
        return self.age_seconds(snapshot) > self._settings.catalog_ttl_seconds

    def info(self, snapshot: CatalogSnapshot) -> CatalogInfo:
        return CatalogInfo(
            source=snapshot.source,
            fetched_at=snapshot.fetched_at,
            age_seconds=round(self.age_seconds(snapshot), 3),
            stale=self.is_stale(snapshot),
            model_count=len(snapshot.catalog),
            live_fetch_error=None if snapshot.source == "file" else self._failure_reason,
            dated_by=snapshot.dated_by,
        )

    # -- loading ---------------------------------------------------------------------------

    async def _load_cold(self) -> CatalogSnapshot:
        if self._settings.catalog_file is not None:
            return self._load_file(self._settings.catalog_file)
        cached = self._read_cache()
        if cached is not None:
            return cached
        if self._fetcher is not None:
            try:
                return await self._fetch_live()
            except (OpenRouterError, TimeoutError) as exc:
                logger.warning("catalog fetch failed, using the built-in catalog: %s", exc)
                self._failed(exc)
            except Exception as exc:  # a bug must not leave every call fetching again
                logger.exception("catalog fetch failed unexpectedly, using the built-in catalog")
                self._failed(exc)
        return self._load_builtin()

    def _failed(self, exc: BaseException) -> None:
        """Remember when and why a live fetch failed, for the results' catalog block."""
        self._last_failure = self._clock()
        self._failure_reason = fetch_failure_reason(exc, self._settings)

    def _snapshot_from(
        self,
        raw: Any,
        source: CatalogSource,
        fetched_at: datetime,
        videos: VideoListing | None = None,
    ) -> CatalogSnapshot:
        from .schema import parse_models

        return self._snapshot_of(parse_models(raw), source, fetched_at, videos)

    def _snapshot_of(
        self,
        parsed: tuple[list[Model], list[ParseProblem]],
        source: CatalogSource,
        fetched_at: datetime,
        videos: VideoListing | None = None,
    ) -> CatalogSnapshot:
        from .catalog import Catalog

        if videos is None or not len(videos):
            videos = self._fallback_videos()
        models, problems = parsed
        for problem in problems[:20]:
            logger.warning(
                "skipped a malformed model (%s #%d): %s", problem.model_id, problem.index, problem
            )
        if not models:
            raise ValueError("the catalog holds no model that could be parsed")
        return CatalogSnapshot(
            Catalog(models, videos), source, fetched_at, self._clock(), tuple(problems)
        )

    def _fallback_videos(self) -> VideoListing:
        """The video listing to use when the source has none: the one held, else the built-in."""
        held = self._snapshot.catalog.videos if self._snapshot is not None else None
        if held is not None and len(held):
            return held
        from .video import load_builtin_videos

        return load_builtin_videos()

    def _load_file(self, path: Path) -> CatalogSnapshot:
        try:
            from .schema import parse_models_json

            parsed = parse_models_json(path.read_bytes())
            mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            snapshot = self._snapshot_of(parsed, "file", mtime)
            given = self._settings.catalog_date
            as_of, dated_by = catalog_file_date(snapshot.catalog, given, mtime)
            return dataclasses.replace(snapshot, fetched_at=as_of, dated_by=dated_by)
        except (OSError, ValueError, RecursionError) as exc:
            raise CatalogUnavailableError(
                f"The catalog file {str(path)[:200]!r} could not be read as a /models JSON "
                f"({type(exc).__name__}); pass a file saved from GET /api/v1/models."
            ) from exc

    def _load_builtin(self) -> CatalogSnapshot:
        from .builtin import load_builtin_catalog

        builtin = load_builtin_catalog()
        return self._snapshot_from(builtin.raw, "builtin", builtin.as_of)

    async def _fetch_live(self) -> CatalogSnapshot:
        assert self._fetcher is not None
        self.fetch_count += 1
        videos_raw: list[Any] = []
        failure: Exception | None = None
        with anyio.fail_after(self._settings.catalog_fetch_timeout_seconds + 1):
            async with anyio.create_task_group() as group:
                group.start_soon(self._fetch_videos_into, videos_raw)
                try:
                    raw = await self._fetcher.fetch_models_json()
                except Exception as exc:  # raised here, a task group would wrap it in a group
                    failure = exc
                    group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        fetched_at = datetime.fromtimestamp(self._clock(), UTC)
        videos = self._live_videos(videos_raw[0], fetched_at) if videos_raw else None
        try:
            snapshot = self._snapshot_from(raw, "live", fetched_at, videos)
        except (ValueError, ArithmeticError) as exc:
            raise InvalidResponseError(f"OpenRouter's model list was unusable: {exc}.") from exc
        # Serialising and fsyncing a megabyte would stall every other call on the event loop.
        videos_body = videos_raw[0] if videos is not None else None
        await anyio.to_thread.run_sync(self._write_cache, raw, fetched_at, videos_body)
        self._last_failure = None
        self._failure_reason = None
        return snapshot

    async def _fetch_videos_into(self, found: list[Any]) -> None:
        """Fetch ``/videos/models`` beside ``/models``; a failure keeps the listing held (or the
        built-in one) and never fails the catalog."""
        fetch = getattr(self._fetcher, "fetch_video_models_json", None)  # optional for fetchers
        if fetch is None:
            return
        try:
            # Bounded apart from /models, so a slow listing never costs the catalog.
            with anyio.fail_after(self._settings.catalog_fetch_timeout_seconds):
                found.append(await fetch())
        except (OpenRouterError, TimeoutError) as exc:
            logger.warning("video listing fetch failed; keeping the listing held: %s", exc)

    def _live_videos(self, raw: Any, fetched_at: datetime) -> VideoListing | None:
        from .video import listing_of

        try:
            listing = listing_of(raw, fetched_at.isoformat(), "live")
        except ValueError as exc:
            logger.warning("ignoring an unusable video listing: %s", exc)
            return None
        return listing if len(listing) else None

    # -- background refresh ----------------------------------------------------------------

    def _start_refresh(self) -> None:
        if self._fetcher is None or self._task_group is None or self._refreshing:
            return
        held = self._snapshot
        if held is not None and held.source == "file":
            return
        if (
            self._last_failure is not None
            and self._clock() - self._last_failure < RETRY_AFTER_FAILURE_SECONDS
        ):
            return
        self._refreshing = True
        self._task_group.start_soon(self._refresh)

    async def _refresh(self) -> None:
        try:
            self._snapshot = await self._fetch_live()
            self._loaded(self._snapshot)
        except (OpenRouterError, TimeoutError) as exc:
            self._failed(exc)
            logger.warning("catalog refresh failed; keeping the catalog held: %s", exc)
        except Exception as exc:  # raised in the store's task group, it would stop the whole server
            self._failed(exc)
            logger.exception("catalog refresh failed unexpectedly; keeping the catalog held")
        finally:
            self._refreshing = False

    async def refresh_now(self) -> CatalogSnapshot:
        """Fetch now and wait for it (tests, benchmarks, an explicit refresh); on failure the held
        catalog is kept and the error raised."""
        if self._fetcher is None:
            raise CatalogUnavailableError("Offline mode: no live catalog fetch is made.")
        snapshot = await self._fetch_live()
        self._snapshot = snapshot
        self._loaded(snapshot)
        return snapshot

    def _loaded(self, snapshot: CatalogSnapshot) -> None:
        if self.on_load is not None:
            self.on_load(snapshot)  # must not raise or block: the ledger schedules its own work

    # -- disk cache ------------------------------------------------------------------------

    def cache_path(self) -> Path:
        digest = hashlib.sha256(self._settings.base_url.encode()).hexdigest()[:12]
        return self._settings.resolved_cache_dir() / f"catalog-{digest}.json"

    def _read_cache(self) -> CatalogSnapshot | None:
        path = self.cache_path()
        try:
            from .cache_file import read_cache_file
            from .schema import unique_models

            body = path.read_bytes()
            fast = read_cache_file(body)
            if fast is not None:
                if not (
                    fast.format == CACHE_FORMAT
                    and fast.version == CACHE_VERSION
                    and fast.base_url == self._settings.base_url
                ):
                    raise ValueError("not a catalog cache of this version and base URL")
                fetched_at = _cache_time(fast.fetched_at)
                videos = self._cached_videos(fast.videos, fetched_at)
                return self._snapshot_of(
                    unique_models(fast.models.data), "cache", fetched_at, videos
                )
            document = json.loads(body)
            if not (
                isinstance(document, dict)
                and document.get("format") == CACHE_FORMAT
                and document.get("version") == CACHE_VERSION
                and document.get("base_url") == self._settings.base_url
            ):
                raise ValueError("not a catalog cache of this version and base URL")
            fetched_at = _cache_time(document["fetched_at"])
            videos = self._cached_videos(document.get("videos"), fetched_at)
            return self._snapshot_from(document["models"], "cache", fetched_at, videos)
        except FileNotFoundError:
            return None
        # RecursionError: a deeply nested file; ArithmeticError: a time that overflows. Either
        # way the file is ignored here and replaced by the next good fetch.
        except (OSError, ValueError, KeyError, TypeError, RecursionError, ArithmeticError) as exc:
            logger.warning("ignoring unusable catalog cache %s: %s", path, exc)
            return None

    def _cached_videos(self, raw: Any, fetched_at: datetime) -> VideoListing | None:
        if raw is None:
            return None
        from .video import listing_of

        try:
            listing = listing_of(raw, fetched_at.isoformat(), "cache")
        except ValueError:
            return None
        return listing if len(listing) else None

    def _write_cache(self, raw: Any, fetched_at: datetime, videos: Any = None) -> None:
        if not self._cache_writable:
            return
        path = self.cache_path()
        document = {
            "format": CACHE_FORMAT,
            "version": CACHE_VERSION,
            "base_url": self._settings.base_url,
            "fetched_at": fetched_at.isoformat(),
            "models": raw,
        }
        if videos is not None:
            document["videos"] = videos
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_abandoned_temp_files(path.parent)
            fd, temp = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(json.dumps(document, separators=(",", ":")).encode())
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self._cache_writable = False
            logger.warning(
                "the catalog cache directory %s is not writable (%s); keeping the catalog in "
                "memory only",
                path.parent,
                exc.strerror or exc,
            )

    # -- endpoints -------------------------------------------------------------------------

    async def get_endpoints(self, model_id: str) -> list[Endpoint]:
        """The provider endpoints of a model (base id, no variant), cached for the TTL."""
        base = model_id.split(":", 1)[0]
        fetcher = self._fetcher
        fetch = None if fetcher is None else (lambda: fetcher.fetch_endpoints(base))
        return await self._endpoints.get(base.lower(), fetch, OFFLINE_ENDPOINTS)

    async def get_zdr_keys(self) -> frozenset[tuple[str, str]]:
        """The endpoints with zero data retention (``GET /endpoints/zdr``) as
        ``policy.endpoint_key``s, cached for the TTL."""
        from .policy import zdr_keys

        fetcher = self._fetcher

        async def fetch() -> frozenset[tuple[str, str]]:
            assert fetcher is not None
            return zdr_keys(await fetcher.fetch_zdr_endpoints())

        return await self._zdr.get("zdr", None if fetcher is None else fetch, OFFLINE_ENDPOINTS)


OFFLINE_ENDPOINTS = (
    "Endpoint data (per-provider prices, quantization, speed, zero data retention) needs the "
    "network or data this server fetched earlier, and the server is offline with none held; "
    "estimate without ':floor', provider or policy arguments, or turn offline mode off."
)


def _cache_time(text: Any) -> datetime:
    """A cache file's ``fetched_at`` as an aware time that converts to a timestamp, or raises
    ``ValueError`` (a naive time is UTC, as the store writes it)."""
    if not isinstance(text, str):
        raise ValueError("fetched_at is not a time")
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        moment.timestamp()
        return moment.astimezone(UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"fetched_at {text[:40]!r} is out of range") from exc


def _remove_abandoned_temp_files(directory: Path) -> None:
    """Delete temp files that a writer killed mid-write left behind. Only old ones: a younger one
    may belong to another server writing into the same directory right now."""
    cutoff = time.time() - ABANDONED_TEMP_SECONDS
    for leftover in directory.glob(".catalog-*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
