"""The freshness warning says what is true of each catalog source."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openrouter_pricing.core.store import CatalogInfo
from openrouter_pricing.tools.common import stale_warning

FETCHED = datetime(2026, 8, 18, tzinfo=UTC)


def info(source: str, stale: bool) -> CatalogInfo:
    return CatalogInfo(source, FETCHED, 7200.0, stale, 549)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["live", "cache", "file", "builtin"])
def test_a_fresh_catalog_has_no_warning(source: str) -> None:
    assert stale_warning(info(source, stale=False)) is None


@pytest.mark.parametrize(
    ("source", "says", "never_says"),
    [
        ("live", "refresh is attempted", "never refreshed"),
        ("cache", "refresh is attempted", "never refreshed"),
        ("file", "never refreshed", "refresh is attempted"),
        ("builtin", "built-in catalog as of 2026-08-18", "refresh is attempted"),
    ],
)
def test_stale_warning_matches_its_source(source: str, says: str, never_says: str) -> None:
    warning = stale_warning(info(source, stale=True))
    assert warning is not None and says in warning and never_says not in warning
