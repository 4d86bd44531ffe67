"""Reading OpenRouter's error answers: which exception and advice each status gets, OpenRouter's
own words from an error body, and how long a 429 or 503 asks us to wait.

Kept apart from the client so the client module is only about the exchange itself (attempts,
retries, bounds); everything here is pure and tested through the client against the fake server.
"""

from __future__ import annotations

import functools
import json
import math
import re
from email.utils import parsedate_to_datetime

import httpx2

from . import errors
from .moments import as_utc
from .upstream_budget import UpstreamBudgetSpent

MESSAGE_CLIP = 200
MAX_WAIT_HINT_SECONDS = 3600.0
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")


@functools.cache
def user_agent() -> str:
    """Read on first use: the package version comes from metadata, which is slow to import."""
    from .. import __version__

    return f"openrouter-pricing-mcp/{__version__}"


# status -> (exception, what to do); 403 on a management-only route is refined in _error.
STATUS_ERRORS: dict[int, tuple[type[errors.OpenRouterError], str]] = {
    400: (errors.BadRequestError, "check the id and parameters sent"),
    401: (errors.InvalidKeyError, "check that OPENROUTER_API_KEY (or X-OpenRouter-Key) is valid"),
    402: (
        errors.InsufficientCreditsError,
        "add credits at https://openrouter.ai/credits (a negative balance blocks even free models)",
    ),
    403: (
        errors.ForbiddenError,
        "the key lacks permission or reached its spending limit; see openrouter.ai/settings/keys",
    ),
    404: (errors.NotFoundError, ""),  # the advice depends on the call
    408: (errors.RequestTimeoutError, "try again shortly"),
    429: (errors.RateLimitedError, "wait a minute and try again"),
}
MANAGEMENT_ADVICE = "it needs a management key, so use one or rely on the key's own limit (/key)"
# failure kind other than a status -> (exception, message template)
KIND_ERRORS: dict[str, tuple[type[errors.OpenRouterError], str]] = {
    "connect": (
        errors.ConnectionFailedError,
        "Could not reach OpenRouter at {base_url} for {what} ({reason}); check the network "
        "connection and OPENROUTER_BASE_URL.",
    ),
    "timeout": (
        errors.RequestTimeoutError,
        "OpenRouter did not answer in time for {what} ({reason}); try again later.",
    ),
    "disconnected": (
        errors.InvalidResponseError,
        "The connection broke before {what} arrived in full ({reason}); try again.",
    ),
    "budget": (
        UpstreamBudgetSpent,
        "Stopped asking OpenRouter for {what}: {reason}; ask for fewer ids at once.",
    ),
    "invalid": (
        errors.InvalidResponseError,
        "OpenRouter's answer for {what} was not what its API documents ({reason}); try again "
        "later, and report it if it persists.",
    ),
}


def other_status(status: int) -> tuple[type[errors.OpenRouterError], str]:
    if status >= 500:
        return errors.UpstreamError, "OpenRouter or its provider is failing, try again shortly"
    if status >= 400:
        return errors.OpenRouterError, "this client did not expect that status here"
    return errors.InvalidResponseError, "a redirect is not followed, check OPENROUTER_BASE_URL"


def describe(exc: Exception) -> str:
    return clip(str(exc)) or type(exc).__name__


def clip(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= MESSAGE_CLIP else text[: MESSAGE_CLIP - 3] + "..."


def upstream_detail(body: bytearray) -> str:
    """OpenRouter's own words from an error body ``{"error": {"message", "metadata"}}``."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        metadata = error.get("metadata")
        provider = metadata.get("provider_name") if isinstance(metadata, dict) else None
        message = str(error.get("message") or "")
        return clip(f"{message} [provider: {provider}]" if isinstance(provider, str) else message)
    if error is not None:
        return clip(str(error))
    text = body.decode("utf-8", "replace").strip()
    return "an HTML error page" if text.startswith("<") else clip(text)


def retry_after_seconds(headers: httpx2.Headers, now: float) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``X-RateLimit-Reset`` (unix time in ms as OpenRouter sends it, unix seconds, or a delay)."""
    retry_after = headers.get("retry-after", "").strip()
    reset = headers.get("x-ratelimit-reset", "").strip()
    try:
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                when = parsedate_to_datetime(retry_after)
                seconds = as_utc(when).timestamp() - now
        elif reset:
            seconds = float(reset)
            if seconds >= 1e11:  # unix time in milliseconds
                seconds = seconds / 1000 - now
            elif seconds >= 1e9:  # unix time in seconds
                seconds -= now
        else:
            return None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # Clamped: an upstream that asks for 1e308 seconds must not reach a message as 300 digits.
    return min(max(0.0, seconds), MAX_WAIT_HINT_SECONDS) if math.isfinite(seconds) else None
