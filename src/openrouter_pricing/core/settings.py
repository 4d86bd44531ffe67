"""Settings, read once from the environment (the CLI may override some of them).

Decisions: a frozen dataclass rather than pydantic-settings, so reading settings costs nothing at
start-up; the API key is held in a ``Secret`` whose ``repr`` and ``str`` never show it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_CATALOG_TTL_SECONDS = 3600.0


class Secret:
    """A string that does not show itself in ``repr``, ``str``, f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

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


def _default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("openrouter-pricing-mcp", appauthor=False))


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    api_key: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    cache_dir: Path | None = None
    catalog_ttl_seconds: float = DEFAULT_CATALOG_TTL_SECONDS
    offline: bool = False
    catalog_file: Path | None = None
    log_level: str = "WARNING"
    auth_token: Secret | None = None
    # Bounds of the HTTP client: every call to OpenRouter ends within these.
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 15.0
    catalog_fetch_timeout_seconds: float = 10.0
    max_retries: int = 2
    max_retry_wait_seconds: float = 20.0

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
        return cls(
            api_key=Secret(key) if key else None,
            base_url=(env.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/"),
            cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
            catalog_ttl_seconds=ttl,
            offline=_flag(env.get("OPENROUTER_PRICING_OFFLINE")),
            log_level=(env.get("OPENROUTER_PRICING_LOG_LEVEL") or "WARNING").strip().upper(),
            auth_token=Secret(token) if token else None,
        )

    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else _default_cache_dir()
