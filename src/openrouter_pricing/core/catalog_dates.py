"""How old a catalog's prices are when it did not come from a live fetch, and why a fetch failed.

Decisions:
- A ``--catalog-file`` is dated from its data, not its file: a copy made today of a month-old
  /models answer is a month old. The date is ``--catalog-date`` when given; else the publication
  date of the newest model in it (the file cannot be older than that, so its age is at least what
  is shown: it never looks fresher than it is); else, for a file whose models carry no date, its
  modification time, and the results say so.
- Why a live fetch failed is one short sentence an agent may show: the error's own safe message
  (``OpenRouterError`` messages never hold the key), a timeout with its bound, or, for a bug, only
  its type (the log has the rest).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .errors import OpenRouterError

if TYPE_CHECKING:
    from .catalog import Catalog
    from .settings import Settings

DATED_BY_FLAG = "--catalog-date"
DATED_BY_NEWEST_MODEL = "the newest model in the file"
DATED_BY_MTIME = "the file's modification time (its models carry no dates)"
MAX_REASON_CHARS = 300


def catalog_file_date(
    catalog: Catalog, given: datetime | None, mtime: datetime
) -> tuple[datetime, str]:
    """(the as-of moment of a --catalog-file's prices, what it was read from)."""
    if given is not None:
        return given, DATED_BY_FLAG
    newest = max((m.created for m in catalog.models if m.created is not None), default=None)
    if newest is not None:
        return datetime.fromtimestamp(newest, UTC), DATED_BY_NEWEST_MODEL
    return mtime, DATED_BY_MTIME


def parse_catalog_date(text: str) -> datetime:
    """``YYYY-MM-DD`` (or a full ISO 8601 time) as an aware UTC datetime; ``ValueError`` else."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--catalog-date must be a date like 2026-08-18 (UTC), got {text[:40]!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fetch_failure_reason(exc: BaseException, settings: Settings) -> str:
    """One safe sentence on why a live catalog fetch failed."""
    if isinstance(exc, OpenRouterError):
        reason = str(exc)
    elif isinstance(exc, TimeoutError):
        reason = f"OpenRouter did not answer within {settings.catalog_fetch_timeout_seconds:g} s"
    else:
        reason = f"an unexpected {type(exc).__name__} (see the server log)"
    reason = reason.strip().rstrip(".")
    return reason[:MAX_REASON_CHARS]
