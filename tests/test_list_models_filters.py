"""``list_models`` helps: unknown filter values name close matches, free models can be left out,
and a query lists id and name matches before description-only ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from mcp_helpers import error_text, ok
from openrouter_pricing.core.builtin import load_builtin_catalog
from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import UsageError
from openrouter_pricing.core.filter_terms import check_filter_terms, close_matches
from openrouter_pricing.core.schema import parse_models
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as c:
        yield c


def builtin_catalog() -> Catalog:
    models, _ = parse_models(load_builtin_catalog().raw)
    return Catalog(models)


@pytest.mark.parametrize(
    ("args", "named", "close"),
    [
        ({"supports": ["tool"]}, "supports 'tool'", "tools"),
        ({"supports": ["structured_output"]}, "supports", "structured_outputs"),
        ({"author": "opnai"}, "author 'opnai'", "openai"),
        ({"input_modalities": ["imag"]}, "input_modalities 'imag'", "image"),
        ({"output_modalities": ["txt"]}, "output_modalities 'txt'", "text"),
    ],
)
async def test_an_unknown_filter_value_is_an_error_with_close_matches(
    client: Client, args: dict[str, object], named: str, close: str
) -> None:
    text = error_text(await client.call_tool("list_models", args))
    assert named in text
    assert "close matches:" in text
    assert close in text.split("close matches:")[1]


async def test_known_values_in_any_case_are_accepted(client: Client) -> None:
    out = ok(
        await client.call_tool(
            "list_models", {"author": "OpenAI", "supports": ["TOOLS"], "input_modalities": ["Text"]}
        )
    )
    assert out["total"] > 0
    assert all(row["id"].startswith("openai/") for row in out["models"])


async def test_known_values_that_match_nothing_together_are_an_empty_page(client: Client) -> None:
    result = await client.call_tool("list_models", {"author": "openai", "min_context": 99_000_000})
    out = ok(result)
    assert out["total"] == 0
    assert "No models match" in result.content[0].text  # type: ignore[union-attr]


async def test_exclude_free_leaves_out_every_free_model(client: Client) -> None:
    base = {"output_modalities": [], "limit": 200}
    everyone = ok(await client.call_tool("list_models", base))["total"]
    free = ok(await client.call_tool("list_models", {**base, "free_only": True}))["total"]
    paid = ok(await client.call_tool("list_models", {**base, "exclude_free": True}))
    assert free > 0
    assert paid["total"] == everyone - free
    assert not any(row["is_free"] for row in paid["models"])
    both = {**base, "free_only": True, "exclude_free": True}
    assert "exclude_free" in error_text(await client.call_tool("list_models", both))


async def test_query_lists_id_and_name_matches_first(client: Client) -> None:
    query = "code"
    catalog = builtin_catalog()

    def in_id_or_name(model_id: str) -> bool:
        model = catalog.get(model_id)
        assert model is not None
        return query in model.id.lower() or query in model.name.lower()

    out = ok(
        await client.call_tool(
            "list_models", {"query": query, "output_modalities": [], "limit": 200}
        )
    )
    flags = [in_id_or_name(row["id"]) for row in out["models"]]
    assert any(flags) and not all(flags)  # both kinds are present in the built-in catalog
    first_description_only = flags.index(False)
    assert all(flags[:first_description_only]) and not any(flags[first_description_only:])
    # each group keeps the asked order (name)
    names = [row["name"].lower() for row in out["models"]]
    head, tail = names[:first_description_only], names[first_description_only:]
    assert head == sorted(head) and tail == sorted(tail)


async def test_the_sort_argument_explains_blended_price(client: Client) -> None:
    (tool,) = [t for t in (await client.list_tools()).tools if t.name == "list_models"]
    sort = tool.input_schema["properties"]["sort"]
    assert "blended_price" in sort["description"] and "3" in sort["description"]


def test_close_matches_and_the_full_list_of_few_values() -> None:
    assert close_matches("reasonin", ["reasoning", "tools", "seed"])[0] == "reasoning"
    with pytest.raises(UsageError, match="known values: file, image, text"):
        check_filter_terms(
            {"input_modalities": frozenset({"text", "image", "file"})},
            {"input_modalities": ["video"]},
        )
