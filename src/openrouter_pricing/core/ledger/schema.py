"""The ledger's schema: one set of tables for SQLite and PostgreSQL, in numbered migrations.

Decisions:
- Plain SQL that both databases accept (TEXT, INTEGER, composite keys, ``ON CONFLICT``), so one
  schema serves both and nothing needs an ORM.
- Money is stored as the exact decimal string (TEXT) and summed in Python with ``Decimal``: SQLite
  has no exact decimal type, and one representation keeps both backends digit for digit equal.
- Times are UTC ISO 8601 strings of one fixed width (``stamp``), so they sort as text.
- ``MIGRATIONS[n]`` takes the schema from version n to n + 1. Applied at first use, each in its own
  transaction, under the backend's migration lock, so two servers starting together apply each once.
  Append new migrations; never edit one that shipped.
"""

from __future__ import annotations

from datetime import UTC, datetime

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS ledger_schema (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the ledger, tags, holds and price history
        """
        CREATE TABLE generations (
            id TEXT PRIMARY KEY,
            model TEXT,
            provider TEXT,
            cost_usd TEXT NOT NULL,
            ran_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            key_label TEXT,
            key_hash TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            reasoning_tokens INTEGER,
            cached_tokens INTEGER,
            media_units INTEGER,
            is_byok INTEGER,
            tags TEXT NOT NULL,
            reservation_id TEXT
        )
        """,
        "CREATE INDEX generations_ran_at ON generations (ran_at)",
        """
        CREATE TABLE generation_tags (
            generation_id TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (generation_id, name)
        )
        """,
        "CREATE INDEX generation_tags_name_value ON generation_tags (name, value)",
        """
        CREATE TABLE holds (
            id TEXT PRIMARY KEY,
            amount_usd TEXT NOT NULL,
            tags TEXT NOT NULL,
            key_hash TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX holds_expires_at ON holds (expires_at)",
        """
        CREATE TABLE catalog_prices (
            source TEXT PRIMARY KEY,
            fetched_at TEXT NOT NULL,
            prices TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE price_changes (
            model TEXT NOT NULL,
            price_key TEXT NOT NULL,
            old_price TEXT,
            new_price TEXT,
            first_seen TEXT NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (model, price_key, first_seen, source)
        )
        """,
        "CREATE INDEX price_changes_first_seen ON price_changes (first_seen)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def stamp(moment: datetime) -> str:
    """A UTC time as fixed-width ISO 8601 text, so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unstamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
