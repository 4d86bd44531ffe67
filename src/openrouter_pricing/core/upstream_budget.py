"""How many requests to OpenRouter one tool call may make, and how many run at once per process.

Decisions:
- The per-call count lives in a context variable set by the tool guard for each call; tasks a
  call starts inherit it, so a list of generation ids shares one count. Every HTTP attempt (a
  retry included) takes one; past the limit the client makes no request and fails at once.
- The background catalog refresh runs outside any call, so it is not counted (it is one request,
  and single-flight).
- The per-process bound is a capacity limiter in the client (``Settings.max_upstream_concurrency``):
  however many calls run, at most that many requests are in progress at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import RequestTimeoutError


class UpstreamBudgetSpent(RequestTimeoutError):
    """The call made its limit of requests to OpenRouter; no further one is made."""


class UpstreamBudget:
    """A count of the requests one call may still make."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self) -> bool:
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


_budget: ContextVar[UpstreamBudget | None] = ContextVar("upstream_budget", default=None)


@contextmanager
def upstream_budget(limit: int) -> Iterator[UpstreamBudget]:
    """Count the upstream requests made inside this block (and the tasks it starts)."""
    budget = UpstreamBudget(limit)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def take_request() -> UpstreamBudget | None:
    """Count one request against the current call; the exhausted budget, or None when allowed."""
    budget = _budget.get()
    if budget is None or budget.take():
        return None
    return budget


__all__ = ["UpstreamBudget", "UpstreamBudgetSpent", "take_request", "upstream_budget"]
