"""Media estimates through the console script over streamable HTTP and over stdio, against the
fake OpenRouter serving the hand-written media fixture: the same exact amounts as in memory."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from conftest import FIXTURES
from fake_openrouter import FakeOpenRouter
from mcp_helpers import CONSOLE_SCRIPT, child_env, dec, ok, start, stop

MEDIA = json.loads((FIXTURES / "mini_media.json").read_text())
VIDEO = {"model": "acme/motion-1", "video_seconds": "6", "resolution": "4K", "audio": False}


async def test_video_estimate_over_streamable_http(tmp_path: Path) -> None:
    with FakeOpenRouter(catalog=MEDIA["models"], videos=MEDIA["videos"]) as fake:
        server = start(tmp_path, fake, "--transport", "streamable-http")
        try:
            async with (
                httpx2.AsyncClient() as http,
                Client(streamable_http_client(f"{server.base}/mcp", http_client=http)) as client,
            ):
                out = ok(await client.call_tool("estimate_cost", VIDEO))
        finally:
            stop(server)
        assert dec(out["total_usd"]) == 6 * Decimal("0.35")
        assert fake.count("/videos/models") == 1


async def test_video_estimate_over_stdio(tmp_path: Path) -> None:
    with FakeOpenRouter(catalog=MEDIA["models"], videos=MEDIA["videos"]) as fake:
        params = StdioServerParameters(command=str(CONSOLE_SCRIPT), env=child_env(fake, tmp_path))
        async with Client(params) as client:
            out = ok(await client.call_tool("estimate_cost", VIDEO))
        assert dec(out["total_usd"]) == 6 * Decimal("0.35")
        assert out["line_items"][0]["unit"] == "second"
