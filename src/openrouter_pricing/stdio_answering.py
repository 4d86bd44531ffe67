"""Over stdio, every line gets its answer: malformed lines a JSON-RPC error, and everything asked
before the end of input an answer before the server exits.

Decisions:
- A line that is not JSON is answered with a JSON-RPC parse error (-32700, id null); JSON that is
  not a JSON-RPC message with an invalid-request error (-32600, with its id when it has one), as
  the JSON-RPC spec says; the SDK's own reader would only log them. A line over the transport's
  limit (``stdio_pipes.MAX_LINE_BYTES``) arrives as ``TOO_LONG`` and is answered -32700 too.
- Each request's id is noted as it is read and struck off when its answer is written. At the end
  of input the reader waits (at most ``drain_seconds``, the per-call deadline and a margin) until
  every request read has its answer, and only then reports the end; the SDK would otherwise
  cancel the calls still running. A request cancelled by ``notifications/cancelled`` gets no
  answer and is struck off. If the wait runs out, stderr says how many went unanswered.
- Each line is validated here with the SDK's own message model, then again by the SDK: a second
  validation of a line costs far less than the tool call it carries.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import anyio
from pydantic import ValidationError

from .jsonrpc_peek import answered_id, cancelled_ids, id_key

logger = logging.getLogger(__name__)

TOO_LONG = "<line too long>\n"  # what stdio_pipes.LineReader yields for an oversized line
PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def error_line(code: int, message: str, request_id: Any = None) -> str:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return json.dumps(body) + "\n"


class AnsweringReader:
    """Wraps the line reader and writer of a stdio transport (see the module docstring)."""

    def __init__(self, lines: Any, out: Any, drain_seconds: float, max_line_bytes: int) -> None:
        self._lines = lines
        self._out = out
        self._drain_seconds = drain_seconds
        self._max_line_bytes = max_line_bytes
        self._pending: set[str] = set()
        self._all_answered = anyio.Event()
        self.replied_errors = 0

    def __aiter__(self) -> AnsweringReader:
        return self

    async def __anext__(self) -> str:
        while True:
            try:
                line: str = await self._lines.__anext__()
            except StopAsyncIteration:
                await self._drain()
                raise
            reply = self._check(line)
            if reply is None:
                return line
            if reply:
                self.replied_errors += 1
                await self.write(reply)
                await self.flush()

    async def write(self, text: str) -> None:
        answered = answered_id(text)
        if answered is not None:
            self._pending.discard(answered)
            if not self._pending:
                self._all_answered.set()
        await self._out.write(text)

    async def flush(self) -> None:
        await self._out.flush()

    def _check(self, line: str) -> str | None:
        """``None`` to hand the line on, else the reply to write ("" for none)."""
        from mcp import types

        if not line.strip():
            return ""
        if line == TOO_LONG:
            limit = self._max_line_bytes // 2**20
            return error_line(PARSE_ERROR, f"Parse error: the line is over {limit} MiB.")
        try:
            message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors()):
                return error_line(PARSE_ERROR, "Parse error: the line is not valid JSON.")
            return error_line(
                INVALID_REQUEST,
                "Invalid Request: the line is not a JSON-RPC 2.0 message.",
                _id_of(line),
            )
        except RecursionError:
            return error_line(PARSE_ERROR, "Parse error: the JSON is nested too deeply.")
        if isinstance(message, types.JSONRPCRequest):
            self._pending.add(id_key(message.id))
            self._all_answered = anyio.Event()
        elif isinstance(message, types.JSONRPCNotification):
            raw = {"method": message.method, "params": message.params}
            for cancelled in cancelled_ids(raw):
                self._pending.discard(cancelled)
        return None

    async def _drain(self) -> None:
        if not self._pending:
            return
        with anyio.move_on_after(self._drain_seconds):
            while self._pending:
                await self._all_answered.wait()
                if self._pending:
                    self._all_answered = anyio.Event()
        if self._pending:
            print(
                f"openrouter-pricing-mcp: input ended with {len(self._pending)} request(s) still "
                f"unanswered after {self._drain_seconds:g} s; exiting without their answers.",
                file=sys.stderr,
            )


def _id_of(line: str) -> Any:
    try:
        parsed = json.loads(line)
    except (ValueError, RecursionError):
        return None
    value = parsed.get("id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


__all__ = ["TOO_LONG", "AnsweringReader", "error_line"]
