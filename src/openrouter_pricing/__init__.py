"""openrouter-pricing-mcp: exact OpenRouter prices, estimates, balances and recommendations for
AI agents, over MCP."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openrouter-pricing-mcp")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
