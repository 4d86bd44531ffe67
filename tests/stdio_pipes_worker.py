"""A child process for tests/test_stdio_pipes.py: echoes stdin lines through ``claimed_stdio``.

    python stdio_pipes_worker.py MAX_LINE_BYTES

Prints whether the pipes are usable (on stderr), then, inside ``claimed_stdio``, writes stray text
to ``sys.stdout`` and fd 1 (both must land on stderr), and answers each line read with
"echo:<line>" on the wire. After the wire closes, it prints "restored" to fd 1, which must reach
the original stdout again.
"""

from __future__ import annotations

import asyncio
import os
import sys

from openrouter_pricing.stdio_pipes import claimed_stdio, pipes_usable


async def main(limit: int) -> None:
    print(f"usable={pipes_usable()}", file=sys.stderr, flush=True)
    async with claimed_stdio(limit) as (lines, out):
        print("stray print", flush=True)
        os.write(1, b"stray write\n")
        async for line in lines:
            await out.write(f"echo:{line.rstrip()}\n")
            await out.flush()
    os.write(1, b"restored\n")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
