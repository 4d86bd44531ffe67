"""The PostgreSQL backend: several server processes share one ledger, budgets and holds.

Decisions:
- psycopg 3 with psycopg_pool: the maintained driver, binary wheels (``psycopg[binary]``, no
  compiler or libpq to install), server-side parameter binding, and a thread-safe pool that
  replaces broken connections. It is used synchronously from worker threads, like SQLite, so the
  ledger has one code path for both databases.
- Exclusive transactions take ``pg_advisory_xact_lock`` (released at commit or rollback): the same
  serialization as SQLite's write lock, across every process on the database.
- Connecting is bounded (``CONNECT_TIMEOUT_SECONDS``) so an unreachable server fails a spend tool
  quickly with a reason, instead of hanging it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from .backend import ADVISORY_LOCK_KEY, LedgerUnavailableError, Tx, describe_url

CONNECT_TIMEOUT_SECONDS = 5.0
POOL_MAX_SIZE = 8


def _first_line(exc: Exception) -> str:
    """The first line of a driver error, clipped (libpq never puts the password in it)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160]}" if text else type(exc).__name__


class _PgTx:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(sql.replace("?", "%s"), tuple(params))
        if self._cursor.description is None:
            return []
        return list(self._cursor.fetchall())


class PostgresBackend:
    kind = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.where = describe_url(url)
        try:  # one direct attempt first: a refused or failed connection is reported at once
            psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_SECONDS)).close()
        except psycopg.Error as exc:
            raise LedgerUnavailableError(
                f"the PostgreSQL ledger at {self.where} is unreachable ({_first_line(exc)}); "
                "check OPENROUTER_PRICING_DATABASE_URL and that the server accepts connections"
            ) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            open=False,
            timeout=CONNECT_TIMEOUT_SECONDS,
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT_SECONDS), "autocommit": False},
            name="openrouter-pricing-ledger",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except (PoolTimeout, psycopg.Error) as exc:
            self._pool.close()
            raise LedgerUnavailableError(
                f"the PostgreSQL ledger at {self.where} is unreachable ({type(exc).__name__}); "
                "check OPENROUTER_PRICING_DATABASE_URL and that the server accepts connections"
            ) from None

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[Tx]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                # the pool's context commits on success and rolls back on an exception
                if exclusive:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
                yield _PgTx(cursor)
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise LedgerUnavailableError(
                f"the PostgreSQL ledger at {self.where} failed ({_first_line(exc)})"
            ) from None

    def close(self) -> None:
        self._pool.close()
