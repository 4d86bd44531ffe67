"""Helpers shared by the MCP-level tests: servers aimed at the fake OpenRouter, result checks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
from mcp.types import CallToolResult, ReadResourceResult, TextContent, TextResourceContents

from fake_openrouter import FakeOpenRouter
from openrouter_pricing.server import build_server

VENV_BIN = Path(sys.executable).parent
CONSOLE_SCRIPT = VENV_BIN / "openrouter-pricing-mcp"
TOOL_NAMES = {
    "list_models",
    "estimate_cost",
    "check_balance",
    "get_generation_cost",
    "recommend_model",
}
OPEN_WORLD = {"check_balance", "get_generation_cost"}


def server_for(fake: FakeOpenRouter, cache_dir: Path, **overrides: Any) -> Any:
    """A server pointed at the fake, with its own cache directory."""
    return build_server(fake.settings(cache_dir=cache_dir, **overrides))


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def resource_json(result: ReadResourceResult) -> Any:
    """The JSON body of a read resource (its first content, which must be text)."""
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    return json.loads(content.text)


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful result, after checking it has a text summary."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert text_of(result).strip()
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    """The message of an isError result: one readable sentence, more than the bare prefix."""
    assert result.is_error
    text = text_of(result)
    assert "Traceback" not in text
    detail = text.split(": ", 1)[1] if text.startswith("Error executing tool") else text
    assert len(detail) > 20, text
    return detail


def dec(value: str) -> Decimal:
    """An exact decimal string from structured output (and a check that it is one)."""
    assert isinstance(value, str)
    assert "e" not in value.lower()
    return Decimal(value)


def child_env(fake: FakeOpenRouter | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server subprocess: the fake's URL and key, a private cache."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cache_dir),
        "OPENROUTER_PRICING_CACHE_DIR": str(cache_dir),
    }
    if fake is not None:
        env["OPENROUTER_BASE_URL"] = fake.base_url
        env["OPENROUTER_API_KEY"] = fake.settings().api_key.reveal()  # type: ignore[union-attr]
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


STARTUP_SECONDS = 20.0


@dataclass
class RunningServer:
    """The console script serving HTTP in a subprocess, its stderr in a file."""

    process: subprocess.Popen[bytes]
    base: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def start(
    tmp: Path, fake: FakeOpenRouter | None, *args: str, env: dict[str, str] | None = None
) -> RunningServer:
    """Start the console script on a free loopback port (``--log-level DEBUG``) and wait for
    ``/healthz``; ``env`` adds to (or overrides) ``child_env``."""
    port = free_port()
    stderr_path = tmp / f"server-{port}.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "--port", str(port), "--log-level", "DEBUG", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**child_env(fake, tmp), **(env or {})},
        )
    server = RunningServer(process, f"http://127.0.0.1:{port}", stderr_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{server.stderr()}")
        try:
            if httpx2.get(f"{server.base}/healthz", timeout=0.5).status_code == 200:
                return server
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the server did not answer /healthz in time:\n{server.stderr()}")


def stop(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
