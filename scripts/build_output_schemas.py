"""Write src/openrouter_pricing/data/output_schemas.json: every tool's output schema exactly as the
MCP SDK derives it from the tool's return annotation (``tools.outputs``), so the server can publish
them without deriving them at every start (see ``tools/output_schemas.py``).

    python scripts/build_output_schemas.py

Deterministic (keys in the order the SDK derives them); ``tests/test_output_contract.py``
fails when the file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "src" / "openrouter_pricing" / "data" / "output_schemas.json"


def derived_output_schemas() -> dict[str, Any]:
    """Each tool's output schema, derived by the SDK (a scratch server, tools registered as is)."""
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from mcp.server.mcpserver import MCPServer

    from openrouter_pricing.tools import TOOLS

    scratch: MCPServer[Any] = MCPServer("output-schemas")
    schemas = {}
    for function, _, _ in TOOLS:
        scratch.add_tool(function)
        tool = scratch._tool_manager.get_tool(function.__name__)
        assert tool is not None and tool.output_schema is not None, function.__name__
        schemas[function.__name__] = tool.output_schema
    return schemas


def render(schemas: dict[str, Any]) -> bytes:
    return (json.dumps(schemas, indent=1) + "\n").encode()  # in the order the SDK derives


def main() -> int:
    body = render(derived_output_schemas())
    OUTPUT.write_bytes(body)
    print(f"{OUTPUT}: {len(body):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
