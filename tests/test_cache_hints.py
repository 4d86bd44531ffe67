"""Cache lifetimes on the lists and resources, where the protocol version has them."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server


async def test_lists_and_resources_carry_the_catalog_ttl(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path, catalog_ttl_seconds=900)
    async with Client(build_server(settings)) as client:  # negotiates 2026-07-28
        results = [
            await client.list_tools(),
            await client.list_prompts(),
            await client.list_resources(),
            await client.list_resource_templates(),
            await client.read_resource("openrouter://catalog"),
            await client.read_resource("openrouter://models/openai/gpt-4o-mini"),
        ]
    for result in results:
        assert (result.ttl_ms, result.cache_scope) == (900_000, "public"), type(result).__name__


async def test_a_zero_ttl_means_never_cache(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path, catalog_ttl_seconds=0)
    async with Client(build_server(settings)) as client:
        assert (await client.list_tools()).ttl_ms == 0


async def test_older_protocol_versions_get_no_cache_fields(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path, catalog_ttl_seconds=900)
    async with Client(build_server(settings), mode="legacy") as client:
        tools = await client.list_tools()
    assert "ttl_ms" not in tools.model_fields_set
    assert tools.ttl_ms == 0
