"""The text people and agents read: plurals, sentences, descriptions, money, variants, names."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from mcp_helpers import ok, text_of
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.text import description_of, plural
from openrouter_pricing.prompts import choose_model_by_cost
from openrouter_pricing.server import build_server

MINI = Path(__file__).parent / "fixtures" / "mini_models.json"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(catalog_file=MINI, offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as c:
        yield c


def test_plural_forms() -> None:
    assert plural(1, "try") == "1 try"
    assert plural(3, "try") == "3 tries"
    assert plural(1, "request") == "1 request"
    assert plural(0, "model") == "0 models"
    assert plural(2_000, "request") == "2,000 requests"


def test_the_prompt_breaks_sentences_and_counts_right() -> None:
    text = choose_model_by_cost("classify support tickets", "5", "1")
    assert "Task: classify support tickets. The budget is $5 in all." in text
    assert "about 1 request." in text
    assert "about 2,000 requests." in choose_model_by_cost("Summarise.", "", "2000")
    assert "Task: Summarise. " not in choose_model_by_cost("Summarise.", "", "")  # no stray space
    assert "Summarise.." not in choose_model_by_cost("Summarise.", "", "2000")


def test_description_of_drops_the_docstring_layout() -> None:
    doc = """First line of a sentence
    that goes on.

    Second paragraph."""
    assert description_of(doc) == "First line of a sentence that goes on.\n\nSecond paragraph."


async def test_tool_and_prompt_descriptions_carry_no_indentation(client: Client) -> None:
    tools = (await client.list_tools()).tools
    prompts = (await client.list_prompts()).prompts
    descriptions = [t.description or "" for t in tools] + [p.description or "" for p in prompts]
    assert len(descriptions) >= 6
    for description in descriptions:
        assert description.strip() == description and description
        assert "\n " not in description and "  " not in description, description[:80]


async def test_a_table_shows_big_prices_exactly_with_thousands_separated(tmp_path: Path) -> None:
    body = json.loads(MINI.read_text())
    model = body["data"][0]
    model["pricing"] = {"prompt": "0.0123456789", "completion": "0.000002"}
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"data": [model]}))
    settings = Settings(catalog_file=path, offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as c:
        result = await c.call_tool("list_models", {})
    ok(result)
    text = text_of(result)
    assert "$12,345.6789" in text and "$2 " in text + " "
    assert "about" not in text.split("Catalog:")[0]


@pytest.mark.parametrize("variant", ["online", "nitro"])
async def test_the_routing_variant_stays_in_the_text_header(client: Client, variant: str) -> None:
    result = await client.call_tool(
        "estimate_cost", {"model": f"openai/gpt-4o-mini:{variant}", "prompt_tokens": 1000}
    )
    out = ok(result)
    assert out["variant"] == variant
    assert text_of(result).startswith(f"openai/gpt-4o-mini:{variant}")


async def test_the_model_resource_names_fields_as_the_tools_do(client: Client) -> None:
    resource = await client.read_resource("openrouter://models/openai/gpt-4o-mini")
    document = json.loads(resource.contents[0].text)  # type: ignore[union-attr]
    listed = ok(await client.call_tool("list_models", {"query": "gpt-4o-mini"}))["models"][0]
    prices = document["prices"]
    assert prices["cache_read_per_m"] == listed["cache_read_per_m"] is not None
    assert not any(key.startswith(("input_cache", "internal_")) for key in prices)
