"""Cache lifetimes for the results a client may keep (MCP protocol 2026-07-28, ``ttlMs``).

Decisions:
- The SDK fills ``ttlMs``/``cacheScope`` on the cacheable methods from ``MCPServer(cache_hints=)``
  (SEP-2549). It does so only on sessions that speak 2026-07-28; older protocol versions have no
  such fields, so their results are unchanged.
- Every lifetime is the catalog TTL: the tool, prompt and resource lists never change while the
  process runs, and the catalog and model sheets are refreshed at most once per TTL, so a client
  that asks again sooner learns nothing new. A TTL of 0 (always refresh) gives 0 (never cache).
- Scope ``public``: none of these results depends on who asks (a caller's own key, sent in
  ``X-OpenRouter-Key``, changes only the tools that read an account, and tool calls are not
  cacheable).
"""

from __future__ import annotations

from mcp.server.caching import CacheableMethod, CacheHint

from .core.settings import Settings

CACHED_METHODS: tuple[CacheableMethod, ...] = (
    "tools/list",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
)


def cache_hints(settings: Settings) -> dict[CacheableMethod, CacheHint]:
    """The hint of each cacheable method: the catalog TTL, shared by every caller."""
    ttl_ms = max(0, int(settings.catalog_ttl_seconds * 1000))
    return {method: CacheHint(ttl_ms=ttl_ms, scope="public") for method in CACHED_METHODS}
