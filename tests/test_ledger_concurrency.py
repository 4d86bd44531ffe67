"""Server processes sharing a ledger: two reserving against one budget at once never hold more
than its limit, on SQLite (one file) and on a real PostgreSQL server; over HTTP, each caller sees
only the spend recorded under its own key, and no key is stored.

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

from fake_openrouter import (
    DEFAULT_GENERATION_DATA,
    DEFAULT_GENERATION_ID,
    DEFAULT_KEY_DATA,
    FakeOpenRouter,
)
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


KEY_A = "sk-or-v1-LEDGERA-" + "a1" * 30
KEY_B = "sk-or-v1-LEDGERB-" + "b2" * 30


async def test_over_http_each_caller_sees_only_its_own_spend(
    tmp_path: Path, fake_openrouter: FakeOpenRouter
) -> None:
    fake_openrouter.keys[KEY_A] = {**DEFAULT_KEY_DATA, "label": "caller A"}
    fake_openrouter.keys[KEY_B] = {**DEFAULT_KEY_DATA, "label": "caller B"}
    fake_openrouter.add_generation({**DEFAULT_GENERATION_DATA, "id": "gen-b-1", "total_cost": 2})
    env = {"OPENROUTER_PRICING_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    server = start(tmp_path, fake_openrouter, "--transport", "streamable-http", env=env)
    week = {"since": "2026-02-20", "until": "2026-02-28"}

    async def as_caller(key: str, generation_id: str) -> dict[str, Any]:
        async with (
            httpx2.AsyncClient(headers={"X-OpenRouter-Key": key}, timeout=60) as http,
            Client(streamable_http_client(f"{server.base}/mcp", http_client=http)) as client,
        ):
            args = {"generation_id": generation_id, "wait_seconds": 0, "tags": {"who": key[9:16]}}
            ok(await client.call_tool("get_generation_cost", args))
            return ok(await client.call_tool("spend_report", {**week, "group_by": ["tag:who"]}))

    try:
        seen_a = await as_caller(KEY_A, DEFAULT_GENERATION_ID)
        seen_b = await as_caller(KEY_B, "gen-b-1")
    finally:
        stop(server)
    assert [g["keys"] for g in seen_a["groups"]] == [["LEDGERA"]]
    assert [g["keys"] for g in seen_b["groups"]] == [["LEDGERB"]]
    assert Decimal(seen_b["total_usd"]) == 2
    assert KEY_A not in server.stderr() and KEY_B not in server.stderr()
    backend = open_backend(env["OPENROUTER_PRICING_DATABASE_URL"])
    try:
        with backend.transaction() as tx:
            stored = tx.run("SELECT key_label, key_hash FROM generations ORDER BY key_label")
    finally:
        backend.close()
    assert [row[0] for row in stored] == ["caller A", "caller B"]  # labels, never the keys
    assert all(KEY_A[:16] not in str(row) and KEY_B[:16] not in str(row) for row in stored)
    assert (tmp_path / "shared.sqlite3").read_bytes().count(KEY_A[:16].encode()) == 0
