"""``check_balance``: what the OpenRouter key in use may still spend.

Decisions:
- ``GET /key`` and ``GET /credits`` are asked concurrently. ``/key`` is required (its error is the
  tool's error); ``/credits`` answers only to management keys, so its refusal is not a failure:
  ``account`` is ``null`` and ``account_note`` says why.
- A ``/credits`` answer of zeros while the key has usage is not trusted (some deployments answer
  that to ordinary keys): ``account`` is ``null`` with a note.
- ``spendable_usd`` is the smaller of the key's ``limit_remaining`` and the account's remaining
  credits, among those known; ``spendable_note`` explains what it is based on (for example a key
  without a limit, when the account balance cannot be read).
- ``free_model_daily_limit``: 1000 when the account bought $10 or more, else 50; from /credits when
  readable, else 50 when OpenRouter says the key is on the free tier (never paid), else unknown.
- The key used is the caller's ``X-OpenRouter-Key`` over HTTP, else the server's own key.
"""

from typing import Annotated

from mcp.types import CallToolResult

from .common import AppContext
from .outputs import CheckBalanceOutput


async def check_balance(ctx: AppContext) -> Annotated[CallToolResult, CheckBalanceOutput]:
    """Check what the OpenRouter key in use may still spend: the key's usage (all time, today,
    this week, this month, BYOK), its spending cap and what remains of it, the account's
    credits when the key may read them (management keys), the smaller of the two as
    spendable_usd, and the daily request allowance for ':free' models. Use it before a costly
    batch, or when requests fail with 402. All amounts are USD as exact decimal strings. Needs an
    API key: the server's OPENROUTER_API_KEY, or over HTTP the caller's X-OpenRouter-Key header.
    Example: {} (no arguments)."""
    from ._impl.check_balance import answer  # deferred: the core loads on the first call

    return await answer(ctx)
