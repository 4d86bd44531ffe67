"""The guard publishes each tool's output schema but does not re-validate results per call: the
tools build their output as TypedDicts that mypy checks (tools/outputs.py), and every test that
calls a tool through the SDK client checks the result against the published ``outputSchema`` (the
client's own validation)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from openrouter_pricing.tools.guard import GuardedServer


class Shape(BaseModel):
    amount_usd: str


def server_with(structured: dict[str, Any]) -> GuardedServer:
    async def answer(n: int) -> Annotated[CallToolResult, Shape]:
        """Return ``structured`` as is."""
        return CallToolResult(
            content=[TextContent(type="text", text=str(n))], structured_content=structured
        )

    server = GuardedServer("shape")
    server.add_tool(answer)
    return server


async def test_schema_is_published() -> None:
    async with Client(server_with({"amount_usd": "1.5"})) as client:
        (tool,) = (await client.list_tools()).tools
        assert tool.output_schema is not None
        assert tool.output_schema["properties"]["amount_usd"]["type"] == "string"
        result = await client.call_tool("answer", {"n": 1})
        assert not result.is_error and result.structured_content == {"amount_usd": "1.5"}


async def test_output_is_checked_by_the_client_not_again_by_the_server() -> None:
    wrong = {"amount_usd": 1.5}  # a float where the schema says string
    async with Client(server_with(wrong)) as client:
        with pytest.raises(RuntimeError, match=r"amount_usd|schema"):
            await client.call_tool("answer", {"n": 2})  # the client's check catches it

        async def skip(name: str, result: Any) -> None:
            return None

        client.session.validate_tool_result = skip  # type: ignore[method-assign]
        result = await client.call_tool("answer", {"n": 3})
        assert not result.is_error  # the server passed it on unvalidated
        assert result.structured_content == wrong
