"""Streamable HTTP sessions, capped in total and per client address, idle ones reclaimed first.

The SDK caps sessions only in total (10,000) and ends one after 30 idle minutes, so a client that
opens sessions and never closes them locks every other client out for half an hour. Here:

- At most ``Settings.max_sessions`` sessions are open, and at most
  ``Settings.max_sessions_per_client`` per client address; a session with nothing in flight for
  ``Settings.session_idle_timeout_seconds`` is ended by the SDK (the same value is passed to it).
- When a new session would pass either cap, the least recently used idle session (of that
  client for its own cap, of anyone for the total) is ended first, as if its client had sent
  DELETE; only when none is idle is the new one refused, with 503 and a sentence saying which cap.
- The sessions are seen from outside the SDK: one is opened when an answer carries a new
  ``mcp-session-id``, used by every request naming it, gone after DELETE, a 404 for it, or its
  idle timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class _Session:
    client: str
    last_seen: float
    in_flight: int = 0


class SessionLimiter:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        mcp_path: str,
        max_sessions: int,
        max_per_client: int,
        idle_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._path = mcp_path
        self._max = max_sessions
        self._per_client = max_per_client
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self.reclaimed = 0
        self.refused = 0

    def open_sessions(self) -> int:
        self._prune()
        return len(self._sessions)

    def saturated(self) -> bool:
        return self.open_sessions() >= self._max and not self._idle(None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self._path:
            await self._app(scope, receive, send)
            return
        session_id = Headers(scope=scope).get("mcp-session-id")
        if session_id:
            await self._in_session(session_id, scope, receive, send)
        elif scope["method"] == "POST":
            await self._opening(scope, receive, send)
        else:
            await self._app(scope, receive, send)

    async def _in_session(
        self, session_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.in_flight += 1
            session.last_seen = self._clock()
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, watched)
        finally:
            if session is not None:
                session.in_flight -= 1
                session.last_seen = self._clock()
            if status == 404 or (scope["method"] == "DELETE" and 200 <= status < 300):
                self._sessions.pop(session_id, None)

    async def _opening(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._prune()
        client = (scope.get("client") or ("unknown", 0))[0]
        mine = sum(1 for s in self._sessions.values() if s.client == client)
        refusal = None
        if mine >= self._per_client and not await self._reclaim(scope, client):
            refusal = (
                f"This client address already has {mine} open sessions, the limit per client "
                "(OPENROUTER_PRICING_MAX_SESSIONS_PER_CLIENT), all of them busy; end one "
                "(DELETE /mcp) or reuse it."
            )
        elif len(self._sessions) >= self._max and not await self._reclaim(scope, None):
            refusal = (
                f"The server already has {len(self._sessions)} open sessions, its limit "
                "(OPENROUTER_PRICING_MAX_SESSIONS), all of them busy; retry shortly."
            )
        if refusal is not None:
            self.refused += 1
            response = JSONResponse(
                {"error": "too_many_sessions", "message": refusal},
                status_code=503,
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 300:
                new_id = Headers(raw=message.get("headers", [])).get("mcp-session-id")
                if new_id:
                    self._sessions[new_id] = _Session(client, self._clock())
            await send(message)

        await self._app(scope, receive, watched)

    def _idle(self, client: str | None) -> list[tuple[str, _Session]]:
        return [
            (sid, s)
            for sid, s in self._sessions.items()
            if s.in_flight == 0 and (client is None or s.client == client)
        ]

    async def _reclaim(self, scope: Scope, client: str | None) -> bool:
        """End the least recently used idle session (of ``client``, else anyone's)."""
        idle = self._idle(client)
        if not idle:
            return False
        session_id, _ = min(idle, key=lambda item: item[1].last_seen)
        self._sessions.pop(session_id, None)
        self.reclaimed += 1
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k not in (b"content-length", b"content-type", b"mcp-session-id")
        ]
        delete = {
            **scope,
            "method": "DELETE",
            "headers": [*headers, (b"mcp-session-id", session_id.encode())],
        }

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        async def discard(_: Message) -> None:
            return None

        await self._app(delete, nothing, discard)
        return True

    def _prune(self) -> None:
        """Forget sessions the SDK has ended for idleness."""
        cutoff = self._clock() - self._idle_timeout
        for session_id, session in list(self._sessions.items()):
            if session.in_flight == 0 and session.last_seen < cutoff:
                del self._sessions[session_id]


__all__ = ["SessionLimiter"]
