"""A reference, not a budget line: a bare ``MCPServer`` whose one tool returns a result the size
and shape of a ``list_models`` page (20 rows of 19 fields, about 14 KB of structured content and a
1.4 KB text table) without computing anything and without an output schema to validate.

Against the floor's ``echo`` it measures what the SDK's stdio transport alone charges for moving a
result that size (serialising it in the server, parsing it in the client): a cost that any tool
answering 20 rows pays, whatever it computes.

    python benchmarks/payload_server.py      # stdio
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent

ROWS = 20
ROW = {
    "id": "openai/gpt-4o-mini-2024-07-18",
    "name": "OpenAI: GPT-4o-mini (2024-07-18)",
    "context_length": 128000,
    "max_completion_tokens": 16384,
    "prompt_per_m": "0.15",
    "completion_per_m": "0.6",
    "cache_read_per_m": "0.075",
    "cache_write_per_m": None,
    "reasoning_per_m": None,
    "request_usd": None,
    "image_usd": "0.000217",
    "web_search_usd": None,
    "input_modalities": ["text", "image", "file"],
    "output_modalities": ["text"],
    "supports": [
        "frequency_penalty",
        "max_tokens",
        "presence_penalty",
        "response_format",
        "seed",
        "stop",
        "structured_outputs",
        "temperature",
        "tools",
    ],
    "is_free": False,
    "is_dynamic": False,
    "intelligence_index": 21.2,
    "created": "2024-07-18",
}
LINE = "openai/gpt-4o-mini-2024-07-18          128,000  $0.15     $0.6          21.2\n"

server = MCPServer("payload", log_level="WARNING")


@server.tool()
async def rows(n: int) -> CallToolResult:
    """Return a list_models-sized page; n only varies the answer."""
    return CallToolResult(
        content=[TextContent(type="text", text=f"Models {n}:\n" + LINE * ROWS)],
        structured_content={"models": [ROW] * ROWS, "total": 300, "offset": n, "next_offset": None},
    )


if __name__ == "__main__":
    server.run()
