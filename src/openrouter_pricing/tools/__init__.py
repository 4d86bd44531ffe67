"""The MCP tools: one module per tool, each validating its arguments, calling the pricing core and
shaping a flat, schema-checked result with a short text summary.

Every tool is read-only and idempotent. ``open_world_hint`` is true for the two tools that ask
OpenRouter about the caller's own account on every call; the catalog tools answer from the held
catalog (fetched at most once per TTL, shared by every call).
"""

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from ..core.text import description_of
from ..state import AppState
from . import check_balance, estimate_cost, get_generation_cost, list_models, recommend_model

# (tool function, title, open world)
TOOLS: tuple[tuple[Callable[..., Any], str, bool], ...] = (
    (list_models.list_models, "List OpenRouter models and prices", False),
    (estimate_cost.estimate_cost, "Estimate the cost of a request", False),
    (check_balance.check_balance, "Check the OpenRouter balance", True),
    (get_generation_cost.get_generation_cost, "Get the real cost of finished requests", True),
    (recommend_model.recommend_model, "Recommend models for a task and budget", False),
)


def register_tools(server: MCPServer[AppState]) -> None:
    """Add every tool to ``server``, with its title and annotations."""
    for function, title, open_world in TOOLS:
        server.add_tool(
            function,
            title=title,
            description=description_of(function.__doc__),
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=True,
                idempotent_hint=True,
                open_world_hint=open_world,
            ),
        )


__all__ = ["TOOLS", "register_tools"]
