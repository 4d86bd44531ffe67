"""openrouter-pricing-mcp: exact OpenRouter prices, estimates, balances and recommendations for
AI agents, over MCP.

``__version__`` is read from the installed package's metadata on first access, not at import:
``importlib.metadata`` costs tens of milliseconds that a cold start should not pay.
"""

from __future__ import annotations

import functools

__all__ = ["__version__"]


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openrouter-pricing-mcp")
    except PackageNotFoundError:  # a source tree that was not installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
