"""What the command says to a person at a terminal, and the HTTP port it must get before serving.

Decisions:
- Over stdio the server waits silently for JSON-RPC on stdin, which looks like a hang to someone
  who typed the command to try it. When stdin is a terminal (no host would give it one) a two-line
  hint goes to stderr: what it is doing and how to add it to a host. stdout stays protocol-only.
  Ctrl-C then ends the process at once (the SDK's terminal reader would otherwise wait for a line).
- The HTTP socket is bound before the "serving on" line, so a port already in use is one clear
  sentence and exit status 2, not a line claiming to serve followed by a traceback. uvicorn is
  handed the bound socket, so nothing can take the port in between.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
from typing import TextIO

HOST_CONFIG_HINT = '"command": "openrouter-pricing-mcp"'


class PortUnavailableError(Exception):
    """The HTTP address cannot be listened on; the message says why and what to do."""


def stdio_hint(version: str) -> str:
    return (
        f"openrouter-pricing-mcp {version} speaks MCP over stdio and is waiting for a host on "
        "stdin; press Ctrl-C to stop.\n"
        f"Add it to a host with {HOST_CONFIG_HINT} (see README, examples/ or --help); "
        "--transport streamable-http serves HTTP instead."
    )


def hint_if_terminal(stdin: TextIO, stderr: TextIO, version: str) -> bool:
    """Print the stdio hint when ``stdin`` is a terminal; whether it did."""
    try:
        interactive = stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False
    if interactive:
        # The SDK reads a terminal in a worker thread that Ctrl-C cannot interrupt; a person at
        # the terminal means stop, and there is nothing to flush (cache writes are atomic).
        signal.signal(signal.SIGINT, _stop_now)
        print(stdio_hint(version), file=stderr, flush=True)
    return interactive


def _stop_now(signum: int, frame: object) -> None:
    os._exit(128 + signum)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening); ``PortUnavailableError`` else."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise PortUnavailableError(
            f"--host {host!r} is not an address this machine can listen on ({exc.strerror})."
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailableError(
                f"port {port} on {host} is already in use (another server, or an earlier run "
                "still going?); stop it, or choose another port with --port."
            ) from None
        if exc.errno == errno.EACCES:
            raise PortUnavailableError(
                f"not allowed to listen on port {port} on {host}; use a port above 1023."
            ) from None
        raise PortUnavailableError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}."
        ) from None
    sock.set_inheritable(True)
    return sock
