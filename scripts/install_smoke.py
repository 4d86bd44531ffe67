"""Start an installed ``openrouter-pricing-mcp`` over stdio and call ``list_models`` offline.

Run by ``scripts/check_install.py`` with the Python of a freshly made virtual environment, so the
MCP client (and the server) come from what was installed there, not from a checkout. Prints one
line of JSON about what it saw; exits 1 with the reason when anything is off.

Usage: python install_smoke.py COMMAND [ARG...]
"""

import json
import os
import sys
import tempfile

import anyio
from mcp import Client, StdioServerParameters

EXPECTED_TOOLS = {"list_models", "estimate_cost", "recommend_model"}


async def smoke(command: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "OPENROUTER_PRICING_CACHE_DIR": home,
        }
        for name in ("UV_CACHE_DIR", "UV_OFFLINE"):  # uvx: run from what was installed
            if name in os.environ:
                env[name] = os.environ[name]
        params = StdioServerParameters(
            command=command[0], args=[*command[1:], "--offline"], env=env, cwd=home
        )
        with anyio.fail_after(60):
            async with Client(params) as session:
                tools = {tool.name for tool in (await session.list_tools()).tools}
                missing = EXPECTED_TOOLS - tools
                if missing:
                    raise SystemExit(f"tools missing from the installed server: {sorted(missing)}")
                result = await session.call_tool(
                    "list_models", {"query": "gpt", "limit": 3, "sort": "prompt_price"}
                )
                if result.is_error or result.structured_content is None:
                    raise SystemExit(f"list_models failed: {result.content}")
                data = result.structured_content
                source = data["catalog"]["source"]
                if source != "builtin" or not data["models"]:
                    raise SystemExit(f"expected built-in prices, got source={source!r}")
                return {"tools": sorted(tools), "source": source, "total": data["total"]}


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(anyio.run(smoke, sys.argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
