"""Where the ledger lives: a database URL becomes a ``Backend`` (SQLite or PostgreSQL).

Decisions:
- One small interface, ``Backend.transaction(exclusive)``, yields a ``Tx`` that runs parameterized
  SQL (``?`` placeholders, rewritten for PostgreSQL) and returns rows as tuples. Everything the
  ledger does is written once against it (``ledger.LedgerDB``).
- ``exclusive=True`` serializes the transaction against every other exclusive one, in every
  process using the database: SQLite takes its write lock up front (``BEGIN IMMEDIATE``);
  PostgreSQL takes a transaction-scoped advisory lock. Reservations use it, so two agents can
  never both be allowed the last dollar.
- SQLite is the standard library's, in WAL mode (readers never wait for the writer), one
  connection per transaction (connections are cheap, and a thread may not share one), with a busy
  timeout so waiting writers queue instead of failing.
- The calls are synchronous; the async service runs them in a worker thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from ..errors import PricingError
from .schema import MIGRATIONS, VERSION_TABLE

BUSY_TIMEOUT_SECONDS = 30.0
ADVISORY_LOCK_KEY = 0x6F7270_6C6564  # "orp" "led": the reservation and migration lock


class LedgerUnavailableError(PricingError):
    """The ledger's database cannot be opened or used; the message says why."""


class Tx(Protocol):
    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class Backend(Protocol):
    kind: str  # "sqlite" or "postgresql"
    where: str  # for messages: the file, or host/database (never a password)

    def transaction(self, *, exclusive: bool = False) -> contextlib.AbstractContextManager[Tx]: ...

    def close(self) -> None: ...


class _SqliteTx:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._connection.execute(sql, tuple(params)).fetchall())


class SqliteBackend:
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> contextlib.closing[sqlite3.Connection]:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA synchronous=NORMAL")
        return contextlib.closing(connection)

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[Tx]:
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")
            try:
                yield _SqliteTx(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def close(self) -> None:
        pass


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("openrouter-pricing-mcp", appauthor=False)) / "ledger.sqlite3"


def describe_url(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        return f"postgresql://{host}{port}{parts.path}"
    return url.split("?", 1)[0]


def open_backend(url: str | None) -> Backend:
    """The backend for ``url`` (``None``: SQLite in the user data dir), with its schema migrated."""
    backend: Backend
    try:
        if not url:
            backend = SqliteBackend(default_sqlite_path())
        elif url.startswith("sqlite:///"):
            backend = SqliteBackend(Path(unquote(url[len("sqlite:///") :])).expanduser())
        elif url.startswith(("postgresql://", "postgres://")):
            from .postgres import PostgresBackend

            backend = PostgresBackend(url)
        else:
            raise LedgerUnavailableError(
                f"OPENROUTER_PRICING_DATABASE_URL {describe_url(url)[:80]!r} is neither a "
                "postgresql:// nor a sqlite:///path URL."
            )
        migrate(backend)
    except LedgerUnavailableError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise LedgerUnavailableError(
            f"the ledger database {describe_url(url or 'sqlite:///(default)')[:120]} cannot be "
            f"opened ({type(exc).__name__}: {str(exc)[:160]})"
        ) from None
    return backend


def migrate(backend: Backend) -> int:
    """Apply the migrations this database lacks; the schema version it ends at."""
    with backend.transaction(exclusive=True) as tx:
        tx.run(VERSION_TABLE)
        rows = tx.run("SELECT MAX(version) FROM ledger_schema")
        version = int(rows[0][0] or 0) if rows else 0
        from datetime import UTC, datetime

        from .schema import stamp

        for number in range(version, len(MIGRATIONS)):
            for statement in MIGRATIONS[number]:
                tx.run(statement)
            tx.run(
                "INSERT INTO ledger_schema (version, applied_at) VALUES (?, ?)",
                (number + 1, stamp(datetime.now(UTC))),
            )
    return len(MIGRATIONS)
