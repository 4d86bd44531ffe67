"""The ``openrouter-pricing-mcp`` command: parse flags, configure logging, run a transport.

Decisions:
- Settings come from the environment (``Settings.from_env``); flags override them with
  ``dataclasses.replace``. A bad setting exits with status 2 and one line on stderr.
- Logs go to stderr only: over stdio, stdout is the protocol channel. uvicorn's access log is off
  and its loggers propagate to the same stderr handler, whose filter scrubs the API key and the
  bearer token from every line (whole or clipped), at every level, tracebacks included.
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
from .core.catalog_dates import parse_catalog_date
from .core.settings import Secret, Settings, positive_int, scrub_secrets
from .terminal import PortUnavailableError, hint_if_terminal, listening_socket

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
        " OPENROUTER_PRICING_AUTH_TOKEN, OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS,"
        " OPENROUTER_PRICING_DATABASE_URL, OPENROUTER_PRICING_BUDGETS, OPENROUTER_PRICING_HOLD_TTL,"
        " OPENROUTER_PRICING_LEDGER_ALL_KEYS, and the limits per call, connection and session"
        " (OPENROUTER_PRICING_CALL_TIMEOUT and others, see the README). Flags override the"
        " environment.",
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
        "--catalog-date",
        metavar="YYYY-MM-DD",
        help="the day the --catalog-file was saved (default: read from the file's data, the "
        "newest model's date), so its prices show their true age",
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
    p.add_argument(
        "--max-concurrent-requests",
        type=int,
        metavar="N",
        help="tool calls (and HTTP requests) handled at once; more are refused with a 'busy' "
        "error or an HTTP 503 (or set OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS; default 64)",
    )
    p.add_argument(
        "--budgets",
        type=Path,
        metavar="FILE",
        help="spending budgets (TOML, [budgets.NAME] tables) for check_budget "
        "(or set OPENROUTER_PRICING_BUDGETS)",
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
        catalog_date=(
            parse_catalog_date(args.catalog_date) if args.catalog_date else settings.catalog_date
        ),
        offline=args.offline or settings.offline,
        budgets_file=args.budgets.expanduser() if args.budgets else settings.budgets_file,
        auth_token=Secret(args.auth_token.strip()) if args.auth_token else settings.auth_token,
        log_level=args.log_level or settings.log_level,
        max_concurrent_requests=(
            positive_int(str(args.max_concurrent_requests), "--max-concurrent-requests")
            if args.max_concurrent_requests is not None
            else settings.max_concurrent_requests
        ),
    )


class SecretFilter(logging.Filter):
    """Scrub the configured secrets from every record the handler writes, whoever logged it (the
    SDK logs some peer input as it came, e.g. a resource URI), tracebacks included."""

    def __init__(self, secrets: Sequence[Secret | None]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = scrub_secrets(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_secrets(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = scrub_secrets(record.stack_info, self._secrets)
        return True


def configure_logging(level: str, secrets: Sequence[Secret | None] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
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
    if settings.catalog_date is not None and settings.catalog_file is None:
        return "--catalog-date dates a --catalog-file; pass the file too, or leave the date out."
    if settings.budgets_file is not None:
        from .core.ledger.budgets import BudgetFileError, load_budgets

        try:
            load_budgets(settings.budgets_file)
        except BudgetFileError as exc:
            return f"{exc}."
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
    from .http_connections import MAX_HEADER_BYTES, ConnectionLimits, guarded_protocol
    from .server import build_server
    from .state import Runtime

    host = args.host.strip("[]")  # "[::1]" and "::1" are one address
    sock = listening_socket(host, args.port)  # before any "serving" line: a clear error
    runtime = Runtime(settings)
    server = build_server(settings, runtime=runtime)
    token = settings.auth_token.reveal() if settings.auth_token else None
    connections = ConnectionLimits(
        header_timeout=settings.header_timeout_seconds,
        max_connections=settings.max_connections,
        send_timeout=settings.stream_send_timeout_seconds,
    )
    app = build_http_app(
        server,
        runtime,
        host=host,
        auth_token=token,
        allowed_hosts=args.allowed_host,
        connections=connections,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=args.port,
        http=guarded_protocol(connections),
        timeout_keep_alive=max(1, round(settings.keep_alive_seconds)),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
    shown = f"[{host}]" if ":" in host else host
    print(
        f"openrouter-pricing-mcp {__version__} on http://{shown}:{args.port}: /mcp (streamable "
        "HTTP), /sse (SSE), /healthz",
        file=sys.stderr,
    )
    anyio.run(uvicorn.Server(config).serve, [sock])


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        return _exit(str(exc))
    configure_logging(settings.log_level, [settings.api_key, settings.auth_token])
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

            hint_if_terminal(sys.stdin, sys.stderr, __version__)
            build_server(settings).run()
        else:
            serve_http(args, settings)
    except PortUnavailableError as exc:
        return _exit(str(exc))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
