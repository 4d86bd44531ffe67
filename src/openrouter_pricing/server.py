"""The MCP server: the tools, resources and prompt of openrouter-pricing-mcp on one ``MCPServer``.

Decisions:
- ``build_server`` does no I/O. The lifespan opens the process's ``Runtime`` (one OpenRouter client,
  one catalog store) without touching the network, so ``initialize`` and ``tools/list`` answer at
  the SDK's speed; the catalog loads on the first call that needs prices.
- The HTTP app (``http_app``) passes its own ``Runtime`` in and opens it once for the process; the
  lifespan then shares it (see ``state.Runtime``).
- The version comes from the installed package's metadata.
- Over stdio the server reads and writes the pipes on the event loop (``stdio_pipes``): the SDK's
  transport hands every line to a worker thread and back.
- The server is a ``GuardedServer`` (``tools.guard``): every tool call is checked, bounded and
  translated there, so no input and no bug reaches an agent as a bare "Error executing tool X".
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal, cast

from mcp.server.mcpserver import MCPServer

from . import __version__
from .cache_hints import cache_hints
from .core.settings import Settings
from .prompts import register_prompts
from .resources import register_resources
from .sdk_internals import lowlevel_server
from .state import AppState, Runtime
from .tools import register_tools
from .tools.guard import GuardedServer

SERVER_NAME = "openrouter-pricing"
STDIO_DRAIN_MARGIN = 5.0  # at the end of stdin, answers still due are awaited this long past a call
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

INSTRUCTIONS = """\
Exact OpenRouter prices for reasoning about money before, during and after LLM calls.
- list_models: find model ids and compare prices (filters, sort, paging).
- estimate_cost: the exact cost of a request or a batch before sending it (line items, warnings).
- recommend_model: the best models for a task within capabilities and budget, ranked with reasons.
- check_balance: what the API key may still spend (needs a key).
- get_generation_cost: what finished requests really cost, by generation id (needs a key); records
  them in the spend ledger with your tags.
- check_budget: may a planned spend go ahead under the operator's budgets, the key's limit and the
  account's credits; reserve=true holds it. spend_report: where the money went, and savings.
  price_changes: model prices that changed.
Money is USD as exact decimal strings ("0.0105"), never rounded; per-token prices are per million
tokens in fields ending _per_m, per-unit prices in fields ending _usd. Results built from the
catalog carry a "catalog" block (source live/cache/file/builtin, age, stale): mention stale prices.
Resources: openrouter://catalog (summary), openrouter://models/{id} (one model's full price sheet).
"""


class PricingServer(GuardedServer):
    """The guarded server, serving stdio on asyncio pipes where it can (see ``stdio_pipes``)."""

    call_timeout_seconds = Settings.call_timeout_seconds  # set from the settings it serves

    async def run_stdio_async(self) -> None:
        from .stdio_pipes import serve_stdio

        lowlevel = lowlevel_server(self)

        async def run(read_stream: Any, write_stream: Any) -> None:
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())

        await serve_stdio(run, drain_seconds=self.call_timeout_seconds + STDIO_DRAIN_MARGIN)


def build_server(settings: Settings, *, runtime: Runtime | None = None) -> MCPServer[AppState]:
    """The server with every tool, resource and prompt; ``runtime`` holds its shared state."""
    runtime = runtime if runtime is not None else Runtime(settings)

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with runtime.open() as state:
            yield state

    level = settings.log_level.upper()
    log_level = cast(
        LogLevel, level if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "WARNING"
    )
    server = PricingServer(
        SERVER_NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        log_level=log_level,
        cache_hints=cache_hints(settings),
    )
    server.call_timeout_seconds = settings.call_timeout_seconds
    register_tools(server)
    register_resources(server, runtime)
    register_prompts(server)
    return server


__all__ = ["SERVER_NAME", "build_server"]
