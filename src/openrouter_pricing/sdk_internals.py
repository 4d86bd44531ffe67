"""Every place this server reaches past the MCP SDK's public API, in one module.

The SDK (``mcp``, tested with 2.3.x; ``pyproject.toml`` allows only that line) gives no public way
to do these three things, each of which the server needs:

- ``context_parameter``: the name of a tool function's context parameter, to tell the caller's
  arguments from it (``mcp.server.mcpserver.utilities.context_injection.find_context_parameter``).
- ``skip_output_revalidation``: keep a tool's published output schema but not the SDK's per-call
  re-validation of our own output (``MCPServer._tool_manager`` -> ``Tool.fn_metadata
  .output_model``); the tests validate every result against the schema instead.
- ``lowlevel_server``: the low-level ``Server`` that the stdio transport on asyncio pipes runs
  (``MCPServer._lowlevel_server``).
- ``publish_output_schema``: give a tool registered with ``structured_output=False`` the output
  schema the SDK would have derived, read from the file shipped with the package
  (``Tool.fn_metadata.output_schema``): deriving nine schemas costs a fifth of the server's
  start-up (see ``tools.output_schemas``).

- ``skip_header_checks_without_annotations``: on the modern streamable HTTP path the SDK checks
  each ``tools/call``'s ``Mcp-Param-*`` headers against the tool's input schema by walking that
  whole schema twice, on every call (``mcp.server._streamable_http_modern
  .validate_mcp_param_headers``); our schemas carry no ``x-mcp-header`` annotation, so the answer is
  always "nothing to check", yet the walk of ``estimate_cost``'s 30 arguments cost a tenth of a
  call's CPU. The wrapper decides once per schema object whether it carries any annotation and
  calls the SDK's own check only when it does: the same answers, without the repeated walk.

``INTERNALS`` lists each of them as (module, dotted attribute path); ``tests/test_sdk_internals.py``
checks every one against the installed SDK and fails naming the one that moved, so an SDK release
that breaks them fails loudly instead of silently changing behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter

# (importable module, attribute path on it or on an instance of the class named first)
INTERNALS: tuple[tuple[str, str], ...] = (
    ("mcp.server.mcpserver.utilities.context_injection", "find_context_parameter"),
    ("mcp.server.mcpserver", "MCPServer()._tool_manager.get_tool"),
    ("mcp.server.mcpserver.tools.base", "Tool.fn_metadata"),
    ("mcp.server.mcpserver.utilities.func_metadata", "FuncMetadata.output_model"),
    ("mcp.server.mcpserver.utilities.func_metadata", "FuncMetadata.output_schema"),
    ("mcp.server.mcpserver.tools.base", "Tool.output_schema"),
    ("mcp.server._streamable_http_modern", "validate_mcp_param_headers"),
    ("mcp.shared.inbound", "X_MCP_HEADER_KEY"),
    ("mcp.server.mcpserver", "MCPServer()._lowlevel_server.run"),
    ("mcp.server.mcpserver", "MCPServer()._lowlevel_server.create_initialization_options"),
)


def context_parameter(fn: Callable[..., Any]) -> str | None:
    """The name of ``fn``'s context parameter, or None."""
    return find_context_parameter(fn)


def skip_output_revalidation(server: MCPServer[Any], tool_name: str) -> bool:
    """Keep ``tool_name``'s output schema, drop the SDK's re-validation of each result; False when
    the tool is not registered."""
    tool = server._tool_manager.get_tool(tool_name)
    if tool is None:
        return False
    tool.fn_metadata.output_model = None
    return True


def publish_output_schema(server: MCPServer[Any], tool_name: str, schema: dict[str, Any]) -> bool:
    """Publish ``schema`` as ``tool_name``'s output schema; False when it is not registered."""
    tool = server._tool_manager.get_tool(tool_name)
    if tool is None:
        return False
    tool.fn_metadata.output_schema = schema
    return True


_ANNOTATED: dict[int, tuple[Any, bool]] = {}  # id(schema) -> (the schema, carries an annotation)


def _carries_annotation(schema: Any) -> bool:
    """Whether ``schema`` holds the ``x-mcp-header`` key anywhere, decided once per schema object
    (tool schemas live as long as the server; the object is kept, so its id is never reused)."""
    import json

    from mcp.shared.inbound import X_MCP_HEADER_KEY

    held = _ANNOTATED.get(id(schema))
    if held is None or held[0] is not schema:
        held = (schema, f'"{X_MCP_HEADER_KEY}"' in json.dumps(schema))
        if len(_ANNOTATED) < 1024:
            _ANNOTATED[id(schema)] = held
    return held[1]


def skip_header_checks_without_annotations() -> None:
    """Wrap the SDK's per-call ``Mcp-Param-*`` header check (module docstring); idempotent."""
    from mcp.server import _streamable_http_modern as modern

    check = getattr(modern, "validate_mcp_param_headers")  # noqa: B009 - an SDK private name
    if getattr(check, "__wrapped_by_openrouter_pricing__", False):
        return

    def validate(input_schema: Any, arguments: Any, headers: Any) -> Any:
        if not _carries_annotation(input_schema):
            return None  # what the SDK's walk concludes for a schema without annotations
        return check(input_schema, arguments, headers)

    validate.__wrapped_by_openrouter_pricing__ = True  # type: ignore[attr-defined]
    setattr(modern, "validate_mcp_param_headers", validate)  # noqa: B010 - an SDK private name


def lowlevel_server(server: MCPServer[Any]) -> Server[Any]:
    """The low-level server behind ``server`` (what a transport runs)."""
    return server._lowlevel_server


__all__ = [
    "INTERNALS",
    "context_parameter",
    "lowlevel_server",
    "publish_output_schema",
    "skip_header_checks_without_annotations",
    "skip_output_revalidation",
]
