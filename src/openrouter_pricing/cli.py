"""The ``openrouter-pricing-mcp`` command: parse flags, configure logging, run a transport.

Decisions:
- Settings come from the environment (``Settings.from_env``); flags override them with
  ``dataclasses.replace``. A bad setting exits with status 2 and one line on stderr.
- Logs go to stderr only: over stdio, stdout is the protocol channel. uvicorn's access log is off
  and its loggers propagate to the same stderr handler.
- HTTP binds loopback by default. Binding another host without a bearer token exits with status 2
  naming OPENROUTER_PRICING_AUTH_TOKEN, unless ``--allow-unauthenticated`` says it on purpose (then
  a loud warning goes to stderr).
- Nothing here touches the network: the catalog loads on the first tool call that needs it. The
  MCP SDK is imported only once a transport is chosen, so ``--help``, ``--version`` and bad
  settings answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .core.settings import Secret, Settings

TRANSPORTS = ("stdio", "sse", "streamable-http")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
GRACEFUL_SHUTDOWN_SECONDS = 3


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="openrouter-pricing-mcp",
        description="An MCP server for exact OpenRouter prices, cost estimates, balances, real "
        "generation costs and model recommendations. Speaks stdio by default.",
        epilog="Environment: OPENROUTER_API_KEY, OPENROUTER_BASE_URL, OPENROUTER_PRICING_CACHE_DIR,"
        " OPENROUTER_PRICING_CATALOG_TTL, OPENROUTER_PRICING_OFFLINE, OPENROUTER_PRICING_LOG_LEVEL,"
        " OPENROUTER_PRICING_AUTH_TOKEN. Flags override the environment.",
    )
    p.add_argument("--transport", choices=TRANSPORTS, default="stdio", help="default: stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    p.add_argument(
        "--catalog-file",
        type=Path,
        metavar="PATH",
        help="price from this saved GET /models JSON instead of OpenRouter (never refreshed)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="never touch the network: the disk cache if any, else the built-in catalog",
    )
    p.add_argument(
        "--auth-token",
        metavar="TOKEN",
        help="HTTP: require 'Authorization: Bearer TOKEN' (or set OPENROUTER_PRICING_AUTH_TOKEN)",
    )
    p.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="HTTP: allow a non-loopback --host without a token (anyone who can reach it may use "
        "the server's key)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="HOST",
        help="HTTP: a Host name clients use to reach the server (repeatable; DNS-rebinding check)",
    )
    p.add_argument("--log-level", choices=LOG_LEVELS, type=str.upper, help="default: WARNING")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    return dataclasses.replace(
        settings,
        catalog_file=(
            args.catalog_file.expanduser() if args.catalog_file else settings.catalog_file
        ),
        offline=args.offline or settings.offline,
        auth_token=Secret(args.auth_token.strip()) if args.auth_token else settings.auth_token,
        log_level=args.log_level or settings.log_level,
    )


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in LOG_LEVELS else "WARNING")


def _exit(message: str) -> int:
    print(f"openrouter-pricing-mcp: {message}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace, settings: Settings) -> str | None:
    """Why these settings cannot run, or ``None``."""
    if settings.catalog_file is not None and not settings.catalog_file.is_file():
        return f"--catalog-file {settings.catalog_file} is not a readable file."
    if not 0 < args.port < 65536:
        return f"--port must be between 1 and 65535, got {args.port}."
    if _unprotected(args, settings) and not args.allow_unauthenticated:
        return (
            f"refusing to serve on {args.host} without a token: set "
            "OPENROUTER_PRICING_AUTH_TOKEN (or --auth-token) so that only clients holding it "
            "may use the server, or pass --allow-unauthenticated to do it anyway."
        )
    return None


def _unprotected(args: argparse.Namespace, settings: Settings) -> bool:
    """An HTTP bind reachable beyond this machine, without a token."""
    if args.transport == "stdio" or settings.auth_token:
        return False
    from .http_app import is_loopback

    return not is_loopback(args.host)


def serve_http(args: argparse.Namespace, settings: Settings) -> None:
    import anyio
    import uvicorn

    from .http_app import build_http_app
    from .server import build_server
    from .state import Runtime

    runtime = Runtime(settings)
    server = build_server(settings, runtime=runtime)
    token = settings.auth_token.reveal() if settings.auth_token else None
    app = build_http_app(
        server, runtime, host=args.host, auth_token=token, allowed_hosts=args.allowed_host
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"openrouter-pricing-mcp {__version__} on http://{shown}:{args.port}: /mcp (streamable "
        "HTTP), /sse (SSE), /healthz",
        file=sys.stderr,
    )
    anyio.run(uvicorn.Server(config).serve)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        return _exit(str(exc))
    configure_logging(settings.log_level)
    problem = _check(args, settings)
    if problem:
        return _exit(problem)
    if _unprotected(args, settings):
        print(
            f"WARNING: serving on {args.host} WITHOUT authentication (--allow-unauthenticated): "
            "anyone who can reach this port can use the server and its OpenRouter key.",
            file=sys.stderr,
        )
    try:
        if args.transport == "stdio":
            from .server import build_server

            build_server(settings).run()
        else:
            serve_http(args, settings)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
