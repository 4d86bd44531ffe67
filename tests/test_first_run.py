"""A person's first run in a terminal: the stdio hint, a busy port, a --catalog-file's true age,
and results that say when (and why) the live fetch failed."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from mcp import Client

from mcp_helpers import CONSOLE_SCRIPT, child_env, ok, text_of
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server

MINI = Path(__file__).parent / "fixtures" / "mini_models.json"


def newest_created(path: Path) -> datetime:
    data = json.loads(path.read_text())["data"]
    return datetime.fromtimestamp(max(m["created"] for m in data if m.get("created")), UTC)


def test_a_terminal_on_stdin_gets_a_short_hint_and_ctrl_c_stops(tmp_path: Path) -> None:
    master, replica = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "--offline"],
            stdin=replica,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(None, tmp_path),
        )
        deadline = time.monotonic() + 20
        first = b""
        assert process.stderr is not None
        while b"\n" not in first and time.monotonic() < deadline:
            first += os.read(process.stderr.fileno(), 4096)
        process.send_signal(signal.SIGINT)
        out, rest = process.communicate(timeout=20)
    finally:
        os.close(master)
        os.close(replica)
    hint = (first + rest).decode().strip().splitlines()
    assert 1 <= len(hint) <= 2, hint
    assert "MCP over stdio" in hint[0] and "Ctrl-C" in hint[0]
    assert '"command": "openrouter-pricing-mcp"' in hint[-1] and "--help" in hint[-1]
    assert out == b""  # stdout is the protocol channel: never a word there
    assert process.returncode == 128 + signal.SIGINT


def test_a_host_on_stdin_gets_no_hint(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(CONSOLE_SCRIPT), "--offline"],
        input=b"",
        capture_output=True,
        env=child_env(None, tmp_path),
        timeout=30,
        check=False,
    )
    assert b"MCP over stdio" not in done.stderr
    assert done.stdout == b""


def test_a_port_in_use_is_one_clear_error_before_any_serving_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [str(CONSOLE_SCRIPT), "--transport", "streamable-http", "--port", str(port)],
            capture_output=True,
            text=True,
            env=child_env(None, tmp_path),
            timeout=30,
            check=False,
        )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {port}" in lines[0] and "already in use" in lines[0] and "--port" in lines[0]
    assert "http://" not in done.stderr


async def test_a_catalog_file_is_dated_by_its_newest_model_not_its_mtime(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    shutil.copy(MINI, path)  # a fresh copy: its mtime says "now"
    settings = Settings(catalog_file=path, offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("list_models", {"limit": 1})
    catalog = ok(result)["catalog"]
    assert catalog["source"] == "file"
    assert catalog["fetched_at"] == newest_created(MINI).isoformat().replace("+00:00", "Z")
    assert catalog["stale"] is True
    text = text_of(result)
    assert "the newest model in the file" in text
    assert f"as of {newest_created(MINI).date().isoformat()}" in text


async def test_catalog_date_overrides_the_date_read_from_the_data(tmp_path: Path) -> None:
    given = datetime(2026, 3, 4, tzinfo=UTC)
    settings = Settings(catalog_file=MINI, catalog_date=given, offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("list_models", {"limit": 1})
    assert ok(result)["catalog"]["fetched_at"] == "2026-03-04T00:00:00Z"
    assert "as of 2026-03-04 (dated by --catalog-date" in text_of(result)


def test_catalog_date_is_checked_on_the_command_line(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CONSOLE_SCRIPT), *args],
            capture_output=True,
            text=True,
            env=child_env(None, tmp_path),
            timeout=30,
            check=False,
        )

    bad = run("--catalog-file", str(MINI), "--catalog-date", "last tuesday")
    assert bad.returncode == 2 and "--catalog-date must be a date" in bad.stderr
    alone = run("--catalog-date", "2026-03-04")
    assert alone.returncode == 2 and "--catalog-file" in alone.stderr


async def test_a_failed_live_fetch_is_named_in_the_results(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = Settings(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        cache_dir=tmp_path,
        max_retries=0,
        connect_timeout_seconds=2,
        catalog_fetch_timeout_seconds=5,
    )
    async with Client(build_server(settings)) as client:
        listed = await client.call_tool("list_models", {"limit": 1})
        estimate = await client.call_tool(
            "estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_tokens": 10}
        )
    catalog = ok(listed)["catalog"]
    assert catalog["source"] == "builtin"
    assert catalog["live_fetch_error"]
    assert "api key" not in catalog["live_fetch_error"].lower()
    for result in (listed, estimate):
        text = text_of(result)
        assert "live fetch from OpenRouter failed" in text and "built-in catalog" in text
    assert ok(estimate)["catalog"]["live_fetch_error"] == catalog["live_fetch_error"]


async def test_a_working_live_fetch_carries_no_failure(tmp_path: Path) -> None:
    settings = Settings(catalog_file=MINI, offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as client:
        catalog = ok(await client.call_tool("list_models", {"limit": 1}))["catalog"]
    assert "live_fetch_error" not in catalog
