"""Cheap looks at JSON-RPC messages as they cross a transport, without a second full parse.

The HTTP guard and the stdio transport need to know which requests a client sent (their ids) and
which of them have been answered, to bound what a session may leave unanswered, refuse a
duplicate id and answer everything before exiting. Incoming messages are parsed (the SDK parses
them too; they are capped in size); outgoing answers are recognised from their first bytes: the
SDK writes every message as ``{"jsonrpc":"2.0",...}`` with ``id`` first, then ``result`` or
``error`` for an answer (``method`` for a request of its own).
"""

from __future__ import annotations

import json
from typing import Any

_DECODER = json.JSONDecoder()
_ANSWER_HEAD = '{"jsonrpc":"2.0","id":'


def id_key(value: Any) -> str:
    """One spelling per id, as the SDK correlates them (``1`` and ``"1"`` are one id)."""
    return str(value)


def request_ids(message: Any) -> list[str]:
    """The ids of the requests in a parsed message (a request, or a batch of them)."""
    items = message if isinstance(message, list) else [message]
    return [
        id_key(item["id"])
        for item in items
        if isinstance(item, dict) and "method" in item and item.get("id") is not None
    ]


def cancelled_ids(message: Any) -> list[str]:
    """The ids named by ``notifications/cancelled`` in a parsed message."""
    items = message if isinstance(message, list) else [message]
    found = []
    for item in items:
        if isinstance(item, dict) and item.get("method") == "notifications/cancelled":
            params = item.get("params")
            if isinstance(params, dict) and params.get("requestId") is not None:
                found.append(id_key(params["requestId"]))
    return found


def answered_id(text: str) -> str | None:
    """The id a serialised answer (``result`` or ``error``) is for, else ``None``."""
    if not text.startswith(_ANSWER_HEAD):
        return None
    try:
        value, end = _DECODER.raw_decode(text, len(_ANSWER_HEAD))
    except ValueError:
        return None
    rest = text[end : end + 9]
    if rest.startswith((',"result"', ',"error"')):
        return id_key(value)
    return None


__all__ = ["answered_id", "cancelled_ids", "id_key", "request_ids"]
