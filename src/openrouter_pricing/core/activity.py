"""``GET /activity``: OpenRouter's record of the account's spend, by UTC day, model and endpoint.

Management keys only; the last 30 completed UTC days. USD amounts keep the digits OpenRouter wrote
(the client decodes them as ``Decimal``). Rows that do not parse are skipped, not fatal.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .schema import Amount, _Tolerant


class ActivityItem(_Tolerant):
    date: str
    model: str | None = None
    provider_name: str | None = None
    endpoint_id: str | None = None
    usage: Amount = None
    byok_usage_inference: Amount = None
    requests: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None


def parse_activity(body: Any) -> list[ActivityItem] | None:
    """The rows of an /activity answer, or ``None`` when it has no ``data`` list."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    items = []
    for row in data:
        try:
            items.append(ActivityItem.model_validate(row))
        except ValidationError:
            continue
    return items
