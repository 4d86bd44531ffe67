"""The HTTP transports under pressure and on a shared server: load shed with a clear 503, bodies
capped, callers' own keys kept apart, binds beyond loopback guarded.

The token and the X-OpenRouter-Key basics are in tests/test_http.py; this module adds the limits,
the isolation of concurrent callers, and the CLI's guard rails.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import Receive, Scope, Send

from fake_openrouter import DEFAULT_GENERATION_ID, DEFAULT_KEY_DATA, FakeOpenRouter, Fault
from mcp_helpers import RunningServer, ok, start, stop
from openrouter_pricing import cli
from openrouter_pricing.http_app import ConcurrencyLimitMiddleware, transport_security
from openrouter_pricing.server import build_server
from openrouter_pricing.tools import guard
from reliability_counts import count

KEY_A = "sk-or-v1-CALLERA-" + "a1" * 30
KEY_B = "sk-or-v1-CALLERB-" + "b2" * 30
MCP_ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait (bounded) for ``condition``, polling: it is about other tasks' or processes' state."""
    with anyio.fail_after(seconds):
        while not condition():  # noqa: ASYNC110 - nothing to wait on but the state itself
            await anyio.sleep(0.01)


# -- the concurrency limit, as an ASGI middleware ----------------------------------------------


class Gate:
    """An ASGI app whose requests wait until the gate opens, counting how many are inside."""

    def __init__(self) -> None:
        self.open = anyio.Event()
        self.inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != "/healthz":
            self.inside += 1
            try:
                await self.open.wait()
            finally:
                self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


async def test_requests_beyond_the_limit_are_shed_at_once_with_a_clear_503() -> None:
    gate = Gate()
    limited = ConcurrencyLimitMiddleware(gate, max_requests=3, max_streams=2)
    answers: list[httpx2.Response] = []
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=limited), base_url="http://127.0.0.1"
    ) as http:

        async def post() -> None:
            answers.append(await http.post("/mcp", json=PING))

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(post)
            await until(lambda: gate.inside == 3)
            shed = await http.post("/mcp", json=PING)  # a fourth, while three are in progress
            assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
            body = shed.json()
            assert body["error"] == "overloaded" and "limit of 3 requests" in body["message"]
            assert "OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS" in body["message"]
            health = await http.get("/healthz")  # never limited
            assert health.status_code == 200
            assert limited.in_flight() == 3 and limited.in_flight(streams=True) == 0
            gate.open.set()
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert (await http.post("/mcp", json=PING)).status_code == 200  # slots freed
    assert limited.refused == 1 and limited.in_flight() == 0


async def test_event_streams_have_their_own_limit() -> None:
    gate = Gate()
    limited = ConcurrencyLimitMiddleware(gate, max_requests=1, max_streams=2)
    async with (
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=limited), base_url="http://127.0.0.1"
        ) as http,
        anyio.create_task_group() as group,
    ):
        for _ in range(2):
            group.start_soon(http.get, "/sse")
        await until(lambda: gate.inside == 2)
        third = await http.get("/mcp")
        assert third.status_code == 503 and "event streams" in third.json()["message"]
        assert limited.in_flight(streams=True) == 2 and limited.in_flight() == 0
        gate.open.set()


# -- against the console script --------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as running:
        running.keys[KEY_A] = {**DEFAULT_KEY_DATA, "label": "caller A", "limit_remaining": 1}
        running.keys[KEY_B] = {**DEFAULT_KEY_DATA, "label": "caller B", "limit_remaining": 2}
        yield running


@pytest.fixture(scope="module")
def shared_server(
    fake: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("shared"), fake, "--transport", "streamable-http")
    yield server
    stop(server)


async def test_concurrent_callers_each_see_their_own_account(
    shared_server: RunningServer, fake: FakeOpenRouter
) -> None:
    """Three callers at once, many times over: A's key, B's key, and none (the server's key)."""
    expected = {KEY_A: "caller A", KEY_B: "caller B", None: DEFAULT_KEY_DATA["label"]}
    seen: dict[str | None, set[str]] = {key: set() for key in expected}
    rounds = 15

    async def caller(key: str | None) -> None:
        headers = {"X-OpenRouter-Key": key} if key else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{shared_server.base}/mcp", http_client=http)) as c,
        ):
            for _ in range(rounds):
                seen[key].add(ok(await c.call_tool("check_balance", {}))["label"])
                args = {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0}
                ok(await c.call_tool("get_generation_cost", args))

    before = {route: len(fake.requests_to(route)) for route in ("/key", "/generation")}
    async with anyio.create_task_group() as group:
        for key in expected:
            group.start_soon(caller, key)
    assert seen == {key: {label} for key, label in expected.items()}
    for route in ("/key", "/generation"):
        bearers = [r.bearer for r in fake.requests_to(route)[before[route] :]]
        server_key = fake.settings().api_key
        assert server_key is not None
        assert sorted(set(bearers), key=str) == sorted({KEY_A, KEY_B, server_key.reveal()})
        assert bearers.count(KEY_A) == bearers.count(KEY_B) == rounds
    log = shared_server.stderr()
    assert KEY_A not in log and KEY_B not in log and "CALLERA" not in log
    count("tool calls", rounds * 2 * len(expected))


async def test_bodies_over_4_mib_are_refused_and_the_server_keeps_serving(
    shared_server: RunningServer,
) -> None:
    big = json.dumps({**PING, "params": {"padding": "x" * (5 * 1024 * 1024)}})
    async with httpx2.AsyncClient(base_url=shared_server.base, timeout=30) as http:
        refused = await http.post("/mcp", content=big, headers=MCP_ACCEPT)
        assert refused.status_code == 413
        messages = await http.post("/messages/?session_id=0", content=big, headers=MCP_ACCEPT)
        assert messages.status_code == 413
    async with Client(f"{shared_server.base}/mcp") as client:
        ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
    count("tool calls")


async def test_foreign_host_and_origin_are_refused_on_loopback(
    shared_server: RunningServer,
) -> None:
    async with httpx2.AsyncClient(base_url=shared_server.base, timeout=10) as http:
        host = await http.post("/mcp", json=PING, headers={**MCP_ACCEPT, "Host": "evil.example"})
        origin = await http.post(
            "/mcp", json=PING, headers={**MCP_ACCEPT, "Origin": "http://evil.example"}
        )
    assert host.status_code == 421 and origin.status_code == 403


async def test_the_server_sheds_load_beyond_its_limit(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """Two slow calls fill a server started with --max-concurrent-requests 2: a third request is
    answered 503 at once, and once they end the server answers again."""
    server = start(
        tmp_path, fake, "--transport", "streamable-http", "--max-concurrent-requests", "2"
    )
    try:
        before = fake.count("/key")
        fake.script("/key", [Fault.delay(1.5), Fault.delay(1.5)])
        results: list[Any] = []

        async def slow_call() -> None:
            async with Client(f"{server.base}/mcp") as client:
                results.append(ok(await client.call_tool("check_balance", {})))

        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            group.start_soon(slow_call)
            await until(lambda: fake.count("/key") == before + 2)  # both wait on OpenRouter
            async with httpx2.AsyncClient(timeout=5) as http:
                shed = await http.post(f"{server.base}/mcp", json=PING, headers=MCP_ACCEPT)
            assert shed.status_code == 503 and shed.json()["error"] == "overloaded"
            assert shed.headers["retry-after"] == "1"
        assert len(results) == 2
        async with Client(f"{server.base}/mcp") as client:
            ok(await client.call_tool("list_models", {"limit": 1}))
    finally:
        stop(server)
    count("tool calls", 3)


# -- binding beyond loopback -------------------------------------------------------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> tuple[int, str, bool]:
    """``cli.main`` with the server itself replaced: exit status, stderr, whether it would serve."""
    served: list[bool] = []
    monkeypatch.setattr(cli, "serve_http", lambda *_: served.append(True))
    monkeypatch.setattr(cli, "configure_logging", lambda *_: None)
    for name in ("OPENROUTER_PRICING_AUTH_TOKEN", "OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        status = cli.main(["--transport", "streamable-http", *args])
    return status, stderr.getvalue(), bool(served)


def test_binding_beyond_loopback_needs_a_token_or_a_loud_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, err, served = run_cli(monkeypatch, "--host", "0.0.0.0")
    assert status == 2 and not served and "OPENROUTER_PRICING_AUTH_TOKEN" in err
    status, err, served = run_cli(monkeypatch, "--host", "192.0.2.10", "--auth-token", "t0ken")
    assert status == 0 and served and "WARNING" not in err
    status, err, served = run_cli(
        monkeypatch, "--host", "0.0.0.0", OPENROUTER_PRICING_AUTH_TOKEN="from-the-env"
    )
    assert status == 0 and served
    status, err, served = run_cli(monkeypatch, "--host", "0.0.0.0", "--allow-unauthenticated")
    assert status == 0 and served
    assert "WARNING" in err and "WITHOUT authentication" in err
    status, err, served = run_cli(monkeypatch, "--host", "127.0.0.1")
    assert status == 0 and served and err == ""


def test_the_concurrency_limit_is_configurable_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run_cli(monkeypatch, "--max-concurrent-requests", "8")[0] == 0
    status, err, _ = run_cli(monkeypatch, "--max-concurrent-requests", "0")
    assert status == 2 and "--max-concurrent-requests" in err
    status, err, _ = run_cli(monkeypatch, OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS="lots")
    assert status == 2 and "OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS" in err


def test_host_checks_follow_the_bind_address() -> None:
    loopback = transport_security("127.0.0.1")
    assert loopback.enable_dns_rebinding_protection
    assert "127.0.0.1:*" in loopback.allowed_hosts and "evil.example" not in loopback.allowed_hosts
    named = transport_security("10.0.0.5", ["pricing.internal"])
    assert {"10.0.0.5:*", "pricing.internal:*"} <= set(named.allowed_hosts)
    assert transport_security("0.0.0.0").enable_dns_rebinding_protection is False


# -- the tool-call slots (every transport, SSE and stdio included) -----------------------------


async def test_calls_beyond_the_slots_wait_briefly_then_get_a_busy_error(
    fake: FakeOpenRouter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "CALL_SLOT_WAIT_SECONDS", 0.3)
    before = fake.count("/key")
    fake.script("/key", [Fault.delay(1.5)])
    server = build_server(fake.settings(cache_dir=tmp_path, max_concurrent_requests=1))
    async with Client(server) as client, anyio.create_task_group() as group:
        slow: list[Any] = []

        async def hold_the_slot() -> None:
            slow.append(await client.call_tool("check_balance", {}))

        group.start_soon(hold_the_slot)
        await until(lambda: fake.count("/key") > before)  # the slow call holds the one slot
        busy = await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"})
        assert busy.is_error
        assert "busy" in busy.content[0].text and "try again" in busy.content[0].text  # type: ignore[union-attr]
    assert ok(slow[0])
    async with Client(server) as client:  # the slot was given back
        ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
    count("tool calls", 3)
