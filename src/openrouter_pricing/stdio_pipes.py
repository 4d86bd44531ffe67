"""The stdio transport: the SDK's ``stdio_server`` fed by asyncio pipes instead of worker threads.

Why: the SDK reads stdin and writes stdout through ``anyio.wrap_file``, a worker-thread round trip
for every line read, every write and every flush. Measured over stdio, those hand-offs cost about
0.4 ms of each tool call (see ``benchmarks/README.md``); an agent calling in a loop pays them on
every call. Here the event loop reads and writes the pipes itself, and the SDK keeps everything
else (JSON-RPC parsing, error replies, serialisation), so the wire format cannot drift.

Decisions:
- Used only where it is safe: an asyncio event loop on a POSIX system, stdin and stdout both pipes
  or sockets (what MCP hosts give a server), and stdout not shared with stderr. A terminal or a
  file keeps the SDK's transport: asyncio would switch a terminal to non-blocking mode, and it
  cannot watch a regular file. ``OPENROUTER_PRICING_STDIO=sdk`` forces the SDK's transport.
- The same guarantee as the SDK's: while serving, fd 0 reads the null device and fd 1 writes to
  stderr, so a stray ``print`` (ours or a library's) cannot corrupt the protocol stream; the wire
  is served from private duplicates, and both descriptors are restored on exit.
- A line longer than ``MAX_LINE_BYTES`` is dropped whole and handed on as an unparseable line,
  which ``stdio_answering`` answers with a JSON-RPC parse error; the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import anyio

MAX_LINE_BYTES = 64 * 1024 * 1024  # a 2M-character prompt_text, JSON-escaped, fits with room
TRANSPORT_ENV = "OPENROUTER_PRICING_STDIO"


def _is_pipe_or_socket(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _same_file(a: int, b: int) -> bool:
    try:
        first, second = os.fstat(a), os.fstat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def pipes_usable() -> bool:
    """Whether this process can serve stdio from asyncio pipes (module docstring)."""
    if os.environ.get(TRANSPORT_ENV, "").strip().lower() == "sdk" or sys.platform == "win32":
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # another event loop (trio): keep the SDK's transport
        return False
    return _is_pipe_or_socket(0) and _is_pipe_or_socket(1) and not _same_file(1, 2)


class LineReader:
    """Stdin as the SDK iterates it: decoded lines, until end of input."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> LineReader:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as end:
            if not end.partial:
                raise StopAsyncIteration from None
            line = end.partial  # the last line, without its newline
        except asyncio.LimitOverrunError:
            await self._skip_line()
            return "<line too long>\n"  # not JSON: the SDK reports it as a parse error
        return line.decode("utf-8", errors="replace")

    async def _skip_line(self) -> None:
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as over:
                await self._reader.readexactly(over.consumed)
            except asyncio.IncompleteReadError:
                return


class LineWriter:
    """Stdout as the SDK writes it: ``write`` buffers, ``flush`` waits for the pipe to drain."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _private_copy(fd: int) -> int:
    """A close-on-exec duplicate of ``fd`` above the standard range."""
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)


@asynccontextmanager
async def claimed_stdio(
    max_line_bytes: int = MAX_LINE_BYTES,
) -> AsyncIterator[tuple[LineReader, LineWriter]]:
    """The wire's stdin and stdout as a line reader and writer; fd 0 and 1 diverted meanwhile."""
    loop = asyncio.get_running_loop()
    wire_in, wire_out = _private_copy(0), _private_copy(1)
    saved_in, saved_out = _private_copy(0), _private_copy(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, 0)
        os.dup2(2, 1)
    finally:
        os.close(devnull)
    transports: list[asyncio.BaseTransport] = []
    try:
        reader = asyncio.StreamReader(limit=max_line_bytes)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0)
        )
        transports.append(read_transport)
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0)
        )
        transports.append(write_transport)
        write_transport.set_write_buffer_limits(high=0)  # flush waits until the pipe has it all
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        yield LineReader(reader), LineWriter(writer)
    finally:
        for transport in transports:
            transport.close()  # closes the private copies
        for saved, fd in ((saved_in, 0), (saved_out, 1)):
            with contextlib.suppress(OSError):
                os.set_blocking(saved, True)  # the pipes are the host's: leave them as found
                os.dup2(saved, fd)
            os.close(saved)


async def serve_stdio(
    run: Callable[[Any, Any], Awaitable[None]], drain_seconds: float = 95.0
) -> None:
    """Serve ``run(read_stream, write_stream)`` over stdio: on asyncio pipes where usable, else on
    the SDK's own transport. On the pipes every malformed line is answered with a JSON-RPC error
    and, at the end of input, every request read is answered (waiting at most ``drain_seconds``)
    before this returns (``stdio_answering``)."""
    from mcp.server.stdio import stdio_server

    if not pipes_usable():
        async with stdio_server() as (read_stream, write_stream):
            await run(read_stream, write_stream)
        return
    from .stdio_answering import AnsweringReader

    async with claimed_stdio() as (lines_in, lines_out):
        answering = AnsweringReader(lines_in, lines_out, drain_seconds, MAX_LINE_BYTES)
        stdin = cast("anyio.AsyncFile[str]", answering)
        stdout = cast("anyio.AsyncFile[str]", answering)
        async with stdio_server(stdin, stdout) as (read_stream, write_stream):
            await run(read_stream, write_stream)


__all__ = [
    "MAX_LINE_BYTES",
    "TRANSPORT_ENV",
    "LineReader",
    "LineWriter",
    "claimed_stdio",
    "pipes_usable",
    "serve_stdio",
]
