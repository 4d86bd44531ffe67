"""The console script as a stdio subprocess: the way Claude Desktop, Cursor and VS Code run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

from fake_openrouter import DEFAULT_GENERATION_ID, FakeOpenRouter, fake_openrouter_fixture
from mcp_helpers import CONSOLE_SCRIPT, OPEN_WORLD, TOOL_NAMES, child_env, error_text, ok
from openrouter_pricing import __version__

__all__ = ["fake_openrouter_fixture"]

CALLS: dict[str, dict[str, Any]] = {
    "list_models": {"limit": 2},
    "estimate_cost": {"model": "openai/gpt-4o-mini", "prompt_tokens": 1000},
    "check_balance": {},
    "get_generation_cost": {"generation_id": DEFAULT_GENERATION_ID},
    "recommend_model": {"task": "classify support tickets"},
}


async def test_stdio_lists_and_calls_every_tool(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=str(CONSOLE_SCRIPT), args=[], env=child_env(fake_openrouter, tmp_path)
    )
    async with Client(params) as client:
        assert client.server_info is not None
        assert client.server_info.name == "openrouter-pricing"
        assert client.server_info.version == __version__
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == TOOL_NAMES
        for tool in tools:
            assert tool.output_schema and tool.annotations and tool.title
            assert tool.annotations.open_world_hint is (tool.name in OPEN_WORLD)
        assert fake_openrouter.requests == []  # nothing fetched before a call needs it
        for name, args in CALLS.items():
            ok(await client.call_tool(name, args))
        estimate = ok(await client.call_tool("estimate_cost", CALLS["estimate_cost"]))
        assert estimate["total_usd"] == "0.00015" and estimate["catalog"]["source"] == "live"
        assert error_text(await client.call_tool("estimate_cost", {"model": "no/such-model"}))
    assert fake_openrouter.count("/models") == 1


async def test_stdio_offline_uses_the_builtin_catalog(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "openrouter_pricing", "--offline"],
        env=child_env(fake_openrouter, tmp_path),
    )
    async with Client(params, mode="legacy") as client:
        out = ok(await client.call_tool("estimate_cost", CALLS["estimate_cost"]))
        assert out["catalog"]["source"] == "builtin" and out["catalog"]["model_count"] > 100
        assert out["total_usd"] == "0.00015"
        assert "offline" in error_text(await client.call_tool("check_balance", {}))
        floor = {"model": "openai/gpt-4o-mini:floor", "prompt_tokens": 1000}
        floored = ok(await client.call_tool("estimate_cost", floor))
        assert floored["total_usd"] == "0.00015" and floored["endpoint"] is None
        assert any("listed price" in w for w in floored["warnings"])
        assert ok(await client.call_tool("list_models", {"limit": 1}))["total"] > 100
    assert fake_openrouter.requests == []


def test_cli_version_help_and_bad_settings(tmp_path: Path) -> None:
    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CONSOLE_SCRIPT), *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=child_env(None, tmp_path, **env),
            check=False,
        )

    version = run("--version")
    assert version.returncode == 0 and __version__ in version.stdout
    help_ = run("--help")
    assert help_.returncode == 0 and "--transport" in help_.stdout and "--offline" in help_.stdout
    bad_ttl = run(OPENROUTER_PRICING_CATALOG_TTL="soon")
    assert bad_ttl.returncode == 2 and "OPENROUTER_PRICING_CATALOG_TTL" in bad_ttl.stderr
    missing = run("--catalog-file", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "nope.json" in missing.stderr
