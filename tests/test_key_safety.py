"""The API key never shows: not in a tool result, an error, a log line at any level, a cache file
or an object's repr, whatever the caller sends and whatever OpenRouter echoes back.

Recognisable keys (``CANARY`` for the server, ``CALLER_CANARY`` for a caller's X-OpenRouter-Key,
``TOKEN_CANARY`` for the bearer token) go through every tool and every error path: OpenRouter
echoing the key in error messages and in data (the /key label, a generation field), the caller
pasting the key as a model id, generation id, provider, capability, argument name, argument
value or tool name, failures of every kind, a crash inside a tool. Then everything is scanned for
any 16-character piece of a key (so a clipped copy counts too).

In memory, the logs are scanned as the code writes them (no filter); over HTTP, the console
script's stderr at DEBUG (with its scrubbing filter, as it runs in production).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from fake_openrouter import (
    DEFAULT_GENERATION_DATA,
    DEFAULT_GENERATION_ID,
    DEFAULT_KEY_DATA,
    FakeOpenRouter,
    Fault,
)
from mcp_helpers import start, stop
from openrouter_pricing.cli import SecretFilter
from openrouter_pricing.core.settings import Secret
from openrouter_pricing.server import build_server
from openrouter_pricing.state import Runtime
from openrouter_pricing.tools._impl import list_models as list_models_module
from reliability_counts import count

CANARY = "sk-or-v1-CANARY0000-" + "c0ffee" * 9
CALLER_CANARY = "sk-or-v1-CALLER0000-" + "beef00" * 9
TOKEN_CANARY = "tok-CANARY-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
LLAMA = "meta-llama/llama-3.3-70b-instruct"
WINDOW = 16


def echo(key: str) -> str:
    return f"Invalid credentials: {key} (echoed by upstream)"


def leaks(text: str, *secrets: str) -> list[str]:
    """Every 16-character piece of a secret found in ``text``."""
    return [
        secret[i : i + WINDOW]
        for secret in secrets
        for i in range(len(secret) - WINDOW + 1)
        if secret[i : i + WINDOW] in text
    ]


def assert_clean(where: str, text: str, *secrets: str) -> None:
    found = leaks(text, *secrets)
    assert not found, f"a key shows in {where}: {found[:3]} in ...{text[:300]}"


def scan_files(root: Path, pattern: str, *secrets: str) -> int:
    """Scan every file under ``root`` matching ``pattern``; how many there were."""
    files = [p for p in root.rglob(pattern) if p.is_file()]
    for path in files:
        assert_clean(f"the file {path.name}", path.read_bytes().decode("latin-1"), *secrets)
    return len(files)


def result_text(result: CallToolResult) -> str:
    return json.dumps(result.model_dump(mode="json"))


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as running:
        for key in (CANARY, CALLER_CANARY):
            running.keys[key] = {**DEFAULT_KEY_DATA, "label": f"key {key}"}  # echoed in data
            running.management_keys.add(key)
        running.add_generation(
            {**DEFAULT_GENERATION_DATA, "id": "gen-echo-1", "provider_name": f"echo {CANARY}"}
        )
        yield running


def calls(
    key: str, *, as_tool_name: bool = True, quick: bool = True
) -> list[tuple[str, dict[str, Any], dict[str, list[Fault]]]]:
    """Every tool, on its happy path and its error paths, with ``key`` pasted and echoed; with
    ``as_tool_name``, also called as a tool (the SDK logs the name it was asked for as it came,
    so that case needs the console script's log filter); with ``quick`` (short timeouts), also a
    hanging OpenRouter."""
    status = Fault.status
    return [
        ("list_models", {"limit": 3}, {}),
        ("list_models", {"query": key, "author": key, "supports": [key]}, {}),
        ("list_models", {key: 1}, {}),
        ("estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_tokens": 10}, {}),
        ("estimate_cost", {"model": key}, {}),
        ("estimate_cost", {"model": f"openai/{key}:floor"}, {}),
        ("estimate_cost", {"model": LLAMA, "provider": key}, {}),
        ("estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_tokens": key}, {}),
        ("estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_text": key}, {}),
        ("estimate_cost", {"model": "openai/gpt-4o-mini", "at": key}, {}),
        (
            "estimate_cost",
            {"model": f"{LLAMA}:floor", "prompt_tokens": 5},
            {f"/models/{LLAMA}/endpoints": [status(400, echo(key))]},
        ),
        ("check_balance", {}, {}),
        ("check_balance", {"api_key": key}, {}),
        ("check_balance", {}, {"/key": [status(401, echo(key))]}),
        ("check_balance", {}, {"/key": [status(403, echo(key))]}),
        ("check_balance", {}, {"/credits": [status(429, echo(key))] * 3}),
        *([("check_balance", {}, {"/key": [status(500, echo(key))] * 2})] if quick else []),
        ("check_balance", {}, {"/key": [Fault.response(200, {"data": f"wrong {key}"})]}),
        ("check_balance", {}, {"/key": [Fault.response(200, f"<html>{key}</html>".encode())]}),
        *([("check_balance", {}, {"/key": [Fault.hang()] * 2})] if quick else []),
        ("get_generation_cost", {"generation_id": DEFAULT_GENERATION_ID}, {}),
        ("get_generation_cost", {"generation_id": "gen-echo-1"}, {}),
        (
            "get_generation_cost",
            {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0},
            {"/generation": [status(402, echo(key))]},
        ),
        (
            "get_generation_cost",
            {"generation_id": "gen-never", "wait_seconds": 0},
            {"/generation": [status(404, echo(key))]},
        ),
        ("get_generation_cost", {"generation_id": key, "wait_seconds": 0}, {}),
        ("get_generation_cost", {"generation_id": [key, "gen-echo-1"], "wait_seconds": 0}, {}),
        ("recommend_model", {"task": key, "required_capabilities": [key]}, {}),
        ("recommend_model", {"include_authors": [key], "exclude_authors": [key]}, {}),
        *([(key, {}, {})] if as_tool_name else []),
    ]


async def run_calls(
    client: Client, fake: FakeOpenRouter, key: str, *, as_tool_name: bool = True, quick: bool = True
) -> list[str]:
    texts = []
    for tool, args, scripts in calls(key, as_tool_name=as_tool_name, quick=quick):
        for route, faults in scripts.items():
            fake.script(route, faults)
        texts.append(result_text(await client.call_tool(tool, args)))
        fake.clear_scripts()
    count("tool calls", len(texts))
    count("key-safety paths", len(texts))
    return texts


def quick_settings(fake: FakeOpenRouter, cache_dir: Path, **overrides: Any) -> Any:
    return fake.settings(
        api_key=Secret(CANARY),
        cache_dir=cache_dir,
        read_timeout_seconds=0.3,
        max_retries=1,
        max_retry_wait_seconds=0.6,
        **overrides,
    )


async def test_in_memory_every_tool_and_error_path(
    fake: FakeOpenRouter,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script("/models", [Fault.status(503, echo(CANARY))] * 2)  # the cold fetch fails first
    settings = quick_settings(fake, tmp_path / "cache")
    runtime = Runtime(settings)
    texts: list[str] = []
    async with Client(build_server(settings, runtime=runtime)) as client:
        texts += await run_calls(client, fake, CANARY, as_tool_name=False)
        assert runtime.state is not None
        await runtime.state.store.refresh_now()  # a live catalog, written to the cache
        texts += await run_calls(client, fake, CANARY, as_tool_name=False)

        def crash(*_: Any) -> Any:
            raise RuntimeError(f"a crash that quotes the key {CANARY}")

        monkeypatch.setattr(list_models_module, "model_row", crash)
        # no cached rows either, so the next page builds one (and crashes)
        monkeypatch.setattr(list_models_module, "_ROWS", weakref.WeakKeyDictionary())
        crashed = await client.call_tool("list_models", {"limit": 1})
        assert crashed.is_error and "internal error" in result_text(crashed)
        texts.append(result_text(crashed))
        held = [repr(runtime.state), repr(settings), str(settings.api_key), repr(runtime)]
    assert "RuntimeError" in caplog.text  # the crash was logged ...
    for text in texts:
        assert_clean("a tool result", text, CANARY)
    assert_clean("the logs", caplog.text, CANARY)  # ... with the key scrubbed out
    for record in caplog.records:
        assert_clean("a log record", record.getMessage(), CANARY)
    for text in held:
        assert_clean("a repr", text, CANARY)
    assert scan_files(tmp_path / "cache", "*", CANARY)
    assert fake.count("/key") > 0 and all(r.bearer == CANARY for r in fake.requests_to("/key"))


async def test_a_key_in_a_resource_uri_is_scrubbed_from_the_error_and_the_log(
    fake: FakeOpenRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(SecretFilter([Secret(CANARY)]))  # as cli.configure_logging does
    async with Client(build_server(quick_settings(fake, tmp_path))) as client:
        for uri in (f"openrouter://models/{CANARY}", f"openrouter://models/openai/{CANARY}:x"):
            with pytest.raises(Exception) as caught:
                await client.read_resource(uri)
            assert "Unknown model" in str(caught.value) or "variant" in str(caught.value)
            message = getattr(getattr(caught.value, "error", None), "message", str(caught.value))
            assert_clean("a resource error", message, CANARY)
    assert_clean("the logs", caplog.text, CANARY)


def test_the_log_filter_scrubs_messages_arguments_and_tracebacks() -> None:
    records = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(SecretFilter([Secret(CANARY), Secret(TOKEN_CANARY), None]))
    logger = logging.getLogger("test_key_safety.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("key %s and token %s", CANARY, TOKEN_CANARY)
        logger.warning("clipped %s...", CANARY[:40])
        try:
            raise ValueError(f"bad {CANARY}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 3 and "ValueError" in records[2]
    for text in records:
        assert_clean("a filtered log line", text, CANARY, TOKEN_CANARY)


async def test_over_http_with_the_server_key_a_caller_key_and_a_token(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    """The console script as deployed: its stderr at DEBUG, its cache, every result."""
    server = start(
        tmp_path,
        fake,
        "--transport",
        "streamable-http",
        env={"OPENROUTER_API_KEY": CANARY, "OPENROUTER_PRICING_AUTH_TOKEN": TOKEN_CANARY},
    )
    texts: list[str] = []
    try:
        for caller in (None, CALLER_CANARY):
            headers = {"Authorization": f"Bearer {TOKEN_CANARY}"}
            if caller:
                headers["X-OpenRouter-Key"] = caller
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30) as http,
                Client(streamable_http_client(f"{server.base}/mcp", http_client=http)) as client,
            ):
                for key in (CANARY, CALLER_CANARY):
                    texts += await run_calls(client, fake, key, quick=False)
                for uri in (f"openrouter://models/{CANARY}", f"openrouter://models/{caller}"):
                    with pytest.raises(Exception) as caught:
                        await client.read_resource(uri)
                    texts.append(str(caught.value))
    finally:
        stop(server)
    bearers = {r.bearer for r in fake.requests_to("/key")}
    assert bearers == {CANARY, CALLER_CANARY}  # each call used the key it was meant to
    secrets = (CANARY, CALLER_CANARY, TOKEN_CANARY)
    for text in texts:
        assert_clean("a result over HTTP", text, *secrets)
    log = server.stderr()
    assert "DEBUG" in log and "GET /key" in log  # the server did log, at every level
    assert_clean("the server's stderr", log, *secrets)
    scan_files(tmp_path, "catalog-*.json", *secrets)
