"""The asyncio-pipe stdio transport (``stdio_pipes``): framing, the protected stdout, the
restored descriptors, the fallback to the SDK's transport, and the console script on both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from fake_openrouter import FakeOpenRouter, fake_openrouter_fixture
from mcp_helpers import CONSOLE_SCRIPT, TOOL_NAMES, child_env, ok

__all__ = ["fake_openrouter_fixture"]

WORKER = Path(__file__).with_name("stdio_pipes_worker.py")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes only")


def run_worker(stdin: bytes, limit: int = 1 << 20) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(WORKER), str(limit)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=True,
    )


def test_lines_echo_and_stray_output_goes_to_stderr() -> None:
    done = run_worker(b'{"a": 1}\n\xff bad utf-8\nlast line without newline')
    assert done.stdout.decode().splitlines() == [
        'echo:{"a": 1}',
        "echo:\ufffd bad utf-8",  # undecodable bytes replaced, as the SDK's transport does
        "echo:last line without newline",
        "restored",  # fd 1 points at the wire again after the context
    ]
    err = done.stderr.decode()
    assert "usable=True" in err and "stray print" in err and "stray write" in err


def test_a_line_over_the_limit_is_dropped_and_reading_goes_on() -> None:
    long = b"x" * 5000
    done = run_worker(b"first\n" + long + b"\nafter\n" + long + b"y" * 3000, limit=1024)
    lines = done.stdout.decode().splitlines()
    too_long = "echo:<line too long>"
    assert lines == ["echo:first", too_long, "echo:after", too_long, "restored"]


def test_pipes_are_left_blocking_after_exit() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"one line\n")
    os.close(write_end)  # the child reads one line, then the end of input
    try:
        done = subprocess.run(
            [sys.executable, str(WORKER), "1024"], stdin=read_end, capture_output=True,
            timeout=60, check=True,
        )  # fmt: skip
        assert done.stdout == b"echo:one line\nrestored\n"
        assert os.get_blocking(read_end)  # the description is shared with the child
    finally:
        os.close(read_end)


def test_not_usable_on_a_file_or_when_asked_for_the_sdk(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"")
    with source.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-c", PROBE], stdin=stdin, capture_output=True, timeout=60,
            check=True,
        )  # fmt: skip
    assert done.stdout.strip() == b"False"  # stdin is a regular file
    env = {**os.environ, "OPENROUTER_PRICING_STDIO": "sdk"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], input=b"", capture_output=True, timeout=60, env=env,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == b"False"
    done = subprocess.run(
        [sys.executable, "-c", PROBE], input=b"", stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == b"False"  # stdout shared with stderr
    done = subprocess.run(
        [sys.executable, "-c", PROBE], input=b"", capture_output=True, timeout=60, check=True
    )
    assert done.stdout.strip() == b"True"


PROBE = (
    "import asyncio; from openrouter_pricing.stdio_pipes import pipes_usable\n"
    "async def main(): print(pipes_usable())\n"
    "asyncio.run(main())"
)


@pytest.mark.parametrize("transport", ["pipes", "sdk"])
async def test_console_script_serves_on_either_transport(
    transport: str, fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    env = child_env(fake_openrouter, tmp_path)
    if transport == "sdk":
        env["OPENROUTER_PRICING_STDIO"] = "sdk"
    params = StdioServerParameters(command=str(CONSOLE_SCRIPT), args=[], env=env)
    async with Client(params) as client:
        args = {"model": "openai/gpt-4o-mini", "prompt_tokens": 1000, "completion_tokens": 10}
        for n in range(3):
            out = ok(await client.call_tool("estimate_cost", {**args, "requests": n + 1}))
            assert out["requests"] == n + 1 and out["total_usd"]
        text_args = {**args, "prompt_tokens": None, "prompt_text": "word " * 200_000}
        big = ok(await client.call_tool("estimate_cost", text_args))
        assert big["token_count_method"]  # a 1 MB request line crosses the pipe whole


def test_console_script_writing_to_a_file_uses_the_sdk_transport(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "file", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]  # fmt: skip
    answers_path = tmp_path / "answers.jsonl"
    with answers_path.open("wb") as stdout:
        server = subprocess.Popen(
            [str(CONSOLE_SCRIPT)], stdin=subprocess.PIPE, stdout=stdout,
            stderr=subprocess.DEVNULL, env=child_env(fake_openrouter, tmp_path),
        )  # fmt: skip
        assert server.stdin is not None
        try:
            server.stdin.write("".join(json.dumps(r) + "\n" for r in requests).encode())
            server.stdin.flush()
            deadline = time.monotonic() + 30
            while answers_path.read_bytes().count(b"\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            server.stdin.close()
            server.wait(timeout=30)
    answers = [json.loads(line) for line in answers_path.read_bytes().splitlines()]
    assert [a["id"] for a in answers] == [1, 2]
    assert len(answers[1]["result"]["tools"]) == len(TOOL_NAMES)
