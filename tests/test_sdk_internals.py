"""The MCP SDK internals this server relies on (``sdk_internals.INTERNALS``) exist in the installed
SDK: a release that moves one fails here, naming it, before it can change behaviour quietly."""

from __future__ import annotations

import importlib
from importlib.metadata import version
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer

from openrouter_pricing.sdk_internals import (
    INTERNALS,
    context_parameter,
    lowlevel_server,
    publish_output_schema,
    skip_output_revalidation,
)


def _resolve(module_name: str, path: str) -> Any:
    module = importlib.import_module(module_name)
    head, *rest = path.split(".")
    if head.endswith("()"):  # an attribute of an instance of that class
        target: Any = getattr(module, head[:-2])("sdk-internals-check")
    else:
        target = getattr(module, head)
    for name in rest:
        declared: dict[str, Any] = {}  # fields a class declares (pydantic, dataclass, annotated)
        if isinstance(target, type):
            for table in ("model_fields", "__dataclass_fields__", "__annotations__"):
                declared.update(getattr(target, table, None) or {})
        target = declared[name] if name in declared else getattr(target, name)
    return target


@pytest.mark.parametrize(("module", "path"), INTERNALS, ids=[p for _, p in INTERNALS])
def test_each_internal_is_where_the_server_expects_it(module: str, path: str) -> None:
    try:
        _resolve(module, path)
    except (ImportError, AttributeError, KeyError) as exc:
        pytest.fail(
            f"mcp {version('mcp')} moved {module}:{path} ({type(exc).__name__}: {exc}); "
            "update openrouter_pricing/sdk_internals.py and the mcp range in pyproject.toml"
        )


def test_the_helpers_do_what_they_say() -> None:
    server: MCPServer[Any] = MCPServer("check")

    def tool(ctx: Any, x: int) -> dict[str, int]:
        return {"x": x}

    tool.__annotations__["ctx"] = __import__("mcp.server.mcpserver", fromlist=["Context"]).Context
    server.add_tool(tool)
    assert context_parameter(tool) == "ctx"
    registered = server._tool_manager.get_tool("tool")
    assert registered is not None and registered.fn_metadata.output_model is not None
    assert skip_output_revalidation(server, "tool") is True
    assert registered.fn_metadata.output_model is None
    assert registered.fn_metadata.output_schema is not None  # the published schema stays
    assert skip_output_revalidation(server, "no-such-tool") is False
    assert publish_output_schema(server, "tool", {"type": "object", "title": "X"}) is True
    assert registered.output_schema == {"type": "object", "title": "X"}  # what tools/list sends
    assert publish_output_schema(server, "no-such-tool", {}) is False
    assert callable(lowlevel_server(server).run)


def test_the_dependency_range_is_the_tested_line() -> None:
    installed = tuple(int(part) for part in version("mcp").split(".")[:2])
    assert installed == (2, 3), "sdk_internals was checked against mcp 2.3; re-check it first"


def test_header_checks_are_skipped_only_for_schemas_without_annotations() -> None:
    from mcp.server import _streamable_http_modern as modern
    from mcp.shared.inbound import X_MCP_HEADER_KEY

    from openrouter_pricing.sdk_internals import skip_header_checks_without_annotations

    skip_header_checks_without_annotations()
    skip_header_checks_without_annotations()  # idempotent: wrapped once
    validate = getattr(modern, "validate_mcp_param_headers")  # noqa: B009 - an SDK private name
    plain = {"type": "object", "properties": {"region": {"type": "string"}}}
    annotated = {
        "type": "object",
        "properties": {"region": {"type": "string", X_MCP_HEADER_KEY: "Region"}},
    }
    args = {"region": "eu"}
    assert validate(plain, args, {}) is None  # nothing declared: nothing to check
    mismatch = validate(annotated, args, {})  # declared but no header: the SDK's own rejection
    assert mismatch is not None and "missing" in mismatch.message
    assert validate(annotated, args, {"mcp-param-region": "eu"}) is None
