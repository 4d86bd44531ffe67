"""The HTTP requests themselves, bounded: bodies in time, callers that leave, answers nobody reads.

An ASGI middleware in front of the SDK's transports (inside the bearer-token check, outside the
request slots, so a slow body never holds a slot):

- A request body must arrive whole within ``Settings.body_timeout_seconds`` and be at most
  ``MAX_BODY_BYTES`` (else 408 or 413 at once); it is then handed to the SDK from memory.
- Streamable HTTP: while a POST is in progress, a second POST on the same session with a request
  id already in progress is refused (409 with a JSON-RPC error) rather than replacing the first
  one's answer stream, which left the first waiting for ever. When the client of a POST
  disconnects, the tool calls it carried are cancelled (``tools.call_control``).
- SSE (``/sse`` + ``/messages/``): the answers come on the event stream, after the POST has been
  answered 202. Each session may have at most ``MAX_UNANSWERED_PER_SESSION`` requests whose
  answers have not yet been written to its stream; past that its POSTs are refused with 429 until
  it reads. A stream whose client does not read at all is closed by ``http_connections`` (the send
  timeout), which ends the session and cancels its calls.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .jsonrpc_peek import answered_id, cancelled_ids, request_ids
from .tools.call_control import cancel_call

DISCONNECT_WATCH_AFTER_SECONDS = 0.05
MAX_BODY_BYTES = 4 * 1024 * 1024  # the SDK's own cap for streamable HTTP
MAX_UNANSWERED_PER_SESSION = 64


@dataclass
class GuardCounts:
    """What the guard refused or stopped (for ``/healthz``, tests and benchmarks)."""

    slow_bodies: int = 0
    large_bodies: int = 0
    duplicate_ids: int = 0
    unread_refusals: int = 0
    cancelled_on_disconnect: int = 0
    sse_unanswered: dict[str, set[str]] = field(default_factory=dict)


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


class RequestGuard:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_timeout: float,
        mcp_path: str,
        sse_path: str,
        messages_path: str,
        open_paths: frozenset[str],
    ) -> None:
        self._app = app
        self._body_timeout = body_timeout
        self._mcp_path = mcp_path
        self._sse_path = sse_path
        self._messages_path = messages_path.rstrip("/")
        self._open_paths = open_paths
        self._posts: set[tuple[str, str]] = set()  # (session, request id) of POSTs in progress
        self.counts = GuardCounts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open_paths:
            await self._app(scope, receive, send)
            return
        if scope["method"] == "GET":
            if scope["path"].rstrip("/") == self._sse_path:
                await self._app(scope, receive, self._sse_stream_send(send))
                return
            await self._app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        try:
            message = json.loads(body) if body else None
        except (ValueError, RecursionError):
            message = None  # the SDK answers it with its own parse error
        path = scope["path"].rstrip("/")
        if path == self._messages_path:
            await self._sse_post(scope, body, message, receive, send)
        elif path == self._mcp_path:
            await self._mcp_post(scope, body, message, receive, send)
        else:
            await self._app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or ``None`` once a 408 or 413 has been sent."""
        chunks: list[bytes] = []
        size = 0
        more = True
        with anyio.move_on_after(self._body_timeout):
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    self.counts.large_bodies += 1
                    response = _error(
                        413,
                        "too_large",
                        f"The request body is over {MAX_BODY_BYTES // 2**20} MiB.",
                    )
                    await response(scope, _closed, send)
                    return None
                chunks.append(chunk)
                more = message.get("more_body", False)
        if more:
            self.counts.slow_bodies += 1
            response = _error(
                408,
                "request_timeout",
                f"The request body did not arrive in full within {self._body_timeout:g} seconds "
                "(OPENROUTER_PRICING_BODY_TIMEOUT); send it at once.",
            )
            response.headers["Connection"] = "close"
            await response(scope, _closed, send)
            return None
        return b"".join(chunks)

    async def _mcp_post(
        self, scope: Scope, body: bytes, message: Any, receive: Receive, send: Send
    ) -> None:
        session = Headers(scope=scope).get("mcp-session-id")
        ids = request_ids(message) if session else []
        keys = [(session, i) for i in ids if session]
        if any(key in self._posts for key in keys) or len(set(ids)) < len(ids):
            self.counts.duplicate_ids += 1
            duplicate = next((i for i in ids if (session, i) in self._posts), ids[0])
            response = JSONResponse(
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {
                        "code": -32600,
                        "message": f"Request id {duplicate[:60]!r} is already in progress on "
                        "this session; use a new id for each request.",
                    },
                },
                status_code=409,
            )
            await response(scope, _closed, send)
            return
        self._posts.update(keys)
        gone = anyio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            for key in keys:
                self.counts.cancelled_on_disconnect += cancel_call(*key)

        # Most calls answer in a millisecond or two: a watcher task for each would cost more than
        # the call (a quarter of the throughput at 32 clients). So the watcher starts only once a
        # call has run for DISCONNECT_WATCH_AFTER_SECONDS; a client that leaves a long call is
        # still noticed within that delay.
        loop = asyncio.get_running_loop()
        watcher: list[asyncio.Task[None]] = []
        timer = loop.call_later(
            DISCONNECT_WATCH_AFTER_SECONDS, lambda: watcher.append(loop.create_task(watch()))
        )
        try:
            await self._app(scope, _replay(body, gone.wait), send)
        finally:
            timer.cancel()
            for task in watcher:
                task.cancel()
            self._posts.difference_update(keys)

    async def _sse_post(
        self, scope: Scope, body: bytes, message: Any, receive: Receive, send: Send
    ) -> None:
        session = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("session_id")
        unanswered = self.counts.sse_unanswered.get(session or "")
        if unanswered is not None:
            for cancelled in cancelled_ids(message):
                unanswered.discard(cancelled)  # a cancelled request is never answered
            ids = request_ids(message)
            if ids and len(unanswered) + len(ids) > MAX_UNANSWERED_PER_SESSION:
                self.counts.unread_refusals += 1
                response = _error(
                    429,
                    "unread_answers",
                    f"This session already has {len(unanswered)} answers it has not read from "
                    f"its event stream (the limit is {MAX_UNANSWERED_PER_SESSION}); read them "
                    "before sending more requests.",
                )
                response.headers["Retry-After"] = "1"
                await response(scope, _closed, send)
                return
            unanswered.update(ids)
        await self._app(scope, _replay(body, receive), send)

    def _sse_stream_send(self, send: Send) -> Send:
        """``send`` for a GET /sse stream, noting its session and which answers it carried."""
        session: str | None = None
        unanswered = self.counts.sse_unanswered

        async def guarded(message: Message) -> None:
            nonlocal session
            if message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if session is None and b"session_id=" in chunk:
                    text = chunk.decode("utf-8", "replace")
                    session = text.split("session_id=", 1)[1].split()[0].strip()
                    unanswered[session] = set()
                elif session is not None and chunk.startswith(b"event: message"):
                    data = chunk.split(b"data: ", 1)[-1]
                    answered = answered_id(data.decode("utf-8", "replace"))
                    if answered is not None:
                        unanswered.get(session, set()).discard(answered)
                if not message.get("more_body", False):
                    unanswered.pop(session or "", None)
            await send(message)

        return guarded


def _replay(body: bytes, after: Callable[[], Any]) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits on ``after`` (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        result = await after()
        if isinstance(result, dict) and result.get("type") == "http.disconnect":
            return result
        return {"type": "http.disconnect"}

    return receive


async def _closed() -> Message:
    return {"type": "http.disconnect"}


__all__ = ["MAX_BODY_BYTES", "MAX_UNANSWERED_PER_SESSION", "GuardCounts", "RequestGuard"]
