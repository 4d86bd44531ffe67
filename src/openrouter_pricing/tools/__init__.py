"""The MCP tools: one module per tool, each validating its arguments, calling the pricing core and
shaping a flat, schema-checked result with a short text summary."""

from mcp.server.mcpserver import MCPServer

from ..state import AppState
from . import check_balance, estimate_cost, get_generation_cost, list_models, recommend_model

TOOL_MODULES = (list_models, estimate_cost, check_balance, get_generation_cost, recommend_model)


def register_tools(server: MCPServer[AppState]) -> None:
    """Add every tool to ``server``."""
    for module in TOOL_MODULES:
        module.register(server)


__all__ = ["register_tools"]
