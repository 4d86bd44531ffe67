"""Every tool's output contract lives in ``tools.outputs``, as a TypedDict, and nothing there is
dead: the schema each tool publishes is the one derived from its TypedDict (same title, same
schema), and every TypedDict in the module is a tool's output or nested in one."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from mcp import Client
from pydantic import TypeAdapter
from typing_extensions import is_typeddict

from mcp_helpers import TOOL_NAMES
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server
from openrouter_pricing.tools import outputs

CONTRACTS: dict[str, Any] = {
    name: value
    for name, value in vars(outputs).items()
    if is_typeddict(value) and value.__module__ == outputs.__name__
}


def nested_contracts(contract: Any) -> set[str]:
    """The TypedDicts ``contract`` holds, at any depth (in lists, dicts, unions, Annotated)."""
    found: set[str] = set()
    pending = list(typing.get_type_hints(contract, include_extras=True).values())
    while pending:
        hint = pending.pop()
        if is_typeddict(hint):
            if hint.__name__ not in found:
                found.add(hint.__name__)
                pending.extend(typing.get_type_hints(hint, include_extras=True).values())
        elif isinstance(hint, types.UnionType) or typing.get_origin(hint) is not None:
            pending.extend(typing.get_args(hint))
    return found


async def published_output_schemas(tmp_path: Path) -> dict[str, dict[str, Any]]:
    settings = Settings(offline=True, cache_dir=tmp_path)
    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    return {tool.name: tool.output_schema or {} for tool in tools}


async def test_every_tool_publishes_the_schema_of_a_contract_in_outputs(tmp_path: Path) -> None:
    schemas = await published_output_schemas(tmp_path)
    assert set(schemas) == TOOL_NAMES
    for name, schema in schemas.items():
        title = schema.get("title")
        assert title in CONTRACTS, f"{name} publishes {title!r}, not a TypedDict in tools.outputs"
        assert schema == TypeAdapter(CONTRACTS[title]).json_schema(), name


async def test_every_contract_in_outputs_is_sent_by_a_tool(tmp_path: Path) -> None:
    schemas = await published_output_schemas(tmp_path)
    top = {schema["title"] for schema in schemas.values()}
    reachable = set(top)
    for title in top:
        reachable |= nested_contracts(CONTRACTS[title])
    assert set(CONTRACTS) - reachable == set(), "contracts no tool sends"
    assert "CatalogBlock" in reachable and len(top) == len(TOOL_NAMES)  # one contract per tool


def test_contracts_are_closed() -> None:
    for name, contract in CONTRACTS.items():
        schema = TypeAdapter(contract).json_schema()
        assert schema.get("additionalProperties") is False, name


def test_the_shipped_schemas_are_the_sdks_own_derivation() -> None:
    """The server publishes the schemas shipped in the package (not derived at every start); they
    must equal what the SDK derives from the TypedDicts today, key order included."""
    import importlib.util
    import json

    from conftest import REPO_ROOT
    from openrouter_pricing.tools.output_schemas import shipped_output_schemas

    spec = importlib.util.spec_from_file_location(
        "build_output_schemas", REPO_ROOT / "scripts" / "build_output_schemas.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    derived = script.derived_output_schemas()
    shipped = shipped_output_schemas()
    assert set(shipped) == set(derived) == TOOL_NAMES
    for name, schema in derived.items():
        assert json.dumps(shipped[name]) == json.dumps(schema), (
            f"{name}'s shipped output schema is stale: run python scripts/build_output_schemas.py"
        )
