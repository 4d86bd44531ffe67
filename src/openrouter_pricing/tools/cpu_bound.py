"""Where CPU-heavy work runs: one worker thread at a time for the whole process.

Counting the tokens of a long ``prompt_text`` takes up to about 0.65 s of pure-Python CPU
(``core.tokens``). It already runs off the event loop, but every extra thread that computes
competes with the event loop for the interpreter lock: four callers counting at once raised every
other caller's median latency from 4 ms to 157 ms. So such work takes the one slot here: callers
that count queue behind each other (each still within its call deadline), and everyone else
shares the interpreter with at most one computing thread.
"""

from __future__ import annotations

import asyncio
import weakref

import anyio

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def cpu_slot() -> anyio.CapacityLimiter:
    """The one slot for CPU-heavy worker-thread work, per event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = anyio.CapacityLimiter(1)
    return slot


__all__ = ["cpu_slot"]
