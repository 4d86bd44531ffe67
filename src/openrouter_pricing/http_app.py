"""The HTTP face of the server: one Starlette app answering /mcp, /sse, /messages/ and /healthz.

Decisions:
- Both HTTP transports come from one app on one port: streamable HTTP at ``/mcp`` (both protocol
  eras, as the SDK serves them) and the older SSE transport at ``/sse`` + ``/messages/``. The app's
  lifespan opens the process's ``Runtime`` first (one client, one store for every connection), then
  the streamable-HTTP session manager.
- ``/healthz`` is open and answers ``{"status": "ok", "version": ..., "load": {...}}`` without
  touching the catalog, so probes cost nothing; when a limit is reached (request slots, event
  streams, sessions, connections) it answers 503 ``{"status": "saturated", "reasons": [...]}``.
- Hostile and careless clients: connections (``http_connections``), request bodies, callers that
  leave and answers nobody reads (``http_guard``) and sessions (``http_sessions``) are bounded.
- Bearer-token auth is a pure ASGI middleware (``BaseHTTPMiddleware`` would buffer and break SSE
  streams); the token is compared with ``hmac.compare_digest``; a refusal is a 401 JSON body with
  ``WWW-Authenticate: Bearer``. Every path but ``/healthz`` needs it when a token is set.
- Load shedding: at most ``max_concurrent_requests`` requests are handled at once (POST and DELETE:
  each holds its slot until its answer is complete), and at most ``MAX_OPEN_STREAMS`` long-lived
  event streams (GET ``/mcp``, GET ``/sse``) stay open; past either bound the answer is at once a
  503 with a JSON error and ``Retry-After``, never a queue that grows until the process falls
  over. Bodies are capped at 4 MiB by the SDK (413). ``/healthz`` is never limited.
- DNS-rebinding protection: on for loopback binds (the SDK's defaults: loopback hosts and
  origins). For another host the allowed Host values are that host and loopback, plus any
  ``--allowed-host``; a wildcard bind (0.0.0.0, ::) without ``--allowed-host`` cannot know its
  public names, so Host checking is off there and the bearer token is the guard.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .http_connections import ConnectionLimits
from .http_guard import RequestGuard
from .http_sessions import SessionLimiter
from .sdk_internals import skip_header_checks_without_annotations
from .state import AppState, Runtime
from .tools.call_control import running_calls

HEALTH_PATH = "/healthz"
MCP_PATH = "/mcp"
SSE_PATH = "/sse"
MESSAGES_PATH = "/messages/"
MAX_OPEN_STREAMS = 256
RETRY_AFTER_SECONDS = 1
SESSION_SLACK = 16  # the SDK's own cap sits just above ours (http_sessions), never reached first
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_pattern(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def transport_security(host: str, allowed_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """Host/Origin checks for a bind address (see the module docstring)."""
    loopback = ["127.0.0.1", "localhost", "[::1]"]
    if is_loopback(host) and not allowed_hosts:
        names = loopback
    elif host in WILDCARD_HOSTS and not allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    else:
        extra = [] if host in WILDCARD_HOSTS else [host]
        names = [*loopback, *(_host_pattern(h) for h in [*extra, *allowed_hosts])]
    hosts = [pattern for name in names for pattern in (name, f"{name}:*")]
    origins = [f"{scheme}://{h}" for scheme in ("http", "https") for h in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerTokenMiddleware:
    """Refuse every HTTP request without ``Authorization: Bearer <token>``, except open paths."""

    def __init__(
        self, app: ASGIApp, token: str, open_paths: frozenset[str] = frozenset({HEALTH_PATH})
    ) -> None:
        self._app = app
        self._token = token.encode("utf-8")
        self._open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open_paths:
            await self._app(scope, receive, send)
            return
        scheme, _, presented = Headers(scope=scope).get("authorization", "").partition(" ")
        # Starlette decodes header bytes as Latin-1: back to the bytes sent, compared as UTF-8.
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode("latin-1"), self._token
        ):
            await self._app(scope, receive, send)
            return
        response = JSONResponse(
            {
                "error": "unauthorized",
                "message": "Send 'Authorization: Bearer <token>' with the token the server was "
                "started with (OPENROUTER_PRICING_AUTH_TOKEN).",
            },
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="openrouter-pricing-mcp"'},
        )
        await response(scope, receive, send)


class ConcurrencyLimitMiddleware:
    """Answer 503 at once when too many requests (or event streams) are in progress."""

    def __init__(
        self,
        app: ASGIApp,
        max_requests: int,
        max_streams: int = MAX_OPEN_STREAMS,
        open_paths: frozenset[str] = frozenset({HEALTH_PATH}),
    ) -> None:
        self._app = app
        self._limits = {False: max_requests, True: max_streams}
        self._in_flight = {False: 0, True: 0}
        self._open_paths = open_paths
        self.refused = 0  # requests shed so far (for tests and logs)

    def in_flight(self, *, streams: bool = False) -> int:
        return self._in_flight[streams]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open_paths:
            await self._app(scope, receive, send)
            return
        stream = scope["method"] == "GET"  # GET /mcp and GET /sse are long-lived event streams
        limit = self._limits[stream]
        if self._in_flight[stream] >= limit:
            self.refused += 1
            what = "open event streams" if stream else "requests in progress"
            response = JSONResponse(
                {
                    "error": "overloaded",
                    "message": f"The server already has its limit of {limit} {what}; retry in "
                    f"{RETRY_AFTER_SECONDS} second(s) (the limit is "
                    "OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS / --max-concurrent-requests).",
                },
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        self._in_flight[stream] += 1
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._in_flight[stream] -= 1

        async def send_then_release(message: Message) -> None:
            await send(message)
            # The answer is complete: the client may send its next request now, while the
            # handler is still winding down.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                release()

        try:
            await self._app(scope, receive, send_then_release)
        finally:
            release()


class Health:
    """What ``/healthz`` reports: ok, or saturated with the reasons and the load behind them."""

    def __init__(self) -> None:
        self.requests: ConcurrencyLimitMiddleware | None = None
        self.sessions: SessionLimiter | None = None
        self.connections: ConnectionLimits | None = None
        self.guard: RequestGuard | None = None

    def report(self) -> tuple[int, dict[str, object]]:
        load: dict[str, object] = {}
        reasons: list[str] = []
        if self.requests is not None:
            limit = self.requests._limits[False]
            load["requests_in_progress"] = self.requests.in_flight()
            load["max_requests"] = limit
            load["event_streams"] = self.requests.in_flight(streams=True)
            if self.requests.in_flight() >= limit:
                reasons.append(f"all {limit} request slots are in use")
            if self.requests.in_flight(streams=True) >= self.requests._limits[True]:
                reasons.append("the limit of open event streams is reached")
        if self.sessions is not None:
            load["sessions"] = self.sessions.open_sessions()
            if self.sessions.saturated():
                reasons.append("every session slot is taken by a busy session")
        if self.connections is not None:
            load["connections"] = self.connections.open_connections
            load["max_connections"] = self.connections.max_connections
            if self.connections.saturated():
                reasons.append(
                    f"all {self.connections.max_connections} connections are serving requests"
                )
        if self.guard is not None:
            load["running_calls"] = running_calls()
        status = "saturated" if reasons else "ok"
        body: dict[str, object] = {"status": status, "version": __version__}
        if reasons:
            body["reasons"] = reasons
        body["load"] = load
        return (503 if reasons else 200), body


def health_endpoint(health: Health) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(_: Request) -> Response:
        status, body = health.report()
        return Response(json.dumps(body), status_code=status, media_type="application/json")

    return healthz


def build_http_app(
    server: MCPServer[AppState],
    runtime: Runtime,
    *,
    host: str = "127.0.0.1",
    auth_token: str | None = None,
    allowed_hosts: Sequence[str] = (),
    max_concurrent_requests: int | None = None,
    connections: ConnectionLimits | None = None,
) -> ASGIApp:
    """One ASGI app serving streamable HTTP, SSE and the health check for ``server``."""
    settings = runtime.settings
    skip_header_checks_without_annotations()  # the same answers, without a schema walk per call
    security = transport_security(host, allowed_hosts)
    streamable = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        transport_security=security,
        host=host,
        session_idle_timeout=settings.session_idle_timeout_seconds,
        max_sessions=settings.max_sessions + SESSION_SLACK,
    )
    sse = server.sse_app(
        sse_path=SSE_PATH, message_path=MESSAGES_PATH, transport_security=security, host=host
    )
    health = Health()
    health.connections = connections
    routes: list[BaseRoute] = [Route(HEALTH_PATH, health_endpoint(health), methods=["GET"])]
    routes += [r for r in streamable.routes if getattr(r, "path", None) == MCP_PATH]
    routes += [
        r for r in sse.routes if getattr(r, "path", None) in (SSE_PATH, MESSAGES_PATH.rstrip("/"))
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with runtime.open(), server.session_manager.run():
            yield

    app: ASGIApp = Starlette(routes=routes, lifespan=lifespan)
    limit = max_concurrent_requests or settings.max_concurrent_requests
    app = health.requests = ConcurrencyLimitMiddleware(app, limit)
    app = health.sessions = SessionLimiter(
        app,
        mcp_path=MCP_PATH,
        max_sessions=settings.max_sessions,
        max_per_client=settings.max_sessions_per_client,
        idle_timeout=settings.session_idle_timeout_seconds,
    )
    app = health.guard = RequestGuard(
        app,
        body_timeout=settings.body_timeout_seconds,
        mcp_path=MCP_PATH,
        sse_path=SSE_PATH,
        messages_path=MESSAGES_PATH,
        open_paths=frozenset({HEALTH_PATH}),
    )
    if auth_token:  # outermost: a request without the token never takes a slot
        app = BearerTokenMiddleware(app, auth_token)
    return app
