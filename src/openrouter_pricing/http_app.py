"""The HTTP face of the server: one Starlette app answering /mcp, /sse, /messages/ and /healthz.

Decisions:
- Both HTTP transports come from one app on one port: streamable HTTP at ``/mcp`` (both protocol
  eras, as the SDK serves them) and the older SSE transport at ``/sse`` + ``/messages/``. The app's
  lifespan opens the process's ``Runtime`` first (one client, one store for every connection), then
  the streamable-HTTP session manager.
- ``/healthz`` is open and answers ``{"status": "ok", "version": ...}`` without touching the
  catalog, so probes cost nothing.
- Bearer-token auth is a pure ASGI middleware (``BaseHTTPMiddleware`` would buffer and break SSE
  streams); the token is compared with ``hmac.compare_digest``; a refusal is a 401 JSON body with
  ``WWW-Authenticate: Bearer``. Every path but ``/healthz`` needs it when a token is set.
- DNS-rebinding protection: on for loopback binds (the SDK's defaults: loopback hosts and
  origins). For another host the allowed Host values are that host and loopback, plus any
  ``--allowed-host``; a wildcard bind (0.0.0.0, ::) without ``--allowed-host`` cannot know its
  public names, so Host checking is off there and the bearer token is the guard.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import __version__
from .state import AppState, Runtime

HEALTH_PATH = "/healthz"
MCP_PATH = "/mcp"
SSE_PATH = "/sse"
MESSAGES_PATH = "/messages/"
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
        self._token = token.encode()
        self._open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open_paths:
            await self._app(scope, receive, send)
            return
        scheme, _, presented = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), self._token
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


async def healthz(_: Request) -> Response:
    return Response(
        json.dumps({"status": "ok", "version": __version__}), media_type="application/json"
    )


def build_http_app(
    server: MCPServer[AppState],
    runtime: Runtime,
    *,
    host: str = "127.0.0.1",
    auth_token: str | None = None,
    allowed_hosts: Sequence[str] = (),
) -> ASGIApp:
    """One ASGI app serving streamable HTTP, SSE and the health check for ``server``."""
    security = transport_security(host, allowed_hosts)
    streamable = server.streamable_http_app(
        streamable_http_path=MCP_PATH, transport_security=security, host=host
    )
    sse = server.sse_app(
        sse_path=SSE_PATH, message_path=MESSAGES_PATH, transport_security=security, host=host
    )
    routes: list[BaseRoute] = [Route(HEALTH_PATH, healthz, methods=["GET"])]
    routes += [r for r in streamable.routes if getattr(r, "path", None) == MCP_PATH]
    routes += [
        r for r in sse.routes if getattr(r, "path", None) in (SSE_PATH, MESSAGES_PATH.rstrip("/"))
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with runtime.open(), server.session_manager.run():
            yield

    app: ASGIApp = Starlette(routes=routes, lifespan=lifespan)
    if auth_token:
        app = BearerTokenMiddleware(app, auth_token)
    return app
