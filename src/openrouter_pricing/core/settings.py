"""Settings, read once from the environment (the CLI may override some of them).

Decisions: a frozen dataclass rather than pydantic-settings, so reading settings costs nothing at
start-up; the API key is held in a ``Secret`` whose ``repr`` and ``str`` never show it, and which
can scrub itself (whole or clipped) from any text about to be shown or logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_CATALOG_TTL_SECONDS = 3600.0
DEFAULT_MAX_CONCURRENT_REQUESTS = 64
DEFAULT_HOLD_TTL_SECONDS = 600.0
MIN_SCRUBBED_PREFIX = 16  # "sk-or-v1-" and 7 characters of the secret part
_KEY_SHAPE = re.compile(r"sk-or-v\d+-[A-Za-z0-9_-]{7,}", re.IGNORECASE)  # OpenRouter's key format


class Secret:
    """A string that does not show itself in ``repr``, ``str``, f-strings or logs."""

    __slots__ = ("_pattern", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._pattern: re.Pattern[str] | None = None

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def scrub(self, text: str) -> str:
        """``text`` with this secret, and any clipped or re-cased copy of it (a prefix of at least
        ``MIN_SCRUBBED_PREFIX`` characters in any letter case, as a message that cut or
        lower-cased it would hold), replaced by ``***``."""
        secret = self._value
        head = secret[:MIN_SCRUBBED_PREFIX]
        if not head:
            return text
        if self._pattern is None:
            self._pattern = re.compile(re.escape(head), re.IGNORECASE)
        parts, start = [], 0
        while found := self._pattern.search(text, start):
            end, matched = found.end(), len(head)
            while (
                matched < len(secret)
                and end < len(text)
                and text[end].lower() == secret[matched].lower()
            ):
                end, matched = end + 1, matched + 1
            parts += [text[start : found.start()], "***"]
            start = end
        if not parts:
            return text
        parts.append(text[start:])
        return "".join(parts)


def scrub_secrets(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` without any of ``secrets`` (see ``Secret.scrub``), nor anything shaped like an
    OpenRouter key (a key the server was never given is still somebody's key)."""
    for secret in secrets:
        if secret:
            text = secret.scrub(text)
    if "sk-or-" in text or "SK-OR-" in text.upper():
        text = _KEY_SHAPE.sub("***", text)
    return text


def _default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("openrouter-pricing-mcp", appauthor=False))


def positive_int(text: str, name: str) -> int:
    """``text`` as a whole number of at least 1, or a ``ValueError`` naming the setting."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise ValueError(f"{name} must be a whole number from 1 to 1000000, got {text[:40]!r}")
    return value


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


# Setting -> environment variable (OPENROUTER_PRICING_ + the upper-cased name, "_seconds" dropped).
_LIMIT_FIELDS: dict[str, type] = {
    "call_timeout_seconds": float,
    "max_upstream_requests_per_call": int,
    "max_upstream_concurrency": int,
    "header_timeout_seconds": float,
    "body_timeout_seconds": float,
    "keep_alive_seconds": float,
    "max_connections": int,
    "max_sessions": int,
    "max_sessions_per_client": int,
    "session_idle_timeout_seconds": float,
    "stream_send_timeout_seconds": float,
}


def limit_env_name(field: str) -> str:
    return "OPENROUTER_PRICING_" + field.removesuffix("_seconds").upper()


def positive_seconds(text: str, name: str) -> float:
    """``text`` as a number of seconds above 0 and at most a day, or a ``ValueError``."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86_400:
        raise ValueError(
            f"{name} must be a number of seconds above 0 and at most 86400, got {text[:40]!r}"
        )
    return value


def limits_from(env: Mapping[str, str]) -> dict[str, Any]:
    """The availability bounds set in ``env`` (unset ones keep their defaults)."""
    found: dict[str, Any] = {}
    for field, kind in _LIMIT_FIELDS.items():
        name = limit_env_name(field)
        text = (env.get(name) or "").strip()
        if text:
            found[field] = positive_int(text, name) if kind is int else positive_seconds(text, name)
    return found


@dataclass(frozen=True)
class Settings:
    api_key: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    cache_dir: Path | None = None
    catalog_ttl_seconds: float = DEFAULT_CATALOG_TTL_SECONDS
    offline: bool = False
    catalog_file: Path | None = None
    # The day a --catalog-file's prices are from (--catalog-date); else read from its data.
    catalog_date: datetime | None = None
    log_level: str = "WARNING"
    auth_token: Secret | None = None
    # Tool calls (and HTTP requests) handled at once; more are refused with a "busy" error.
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    # Bounds of the HTTP client: every call to OpenRouter ends within these.
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 15.0
    catalog_fetch_timeout_seconds: float = 10.0
    max_retries: int = 2
    max_retry_wait_seconds: float = 20.0
    request_timeout_seconds: float = 30.0  # one call to /key, /credits, /generation, /endpoints
    # The spend ledger (core.ledger): None is SQLite in the user data dir.
    database_url: str | None = None
    budgets_file: Path | None = None
    hold_ttl_seconds: float = DEFAULT_HOLD_TTL_SECONDS
    ledger_all_keys: bool = False  # over HTTP, reports show every key's spend, not the caller's
    # Availability bounds (docs/RELIABILITY.md, "Hostile and careless clients"), ``limits_from``.
    call_timeout_seconds: float = 90.0  # one tool call, whatever it does, over every transport
    max_upstream_requests_per_call: int = 100  # OpenRouter requests one tool call may make
    max_upstream_concurrency: int = 16  # OpenRouter requests in progress at once, per process
    header_timeout_seconds: float = 10.0  # HTTP: request line and headers complete within
    body_timeout_seconds: float = 30.0  # HTTP: request body complete within
    keep_alive_seconds: float = 5.0  # HTTP: an idle keep-alive connection is closed after
    max_connections: int = 512  # HTTP: open connections (the oldest idle ones go first)
    max_sessions: int = 1000  # streamable HTTP sessions open at once
    max_sessions_per_client: int = 100  # ... per client address
    session_idle_timeout_seconds: float = 600.0  # a session with nothing in flight ends after
    stream_send_timeout_seconds: float = 10.0  # an event stream whose reader stalls this long ends

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        key = (env.get("OPENROUTER_API_KEY") or "").strip()
        token = (env.get("OPENROUTER_PRICING_AUTH_TOKEN") or "").strip()
        cache_dir = (env.get("OPENROUTER_PRICING_CACHE_DIR") or "").strip()
        ttl_text = (env.get("OPENROUTER_PRICING_CATALOG_TTL") or "").strip()
        try:
            ttl = float(ttl_text) if ttl_text else DEFAULT_CATALOG_TTL_SECONDS
        except ValueError as exc:
            raise ValueError(
                f"OPENROUTER_PRICING_CATALOG_TTL must be a number of seconds, got {ttl_text!r}"
            ) from exc
        if ttl < 0:
            raise ValueError("OPENROUTER_PRICING_CATALOG_TTL must be zero or more seconds")
        limit_text = (env.get("OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS") or "").strip()
        limit = positive_int(
            limit_text or str(DEFAULT_MAX_CONCURRENT_REQUESTS),
            "OPENROUTER_PRICING_MAX_CONCURRENT_REQUESTS",
        )
        budgets = (env.get("OPENROUTER_PRICING_BUDGETS") or "").strip()
        hold_text = (env.get("OPENROUTER_PRICING_HOLD_TTL") or "").strip()
        hold_ttl = float(
            positive_int(hold_text, "OPENROUTER_PRICING_HOLD_TTL")
            if hold_text
            else DEFAULT_HOLD_TTL_SECONDS
        )
        return cls(
            database_url=(env.get("OPENROUTER_PRICING_DATABASE_URL") or "").strip() or None,
            budgets_file=Path(budgets).expanduser() if budgets else None,
            hold_ttl_seconds=hold_ttl,
            ledger_all_keys=_flag(env.get("OPENROUTER_PRICING_LEDGER_ALL_KEYS")),
            api_key=Secret(key) if key else None,
            base_url=(env.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/"),
            cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
            catalog_ttl_seconds=ttl,
            offline=_flag(env.get("OPENROUTER_PRICING_OFFLINE")),
            log_level=(env.get("OPENROUTER_PRICING_LOG_LEVEL") or "WARNING").strip().upper(),
            auth_token=Secret(token) if token else None,
            max_concurrent_requests=limit,
            **limits_from(env),
        )

    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else _default_cache_dir()
