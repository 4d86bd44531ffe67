"""stdio answers everything it was asked: every request read before the end of input is answered
before the server exits, malformed and oversized lines get JSON-RPC errors, and a cancelled
request is not waited for. The console script on real pipes, against the fake OpenRouter."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fake_openrouter import FakeOpenRouter, fake_openrouter_fixture
from mcp_helpers import CONSOLE_SCRIPT, child_env
from reliability_counts import count, note

__all__ = ["fake_openrouter_fixture"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes only")

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "pipe", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def line(message: Any) -> bytes:
    return json.dumps(message).encode() + b"\n"


def call(request_id: Any, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }


def run(stdin: bytes, fake: FakeOpenRouter | None, tmp: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(CONSOLE_SCRIPT)],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=child_env(fake, tmp),
        check=True,
    )
    return [json.loads(text) for text in done.stdout.decode().splitlines()]


def test_every_request_before_the_end_of_input_is_answered(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    stdin = b"".join(
        [
            line(INIT),
            line(INITIALIZED),
            line({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
            line(call(3, "list_models", {"limit": 1})),
            line(
                call("four", "get_generation_cost", {"generation_id": "gen-x", "wait_seconds": 2})
            ),
        ]
    )
    started = time.monotonic()
    answers = run(stdin, fake_openrouter, tmp_path)
    took = time.monotonic() - started
    assert sorted(str(a["id"]) for a in answers) == ["1", "2", "3", "four"]
    slow = next(a for a in answers if a["id"] == "four")
    assert slow["result"]["isError"] and "gen-x" in slow["result"]["content"][0]["text"]
    note(f"stdio, input closed with a 2 s lookup pending: all 4 answered, exit after {took:.1f} s")
    count("stdio requests answered at end of input", 4)


def test_malformed_lines_get_json_rpc_errors_and_serving_goes_on(tmp_path: Path) -> None:
    stdin = b"".join(
        [
            line(INIT),
            b"this is not json\n",
            b'{"jsonrpc": "2.0", "id": 5, "method": \n',
            line({"hello": "world", "id": 6}),
            line([1, 2]),
            b"[" * 100_000 + b"\n",
            b"\n",
            line({"jsonrpc": "2.0", "id": 7, "method": "ping"}),
        ]
    )
    answers = run(stdin, None, tmp_path)
    errors = [a for a in answers if "error" in a]
    assert [a["error"]["code"] for a in errors] == [-32700, -32700, -32600, -32600, -32700]
    assert [a["id"] for a in errors] == [None, None, 6, None, None]
    assert answers[-1] == {"jsonrpc": "2.0", "id": 7, "result": {}}
    count("stdio malformed lines answered", 5)


def test_a_line_over_64_mib_is_answered_with_a_parse_error(tmp_path: Path) -> None:
    huge = b'{"jsonrpc": "2.0", "id": 8, "method": "ping", "params": {"x": "'
    huge += b"a" * (65 * 2**20) + b'"}}\n'
    answers = run(
        line(INIT) + huge + line({"jsonrpc": "2.0", "id": 9, "method": "ping"}), None, tmp_path
    )
    assert answers[1]["error"]["code"] == -32700 and "64 MiB" in answers[1]["error"]["message"]
    assert answers[2] == {"jsonrpc": "2.0", "id": 9, "result": {}}


def test_a_cancelled_request_is_not_waited_for_at_the_end_of_input(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    slow = call(2, "get_generation_cost", {"generation_id": "gen-y", "wait_seconds": 60})
    cancel = {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": 2, "reason": "changed my mind"},
    }
    started = time.monotonic()
    answers = run(
        line(INIT) + line(INITIALIZED) + line(slow) + line(cancel), fake_openrouter, tmp_path
    )
    assert [a["id"] for a in answers] == [1]  # a cancelled request is never answered
    assert time.monotonic() - started < 30  # and the server did not wait out its 60 s
