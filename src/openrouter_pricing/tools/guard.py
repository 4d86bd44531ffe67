"""The guard around every tool call: whatever arrives, the agent gets a result or one sentence.

Decisions:
- ``GuardedServer`` is an ``MCPServer`` whose ``call_tool`` (the SDK routes every ``tools/call``
  through it, over every transport) checks, bounds and translates; the tools themselves stay
  plain functions.
- An argument the tool does not have is an error naming it, the closest real name and the tool's
  arguments: silently ignored, a misspelt ``prompt_token`` would price a prompt of 0 tokens.
- Arguments that fail the input schema are reported per argument, in one short line each
  ("prompt_tokens: Input should be greater than or equal to 0 (got -1)"), with the caller's value
  clipped, instead of pydantic's multi-line report.
- Anything unexpected (a bug) never reaches the agent as the SDK's bare "Error executing tool X":
  the traceback goes to the log (stderr, scrubbed of keys) and the agent reads what happened and
  what to do. A ``PricingError`` that a tool forgot to translate still carries its own sentence.
- Every message is scrubbed of the server's API key and of the caller's ``X-OpenRouter-Key``
  (whole or clipped), and so are the results of the tools that read OpenRouter with a key.
- Results are not validated a second time: every tool builds its structured output from typed
  models and publishes their schema, and the SDK would re-validate that output on every call (a
  cost in proportion to its size, a fifth of a ``list_models`` call). The tests check every
  result they receive against the published ``outputSchema`` instead (the SDK client does).
- At most ``max_concurrent_requests`` calls run at once per process (over every transport,
  including SSE, whose POSTs return before the call runs); a call that finds no free slot within
  ``CALL_SLOT_WAIT_SECONDS`` is refused with a clear "busy, retry" error instead of piling up.
- Every call has one deadline and can be cancelled by the HTTP layer when its caller leaves
  (``call_control``); either way it releases its slot at once.
"""

import difflib
import inspect
import json
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import anyio
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ToolError,
    UnexpectedResourceError,
    UnexpectedToolError,
)
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import AnyUrl, ValidationError

from ..core.errors import PricingError
from ..core.settings import Secret, Settings, scrub_secrets
from ..core.text import plural
from ..sdk_internals import context_parameter, skip_output_revalidation
from ..state import AppState
from .call_control import blank_caller_key, call_key, registered
from .common import caller_key

logger = logging.getLogger(__name__)

CALL_SLOT_WAIT_SECONDS = 10.0
MAX_REPORTED_PROBLEMS = 5
VALUE_CLIP = 60


def argument_names(fn: Callable[..., Any]) -> frozenset[str]:
    """The names a tool function accepts from the caller (its context parameter excluded)."""
    context = context_parameter(fn)
    return frozenset(name for name in inspect.signature(fn).parameters if name != context)


def clip_value(value: Any) -> str:
    """A caller's value, short and on one line, for an error message."""
    text = repr(value)
    return text if len(text) <= VALUE_CLIP else text[: VALUE_CLIP - 3] + "..."


def unknown_arguments_message(tool: str, unknown: Iterable[str], known: frozenset[str]) -> str:
    names = sorted(unknown)
    parts = []
    for name in names[:3]:
        close = difflib.get_close_matches(name[:100], sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{clip_value(name)}{hint}")
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return (
        f"{tool} has no argument {', '.join(parts)}{more}; its arguments are: "
        f"{', '.join(sorted(known)) or 'none'}. Remove or rename it and call again."
    )


def validation_message(tool: str, exc: ValidationError) -> str:
    """One line per wrong argument: where, what pydantic says, and the value given."""
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        where = ""
        for part in error["loc"]:
            if isinstance(part, int):
                where += f"[{part}]"
            elif not where:
                where = str(part)  # the argument; later names are union branches, not paths
        problem = f"{where or 'arguments'}: {error['msg']}"
        if error["type"] not in {"missing", "extra_forbidden"}:
            problem += f" (got {clip_value(error.get('input'))})"
        if problem not in problems:
            problems.append(problem)
    shown = problems[:MAX_REPORTED_PROBLEMS]
    more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return (
        f"invalid arguments: {'; '.join(shown)}{more}. Correct them as the input schema of "
        f"{tool} says and call again."
    )


def crash_message(tool: str, exc: BaseException) -> str:
    return (
        f"{tool} failed on an internal error ({type(exc).__name__}) that is a bug in "
        "openrouter-pricing-mcp, not a problem with your request; the server keeps running, so "
        "try again (other arguments may work) and report it if it persists."
    )


def scrub_result(result: CallToolResult, secrets: list[Secret | None]) -> CallToolResult:
    """``result`` with every secret scrubbed from its text and structured content (what
    OpenRouter sent back is shown as it came, and an upstream that echoes a key must not make it
    visible)."""
    dumped = json.dumps(
        [result.structured_content, [c.model_dump(mode="json") for c in result.content]]
    )
    if scrub_secrets(dumped, secrets) == dumped:
        return result
    return result.model_copy(
        update={
            "structured_content": _scrub_json(result.structured_content, secrets),
            "content": [
                c.model_copy(update={"text": scrub_secrets(c.text, secrets)})
                if isinstance(c, TextContent)
                else c
                for c in result.content
            ],
        }
    )


def _scrub_json(value: Any, secrets: list[Secret | None]) -> Any:
    if isinstance(value, str):
        return scrub_secrets(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, secrets) for v in value]
    return value


def _root_cause(exc: BaseException) -> BaseException:
    """The original exception under the SDK's ``Unexpected*Error`` wrappers."""
    cause = exc
    while isinstance(cause, UnexpectedToolError | UnexpectedResourceError) and cause.__cause__:
        cause = cause.__cause__
    return cause


def _state(context: Context[AppState, Any] | None) -> AppState | None:
    if context is None:
        return None
    try:
        state = context.request_context.lifespan_context
    except (ValueError, AttributeError):  # no request in progress
        return None
    return state if isinstance(state, AppState) else None


def _secrets(context: Context[AppState, Any] | None, state: AppState | None) -> list[Secret | None]:
    secrets = [state.settings.api_key if state else None]
    if context is not None:
        secrets.append(caller_key(context))
    return secrets


async def _take_slot(slots: anyio.CapacityLimiter) -> bool:
    """Borrow a call slot, waiting at most ``CALL_SLOT_WAIT_SECONDS``; False when none came."""
    try:
        slots.acquire_nowait()
        return True
    except anyio.WouldBlock:
        pass
    with anyio.move_on_after(CALL_SLOT_WAIT_SECONDS):
        await slots.acquire()
        return True
    return False


class GuardedServer(MCPServer[AppState]):
    """An ``MCPServer`` whose tool calls and resource reads pass the guard (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tool_arguments: dict[str, frozenset[str]] = {}
        self.open_world_tools: set[str] = set()  # they show what OpenRouter answered a key

    def add_tool(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """The SDK's ``add_tool`` (arguments passed on as given), then the guard's bookkeeping."""
        super().add_tool(fn, *args, **kwargs)
        named = inspect.signature(MCPServer.add_tool).bind(self, fn, *args, **kwargs).arguments
        tool_name = named.get("name") or fn.__name__
        annotations = named.get("annotations")
        skip_output_revalidation(self, tool_name)  # the tests validate every result instead
        self.tool_arguments[tool_name] = argument_names(fn)
        if annotations is not None and annotations.open_world_hint:
            self.open_world_tools.add(tool_name)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        state = _state(context)
        known = self.tool_arguments.get(name)
        if known is None:
            raise ToolError(
                scrub_secrets(
                    f"Unknown tool {clip_value(name)}; this server's tools are: "
                    f"{', '.join(sorted(self.tool_arguments))}.",
                    _secrets(context, state),
                )
            )
        unknown = [key for key in arguments if key not in known]
        if unknown:
            message = self._say(name, unknown_arguments_message(name, unknown, known))
            raise ToolError(scrub_secrets(message, _secrets(context, state)))
        if name in self.open_world_tools and blank_caller_key(context):
            raise ToolError(
                self._say(
                    name,
                    "the X-OpenRouter-Key header is empty; send your OpenRouter key in it, or "
                    "leave the header out to use the server's key.",
                )
            )
        from ..core.upstream_budget import upstream_budget  # not at start-up (tools.limits)

        settings = state.settings if state else Settings()
        deadline = settings.call_timeout_seconds
        with (
            registered(call_key(context)) as caller,
            anyio.move_on_after(deadline),
            upstream_budget(settings.max_upstream_requests_per_call),
        ):
            return await self._call_bounded(name, arguments, context, state)
        if caller.cancelled_caught:  # the HTTP layer saw the caller leave; nobody reads this
            raise ToolError(self._say(name, "cancelled: the client went away."))
        raise ToolError(
            self._say(
                name,
                f"the call did not finish within {deadline:g} seconds (the server's limit per "
                "call, OPENROUTER_PRICING_CALL_TIMEOUT) and was stopped; ask for less at once "
                "(fewer ids, a shorter wait_seconds) or try again later.",
            )
        )

    async def _call_bounded(
        self,
        name: str,
        arguments: dict[str, Any],
        context: Context[AppState, Any] | None,
        state: AppState | None,
    ) -> CallToolResult | InputRequiredResult:
        if state is None:
            return await self._call_translated(name, arguments, context, state)
        slots = state.call_slots
        if not await _take_slot(slots):
            raise ToolError(
                self._say(
                    name,
                    f"the server is busy ({plural(int(slots.total_tokens), 'call')} running, none "
                    f"finished within {CALL_SLOT_WAIT_SECONDS:g} seconds); try again in a few "
                    "seconds.",
                )
            )
        try:
            return await self._call_translated(name, arguments, context, state)
        finally:
            slots.release()

    async def _call_translated(
        self,
        name: str,
        arguments: dict[str, Any],
        context: Context[AppState, Any] | None,
        state: AppState | None,
    ) -> CallToolResult | InputRequiredResult:
        try:
            result = await super().call_tool(name, arguments, context)
            if name in self.open_world_tools and isinstance(result, CallToolResult):
                result = scrub_result(result, _secrets(context, state))
            return result
        except UnexpectedToolError as exc:
            cause = _root_cause(exc)
            if isinstance(cause, PricingError):
                message = str(cause)
            else:
                secrets = _secrets(context, state)
                logger.error(
                    "tool %s crashed (arguments: %s)\n%s",
                    name,
                    scrub_secrets(", ".join(sorted(arguments)), secrets),
                    scrub_secrets("".join(traceback.format_exception(cause)), secrets).rstrip(),
                )
                message = crash_message(name, cause)
            raise ToolError(
                scrub_secrets(self._say(name, message), _secrets(context, state))
            ) from None
        except ToolError as exc:
            secrets = _secrets(context, state)
            if isinstance(exc.__cause__, ValidationError):
                message = scrub_secrets(
                    self._say(name, validation_message(name, exc.__cause__)), secrets
                )
                raise ToolError(message) from exc.__cause__  # the SDK logs field names only
            text = scrub_secrets(str(exc), secrets)
            if text != str(exc):
                raise ToolError(text) from None
            raise

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[AppState, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        secrets = _secrets(context, _state(context))
        try:
            return await super().read_resource(uri, context)
        except UnexpectedResourceError as exc:
            cause = _root_cause(exc)
            shown = scrub_secrets(str(uri)[:200], secrets)
            if isinstance(cause, PricingError):
                raise ResourceError(scrub_secrets(str(cause), secrets)) from None
            trace = scrub_secrets("".join(traceback.format_exception(cause)), secrets).rstrip()
            logger.error("resource %s crashed\n%s", shown, trace)
            raise ResourceError(
                f"Reading {shown} failed on an internal error ({type(cause).__name__}), a bug "
                "in openrouter-pricing-mcp; try again, and report it if it persists."
            ) from None
        except ResourceError as exc:
            text = scrub_secrets(str(exc), secrets)
            if text == str(exc):
                raise
            raise type(exc)(text) from None

    @staticmethod
    def _say(tool: str, message: str) -> str:
        """The SDK's prefix on every tool error, kept so clients see one format."""
        return f"Error executing tool {tool}: {message}"


__all__ = ["GuardedServer", "argument_names"]
