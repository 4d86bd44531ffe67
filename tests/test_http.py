"""The console script over HTTP: streamable HTTP (both protocol eras), SSE, health, auth, keys."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from fake_openrouter import MANAGEMENT_KEY, TEST_KEY, FakeOpenRouter
from mcp_helpers import CONSOLE_SCRIPT, TOOL_NAMES, RunningServer, child_env, ok, start, stop
from openrouter_pricing import __version__

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as running:
        yield running


@pytest.fixture(scope="module")
def http_server(
    fake: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start(
        tmp_path_factory.mktemp("http"),
        fake,
        "--transport",
        "streamable-http",
        "--auth-token",
        TOKEN,
    )
    yield server
    stop(server)


@pytest.fixture(scope="module")
def sse_server(
    fake: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("sse"), fake, "--transport", "sse")
    yield server
    stop(server)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_streamable_http_both_eras(http_server: RunningServer, mode: str) -> None:
    async with (
        httpx2.AsyncClient(headers=AUTH) as http,
        Client(
            streamable_http_client(f"{http_server.base}/mcp", http_client=http), mode=mode
        ) as client,
    ):
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        assert {t.name for t in (await client.list_tools()).tools} == TOOL_NAMES
        out = ok(
            await client.call_tool(
                "estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_tokens": 1000}
            )
        )
        assert out["total_usd"] == "0.00015"
        balance = ok(await client.call_tool("check_balance", {}))
        assert balance["account"] is None  # the server's own key is not a management key


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_caller_key_header_is_used_and_never_logged(
    http_server: RunningServer, fake: FakeOpenRouter, mode: str
) -> None:
    headers = {**AUTH, "X-OpenRouter-Key": MANAGEMENT_KEY}
    before = len(fake.requests_to("/key"))
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(
            streamable_http_client(f"{http_server.base}/mcp", http_client=http), mode=mode
        ) as client,
    ):
        out = ok(await client.call_tool("check_balance", {}))
    assert out["account"] is not None and out["free_model_daily_limit"] == 1000
    assert [r.bearer for r in fake.requests_to("/key")[before:]] == [MANAGEMENT_KEY]
    log = http_server.stderr()
    assert MANAGEMENT_KEY not in log and TEST_KEY not in log and TOKEN not in log


async def test_auth_token_required_except_health(http_server: RunningServer) -> None:
    async with httpx2.AsyncClient(base_url=http_server.base, timeout=5) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert {k: health.json()[k] for k in ("status", "version")} == {
            "status": "ok",
            "version": __version__,
        }
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            for method, path in (("POST", "/mcp"), ("GET", "/sse"), ("POST", "/messages/")):
                answer = await http.request(method, path, headers=headers, json=body)
                assert answer.status_code == 401, (method, path, headers)
                assert answer.json()["error"] == "unauthorized"
                assert answer.headers["www-authenticate"].startswith("Bearer")
        accepted = await http.post(
            "/mcp", headers={**AUTH, "Accept": "application/json, text/event-stream"}, json=body
        )
        assert accepted.status_code != 401


async def test_sse_transport_and_same_port_streamable(sse_server: RunningServer) -> None:
    async with Client(sse_client(f"{sse_server.base}/sse"), mode="legacy") as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOL_NAMES
        out = ok(await client.call_tool("list_models", {"limit": 3}))
        assert len(out["models"]) == 3 and out["catalog"]["source"] == "live"
    async with Client(f"{sse_server.base}/mcp") as client:  # one app serves both transports
        assert ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))


async def test_dns_rebinding_protection_on_loopback(sse_server: RunningServer) -> None:
    async with httpx2.AsyncClient(base_url=sse_server.base, timeout=5) as http:
        foreign = await http.post(
            "/mcp",
            headers={"Host": "evil.example:80", "Accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
        assert foreign.status_code == 421


def test_non_loopback_without_token_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "--transport", "streamable-http", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
        env=child_env(None, tmp_path),
        check=False,
    )
    assert result.returncode != 0
    assert "OPENROUTER_PRICING_AUTH_TOKEN" in result.stderr
