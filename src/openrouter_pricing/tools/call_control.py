"""Every tool call's deadline, and the handle that stops it when its caller goes away.

Decisions:
- One deadline per call (``Settings.call_timeout_seconds``, 90 s by default), the same over every
  transport: it covers the wait for a call slot, the catalog load and every upstream request, so
  no number of ids or retries can stretch it. A call past it ends with one sentence saying so.
- Each running call is registered under its caller: the HTTP session (``mcp-session-id`` header,
  or the SSE ``session_id`` query parameter) and the JSON-RPC request id. The HTTP layer cancels
  it when the POST that carried it is disconnected (``http_guard``); the SDK itself cancels it on
  ``notifications/cancelled`` and when the session ends. A cancelled call releases its slot at
  once and makes no further upstream request (the upstream client runs inside the call's scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio

CallKey = tuple[str, str]  # (session id, JSON-RPC request id)

_running: dict[CallKey, set[anyio.CancelScope]] = {}


def call_key(context: Any) -> CallKey | None:
    """The caller and request id of ``context``'s call, when it came over HTTP."""
    try:
        request_context = context.request_context
        request = request_context.request
        request_id = str(request_context.request_id)
    except (AttributeError, ValueError):
        return None
    headers = getattr(request, "headers", None)
    session = headers.get("mcp-session-id") if headers is not None else None
    if not session:
        query = getattr(request, "query_params", None)
        session = query.get("session_id") if query is not None else None
    return (session, request_id) if session else None


def blank_caller_key(context: Any) -> bool:
    """Whether the call came with an ``X-OpenRouter-Key`` header that holds nothing (which must
    not fall back silently to the server's key)."""
    try:
        headers = context.headers
    except (AttributeError, ValueError):
        return False
    if not headers:
        return False
    value = headers.get("x-openrouter-key")
    if value is None:
        value = headers.get("X-OpenRouter-Key")
    return value is not None and not value.strip()


@contextmanager
def registered(key: CallKey | None) -> Iterator[anyio.CancelScope]:
    """A cancel scope for one call, findable by ``cancel_call(key)`` while the call runs."""
    scope = anyio.CancelScope()
    if key is None:
        with scope:
            yield scope
        return
    _running.setdefault(key, set()).add(scope)
    try:
        with scope:
            yield scope
    finally:
        scopes = _running.get(key)
        if scopes is not None:
            scopes.discard(scope)
            if not scopes:
                del _running[key]


def cancel_call(session: str, request_id: str) -> int:
    """Cancel the running calls of ``request_id`` on ``session``; how many were running."""
    scopes = _running.get((session, request_id), set())
    for scope in scopes:
        scope.cancel()
    return len(scopes)


def running_calls() -> int:
    return sum(len(scopes) for scopes in _running.values())


__all__ = ["CallKey", "blank_caller_key", "call_key", "cancel_call", "registered", "running_calls"]
