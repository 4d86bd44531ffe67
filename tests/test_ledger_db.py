"""The ledger's operations on both backends: SQLite (a temp file) and a real PostgreSQL server.

Each test gets a fresh database; the same assertions hold on both, digit for digit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from openrouter_pricing.core.ledger import (
    Budget,
    GenerationRecord,
    LedgerDB,
    LedgerUnavailableError,
    open_backend,
)
from openrouter_pricing.core.ledger.schema import SCHEMA_VERSION
from pg_server import fresh_database

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerDB]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"))
    backend = open_backend(url)
    try:
        yield LedgerDB(backend)
    finally:
        backend.close()


def record(
    gen_id: str,
    cost: str,
    *,
    tags: dict[str, str] | None = None,
    ran_at: datetime = NOW,
    model: str = "openai/gpt-4o-mini",
    key_hash: str | None = "k1",
    reservation_id: str | None = None,
) -> GenerationRecord:
    return GenerationRecord(
        id=gen_id,
        model=model,
        provider="OpenAI",
        cost_usd=Decimal(cost),
        ran_at=ran_at,
        key_label="test key",
        key_hash=key_hash,
        prompt_tokens=100,
        completion_tokens=50,
        reasoning_tokens=0,
        cached_tokens=0,
        media_units=None,
        is_byok=False,
        tags=tags or {},
        reservation_id=reservation_id,
    )


def test_migrations_are_applied_once(db: LedgerDB, tmp_path: Path) -> None:
    from openrouter_pricing.core.ledger.backend import migrate

    assert migrate(db.backend) == SCHEMA_VERSION
    with db.backend.transaction() as tx:
        versions = tx.run("SELECT version FROM ledger_schema ORDER BY version")
    assert [v[0] for v in versions] == list(range(1, SCHEMA_VERSION + 1))


def test_recording_is_idempotent_and_exact(db: LedgerDB) -> None:
    first = [record("gen-1", "0.0000621"), record("gen-2", "0.1", tags={"project": "a"})]
    assert db.record(first, NOW) == 2
    assert db.record([record("gen-1", "0.0000621")], NOW) == 0  # same id: not twice
    rows = db.spend_rows(NOW - timedelta(days=1), NOW + timedelta(days=1), {}, "k1")
    assert sorted(r.id for r in rows) == ["gen-1", "gen-2"]
    assert sum(r.cost for r in rows) == Decimal("0.1000621")
    tagged = db.spend_rows(NOW - timedelta(days=1), NOW + timedelta(days=1), {"project": "a"}, "k1")
    assert [r.id for r in tagged] == ["gen-2"] and tagged[0].tags == {"project": "a"}


def test_reports_are_scoped_to_the_key_unless_all_keys(db: LedgerDB) -> None:
    db.record([record("gen-a", "1", key_hash="k1"), record("gen-b", "2", key_hash="k2")], NOW)
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [r.id for r in db.spend_rows(*window, {}, "k2")] == ["gen-b"]
    assert [r.id for r in db.spend_rows(*window, {}, None)] == []
    assert len(db.spend_rows(*window, {}, None, all_keys=True)) == 2


def test_budget_figures_follow_tags_and_periods(db: LedgerDB) -> None:
    budget = Budget("docs", Decimal("5.00"), "month", {"project": "docs"})
    everything = Budget("all", Decimal("10"), "day", {})
    db.record(
        [
            record("g1", "1.25", tags={"project": "docs", "team": "x"}),
            record("g2", "0.50", tags={"project": "other"}),
            record("g3", "2", tags={"project": "docs"}, ran_at=NOW - timedelta(days=40)),
        ],
        NOW,
    )
    docs, day = db.figures([budget, everything], NOW)
    assert docs.spent == Decimal("1.25") and docs.remaining == Decimal("3.75")
    assert docs.resets_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert day.spent == Decimal("1.75")  # g3 ran 40 days ago, outside today
    assert day.resets_at == datetime(2026, 11, 19, tzinfo=UTC)


def test_holds_count_until_recorded_or_expired(db: LedgerDB) -> None:
    budget = Budget("docs", Decimal("1.00"), "total", {"project": "docs"})
    tags = {"project": "docs"}
    _, first = db.reserve([budget], tags, Decimal("0.60"), NOW, TTL, "k1")
    figures, second = db.reserve([budget], tags, Decimal("0.60"), NOW, TTL, "k1")
    assert first is not None and second is None  # 0.40 left: the second is refused
    assert figures[0].held == Decimal("0.60")
    db.record([record("g1", "0.25", tags=tags, reservation_id=first)], NOW)  # the real cost
    (after,) = db.figures([budget], NOW)
    assert after.spent == Decimal("0.25") and after.held == 0
    assert after.remaining == Decimal("0.75")
    _, third = db.reserve([budget], tags, Decimal("0.75"), NOW, TTL, "k1")
    assert third is not None
    (later,) = db.figures([budget], NOW + TTL + timedelta(seconds=1))
    assert later.held == 0  # expired
    assert db.held_total(NOW) == Decimal("0.75") and db.held_total(NOW, "other") == 0


def test_price_history_keeps_every_changed_price(db: LedgerDB) -> None:
    day1, day2 = NOW - timedelta(days=2), NOW
    assert (
        db.record_prices("file", day1, {"a/m": {"prompt": "0.000001"}, "b/n": {"prompt": "1"}}) == 0
    )
    changed = {"a/m": {"prompt": "0.000002", "image": "0.01"}, "b/n": {"prompt": "1"}, "c/new": {}}
    assert db.record_prices("file", day2, changed) == 2
    assert db.record_prices("file", day2, changed) == 0  # the same catalog again
    changes, total = db.price_changes(day1, [], [], 50)
    assert total == 2
    assert {(c.model, c.price_key, c.old, c.new) for c in changes} == {
        ("a/m", "prompt", "0.000001", "0.000002"),
        ("a/m", "image", None, "0.01"),
    }
    assert db.price_changes(day1, ["A/M"], [], 1)[1] == 2
    assert db.price_changes(day1, [], ["b"], 50) == ([], 0)
    assert db.price_changes(day2 + timedelta(seconds=1), [], [], 50)[1] == 0
    assert db.prices_in_force("a/m", day1 + timedelta(days=1)) == {
        "image": None,
        "prompt": "0.000001",
    }
    assert db.prices_in_force("a/m", day2) == {}


def test_an_unusable_database_url_says_why(tmp_path: Path) -> None:
    with pytest.raises(LedgerUnavailableError, match="neither a postgresql"):
        open_backend("mysql://somewhere/db")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LedgerUnavailableError, match="cannot be opened"):
        open_backend(f"sqlite:///{blocker}/ledger.sqlite3")
    with pytest.raises(LedgerUnavailableError, match="unreachable") as caught:
        open_backend("postgresql://user:s3cret-pw@127.0.0.1:9/nothing")
    assert "s3cret-pw" not in str(caught.value)


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    open_backend(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
