"""The MCP tools: one module per tool holding its signature (validated arguments) and description,
read at start-up, whose body imports its implementation (``_impl.<tool>``: the one deferred
import, so the core loads on the first call), which calls the pricing core and shapes a flat,
schema-checked result with a short text summary.

Every tool is read-only and idempotent but ``check_budget``, which may hold money.
``open_world_hint`` is true for the tools that ask OpenRouter about the caller's own account on
every call, and for ``compare_providers``, which asks it for a model's endpoints (cached for the
TTL); the catalog tools answer from the held catalog (fetched at most once per TTL, shared by
every call).
"""

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from ..core.text import description_of
from ..sdk_internals import publish_output_schema
from ..state import AppState
from . import (
    check_balance,
    check_budget,
    compare_providers,
    estimate_cost,
    get_generation_cost,
    list_models,
    price_changes,
    recommend_model,
    spend_report,
)
from .output_schemas import shipped_output_schemas

# (tool function, title, open world)
TOOLS: tuple[tuple[Callable[..., Any], str, bool], ...] = (
    (list_models.list_models, "List OpenRouter models and prices", False),
    (estimate_cost.estimate_cost, "Estimate the cost of a request", False),
    (check_balance.check_balance, "Check the OpenRouter balance", True),
    (get_generation_cost.get_generation_cost, "Get the real cost of finished requests", True),
    (recommend_model.recommend_model, "Recommend models for a task and budget", False),
    (check_budget.check_budget, "Check a planned spend against the budgets", True),
    (spend_report.spend_report, "Report spend and possible savings", True),
    (price_changes.price_changes, "List model price changes", False),
    (compare_providers.compare_providers, "Compare a model's provider endpoints", True),
)
# Tools that change state an agent can see (check_budget may hold money): not read-only.
WRITING_TOOLS = frozenset({"check_budget"})


def register_tools(server: MCPServer[AppState]) -> None:
    """Add every tool to ``server``, with its title, annotations and shipped output schema (the
    SDK's own derivation of it, done once ahead of time: ``output_schemas``)."""
    schemas = shipped_output_schemas()
    for function, title, open_world in TOOLS:
        server.add_tool(
            function,
            title=title,
            description=description_of(function.__doc__),
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=function.__name__ not in WRITING_TOOLS,
                idempotent_hint=function.__name__ not in WRITING_TOOLS,
                open_world_hint=open_world,
            ),
            structured_output=False,  # not derived at every start: published from the file
        )
        publish_output_schema(server, function.__name__, schemas[function.__name__])


__all__ = ["TOOLS", "register_tools"]
