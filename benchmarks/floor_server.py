"""The floor: a bare ``MCPServer`` with one trivial async tool, the cost of the SDK alone.

Every figure in the benchmarks is a ratio against this server, measured in the same run. It
imports nothing but the SDK (so its cold start is the SDK's), and its one tool takes a varying
argument and returns it, so a call costs what the SDK costs to validate, dispatch and answer.

Over HTTP it is served by uvicorn with the same settings as ``openrouter-pricing-mcp`` (access log
off, WARNING level): the SDK's own ``run("streamable-http")`` logs every request to stdout, a cost
of that choice of logging and not of the SDK.

    python benchmarks/floor_server.py                                  # stdio
    python benchmarks/floor_server.py --transport streamable-http --port 8123
"""

from __future__ import annotations

import argparse

from mcp.server.mcpserver import MCPServer

server = MCPServer("floor", log_level="WARNING")


@server.tool()
async def echo(n: int) -> int:
    """Return n."""
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    if args.transport == "stdio":
        server.run()
        return
    import anyio
    import uvicorn

    app = server.streamable_http_app(host=args.host)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_config=None, access_log=False, log_level="warning"
    )
    anyio.run(uvicorn.Server(config).serve)


if __name__ == "__main__":
    main()
