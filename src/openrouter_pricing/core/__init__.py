"""The pricing core: money, schema, pricing, catalog, store, OpenRouter client, recommendations and
token counting. Nothing in this package imports MCP."""
