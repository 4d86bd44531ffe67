"""Times: one rule for a time without a zone. OpenRouter, the snapshots and agents write UTC; a
naive time is read as UTC, an aware one converted to it."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC: a naive time is taken to be UTC already. Raises ``OverflowError`` when the
    conversion leaves the calendar (year 1 with a positive offset, say)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


__all__ = ["as_utc"]
