"""Budgets: the operator's spending limits, read from a TOML file, and their UTC calendar periods.

Decisions:
- Agents read budgets but cannot raise them: they exist only in the operator's file (``--budgets``
  or ``OPENROUTER_PRICING_BUDGETS``), parsed with the standard library's ``tomllib``.
- A budget covers the ledger entries (and holds) that carry all of its tags; ``tags = {}`` covers
  everything. Amounts are decimal strings (``"5.00"``), never TOML floats, so they stay exact.
- Periods are UTC calendar periods: a day from midnight, an ISO week from Monday, a month from the
  1st; ``total`` never resets.
- A bad file raises ``BudgetFileError`` naming the budget and the problem, so the server can stop at
  start with that one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from ..errors import PricingError
from ..limits import MAX_TAG_VALUE_CHARS, MAX_TAGS

Period = Literal["day", "week", "month", "total"]
PERIODS: tuple[Period, ...] = ("day", "week", "month", "total")
TAG_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")
BUDGET_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,60}")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BudgetFileError(PricingError, ValueError):
    """The budgets file cannot be used; the message names the budget and the problem."""


class TagError(PricingError, ValueError):
    """Tags that break the rules (names, lengths, count)."""


@dataclass(frozen=True)
class Budget:
    name: str
    limit_usd: Decimal
    period: Period = "month"
    tags: Mapping[str, str] = field(default_factory=dict)

    def covers(self, tags: Mapping[str, str]) -> bool:
        """True when entries carrying ``tags`` count against this budget."""
        return all(tags.get(name) == value for name, value in self.tags.items())

    def window(self, now: datetime) -> tuple[datetime, datetime | None]:
        """The current period: its start and when it resets (``None``: never)."""
        return period_window(self.period, now)


def period_window(period: Period, now: datetime) -> tuple[datetime, datetime | None]:
    now = now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following
    return EPOCH, None


def check_tags(tags: Mapping[str, Any], what: str = "tags") -> dict[str, str]:
    """``tags`` as a plain dict of strings, or ``TagError`` saying which rule it breaks."""
    if len(tags) > MAX_TAGS:
        raise TagError(f"{what} may hold at most {MAX_TAGS} names, got {len(tags)}.")
    checked: dict[str, str] = {}
    for name, value in tags.items():
        if not isinstance(name, str) or not TAG_NAME.fullmatch(name):
            raise TagError(
                f"{what}: the name {str(name)[:50]!r} must be 1 to 40 letters, digits, '_', '.' "
                "or '-'."
            )
        if not isinstance(value, str) or not value or len(value) > MAX_TAG_VALUE_CHARS:
            raise TagError(
                f"{what}: the value of {name!r} must be a string of 1 to "
                f"{MAX_TAG_VALUE_CHARS} characters."
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise TagError(f"{what}: the value of {name!r} holds control characters.")
        checked[name] = value
    return checked


def _budget(name: str, body: Any) -> Budget:
    def problem(text: str) -> BudgetFileError:
        return BudgetFileError(f"budget {name!r}: {text}")

    if not BUDGET_NAME.fullmatch(name):
        raise problem("the name must be 1 to 60 letters, digits, '_', '.', ':' or '-'")
    if not isinstance(body, dict):
        raise problem("must be a table with limit_usd, period and tags")
    unknown = sorted(set(body) - {"limit_usd", "period", "tags"})
    if unknown:
        raise problem(f"unknown key(s) {', '.join(unknown)}; use limit_usd, period and tags")
    raw_limit = body.get("limit_usd")
    if not isinstance(raw_limit, str | int) or isinstance(raw_limit, bool):
        raise problem('limit_usd must be a decimal string such as "5.00"')
    try:
        limit = Decimal(str(raw_limit).strip())
    except InvalidOperation:
        raise problem(f"limit_usd {str(raw_limit)[:40]!r} is not a decimal amount") from None
    if not limit.is_finite() or limit < 0:
        raise problem("limit_usd must be zero or a positive amount")
    period = body.get("period", "month")
    if period not in PERIODS:
        raise problem(f"period {str(period)[:20]!r} must be one of {', '.join(PERIODS)}")
    tags = body.get("tags", {})
    if not isinstance(tags, dict):
        raise problem('tags must be a table such as { project = "docs-bot" }')
    try:
        checked = check_tags(tags, "tags")
    except TagError as exc:
        raise problem(str(exc).rstrip(".")) from None
    return Budget(name, limit, period, checked)


def parse_budgets(text: str, origin: str = "the budgets file") -> tuple[Budget, ...]:
    """The budgets in a TOML document (``[budgets.NAME]`` tables)."""
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetFileError(f"{origin} is not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"budgets"})
    if unknown:
        raise BudgetFileError(
            f"{origin}: unknown top-level key(s) {', '.join(unknown)}; define [budgets.NAME] tables"
        )
    tables = document.get("budgets", {})
    if not isinstance(tables, dict):
        raise BudgetFileError(f"{origin}: 'budgets' must hold [budgets.NAME] tables")
    return tuple(_budget(name, body) for name, body in tables.items())


def load_budgets(path: Path | None) -> tuple[Budget, ...]:
    """The budgets in the file at ``path`` (none without a file)."""
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BudgetFileError(f"the budgets file {str(path)[:200]} cannot be read: {exc}") from None
    return parse_budgets(text, f"the budgets file {str(path)[:200]}")
