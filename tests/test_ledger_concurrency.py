"""Two server processes reserving against one budget at once never hold more than its limit, on
SQLite (one file) and on a real PostgreSQL server.

Each process is the console script serving streamable HTTP; both get many concurrent
check_budget(reserve=true) calls for a tenth of the budget. Exactly ten may be allowed, and the
holds in the database must add up to the limit, never more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from mcp_helpers import ok, start, stop
from openrouter_pricing.core.ledger import LedgerDB, open_backend
from pg_server import fresh_database

LIMIT = Decimal("1.00")
AMOUNT = "0.10"
CALLS_PER_SERVER = 15
BUDGET = '[budgets.shared]\nlimit_usd = "1.00"\nperiod = "total"\ntags = { team = "a" }\n'


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    else:
        yield fresh_database(request.getfixturevalue("postgres_url"))


async def _reserve_many(base: str, outcomes: list[dict[str, Any]]) -> None:
    async with (
        httpx2.AsyncClient(timeout=60) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
    ):

        async def one() -> None:
            result = await client.call_tool(
                "check_budget", {"amount_usd": AMOUNT, "tags": {"team": "a"}, "reserve": True}
            )
            outcomes.append(ok(result))

        async with anyio.create_task_group() as tg:
            for _ in range(CALLS_PER_SERVER):
                tg.start_soon(one)


async def test_two_processes_never_hold_more_than_the_limit(
    tmp_path: Path, database_url: str
) -> None:
    budgets = tmp_path / "budgets.toml"
    budgets.write_text(BUDGET)
    env = {"OPENROUTER_PRICING_DATABASE_URL": database_url, "OPENROUTER_PRICING_OFFLINE": "1"}
    args = ("--transport", "streamable-http", "--budgets", str(budgets))
    servers = [start(tmp_path, None, *args, env=env) for _ in range(2)]
    outcomes: list[dict[str, Any]] = []
    try:
        async with anyio.create_task_group() as tg:
            for server in servers:
                tg.start_soon(_reserve_many, server.base, outcomes)
    finally:
        for server in servers:
            stop(server)
    allowed = [o for o in outcomes if o["allowed"]]
    assert len(outcomes) == 2 * CALLS_PER_SERVER
    assert len(allowed) == int(LIMIT / Decimal(AMOUNT))  # exactly the budget, never more
    assert all(o["reservation_id"] for o in allowed)
    assert len({o["reservation_id"] for o in allowed}) == len(allowed)
    assert not any(o["reservation_id"] for o in outcomes if not o["allowed"])
    backend = open_backend(database_url)
    try:
        with backend.transaction() as tx:
            held = sum(Decimal(row[0]) for row in tx.run("SELECT amount_usd FROM holds"))
        assert held == LIMIT
        assert LedgerDB(backend).held_total(datetime.now(UTC)) == LIMIT
    finally:
        backend.close()
