"""An agent step that chooses an OpenRouter model by cost, through openrouter-pricing-mcp.

It starts the server over stdio in offline mode (the built-in catalog: no key, no network), asks
``recommend_model`` for the best-value models for a job, prices one request and the whole batch of
the top pick with ``estimate_cost`` (counting the prompt from its text), and shows how the real
cost of a finished request would be checked with ``get_generation_cost``, which needs an API key
and the id OpenRouter returned, so it is not called here.

Run it from the project root after installing:  .venv/bin/python examples/agent.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent

TASK = "Classify customer support tickets and return JSON: category, urgency, one-line summary."
REQUESTS = 20_000
PROMPT = """You are a support triage assistant. Read the ticket and answer with JSON only:
{"category": "billing|bug|account|feature|other", "urgency": "low|medium|high",
 "summary": "<one line>"}

Ticket #48213 from dana@example.com:
Hi, I was charged twice for the Pro plan this month (two identical charges on the 3rd).
I need one of them refunded before my card statement closes on Friday. Thanks."""
EXPECTED_ANSWER_TOKENS = 60


def server_parameters() -> StdioServerParameters:
    """The installed console script next to this Python, else ``python -m openrouter_pricing``."""
    script = Path(sys.executable).parent / "openrouter-pricing-mcp"
    if script.exists():
        return StdioServerParameters(command=str(script), args=["--offline"])
    return StdioServerParameters(
        command=sys.executable, args=["-m", "openrouter_pricing", "--offline"]
    )


def text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    if result.is_error or result.structured_content is None:
        raise SystemExit(f"{tool} failed: {text(result)}")
    print(f"\n$ {tool} {json.dumps(arguments)}\n{text(result)}")
    return result.structured_content


async def main() -> None:
    async with Client(server_parameters()) as client:
        picks = await call(
            client,
            "recommend_model",
            {
                "task": TASK,
                "required_capabilities": ["structured_outputs"],
                "prompt_tokens": 150,
                "completion_tokens": EXPECTED_ANSWER_TOKENS,
                "requests": REQUESTS,
                "budget_usd": "5",
                "allow_free": False,
                "limit": 3,
            },
        )
        best = picks["recommendations"][0]
        estimate = await call(
            client,
            "estimate_cost",
            {
                "model": best["model"],
                "prompt_text": PROMPT,
                "completion_tokens": EXPECTED_ANSWER_TOKENS,
                "requests": REQUESTS,
            },
        )
        print(
            f"\nChoice: {best['model']} ({best['why']}).\n"
            f"{REQUESTS:,} tickets cost ${estimate['total_usd']} in all, "
            f"${estimate['per_request_usd']} each (prices: {estimate['catalog']['source']} "
            f"catalog fetched {estimate['catalog']['fetched_at']})."
        )
        lookup = {"generation_id": "gen-<id from the chat completion response>"}
        print(
            "\nAfter sending real requests, the agent checks what they really cost with\n"
            f"  get_generation_cost {json.dumps(lookup)}\n"
            "(or a list of up to 50 ids). That call asks OpenRouter, so it needs the server "
            "started online with OPENROUTER_API_KEY set (or an X-OpenRouter-Key header over HTTP) "
            "and an id OpenRouter returned; it is not made in this offline example."
        )


if __name__ == "__main__":
    anyio.run(main)
