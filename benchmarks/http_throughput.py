"""Streamable HTTP throughput with 1, 8 and 32 concurrent clients, ours vs the floor.

Decisions:
- Both servers run as subprocesses on free loopback ports (ours: ``--transport streamable-http``
  on the snapshot; the floor: ``floor_server.py`` under uvicorn with the same settings).
- Each concurrency level opens its clients (SDK ``Client(url)``, one session each, result
  validation off) before the clock starts; then every client makes the same fixed number of calls
  one after another, all clients at once (an anyio task group), and throughput is all calls over
  the wall time. Ours answers ``estimate_cost`` (varying arguments), the floor ``echo``. The
  client process does no cyclic garbage collection while a round runs (``client_gc_paused``).
- Rounds alternate ours and the floor and the order flips each round; the figure is the median
  round. The clients run in this process, on the same two cores as the server: they cost the
  same for both sides, so the ratio, not the absolute rate, is the figure to read.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import httpx2
from mcp import Client

from .common import (
    Section,
    ServerSpec,
    at_least,
    catalog_bytes,
    client_gc_paused,
    floor_spec,
    free_port,
    http_args,
    ours_spec,
    peak_rss_mb,
    ratio,
    row,
    without_result_validation,
)
from .workloads import FLOOR_TOOL, Args, tool_args

CONCURRENCY = (1, 8, 32)
THROUGHPUT_BUDGET = 0.8
READY_TIMEOUT_SECONDS = 30.0
OUR_TOOL = "estimate_cost"


def start(spec: ServerSpec, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        spec.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=spec.env, cwd=cwd
    )


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until the port answers HTTP at all (any status)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    async with httpx2.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server at {url} exited with {process.returncode}")
            try:
                await http.get(url, timeout=1.0)
                return
            except httpx2.TransportError:
                await anyio.sleep(0.05)
    raise RuntimeError(f"the server at {url} did not answer within {READY_TIMEOUT_SECONDS} s")


async def _round(
    clients: list[Client], tool: str, make: Callable[[int], Args], calls_each: int, base: int
) -> tuple[float, int]:
    """Calls per second with every client making ``calls_each`` calls at once; and errors."""
    errors = 0

    async def worker(index: int, client: Client) -> None:
        nonlocal errors
        for j in range(calls_each):
            result = await client.call_tool(tool, make(base + index * calls_each + j))
            errors += result.is_error

    with client_gc_paused():
        start = time.perf_counter()
        async with anyio.create_task_group() as group:
            for index, client in enumerate(clients):
                group.start_soon(worker, index, client)
        elapsed = time.perf_counter() - start
    return len(clients) * calls_each / elapsed, errors


async def measure(
    calls_per_level: int, rounds: int, levels: tuple[int, ...] = CONCURRENCY
) -> Section:
    section = Section("Streamable HTTP throughput")
    began = time.perf_counter()
    makers = tool_args(catalog_bytes())
    tools = {"ours": (OUR_TOOL, makers[OUR_TOOL]), "floor": (FLOOR_TOOL, makers[FLOOR_TOOL])}
    results: dict[int, dict[str, list[float]]] = {}
    errors = 0
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        ports = {"ours": free_port(), "floor": free_port()}
        specs = {
            "ours": ours_spec(Path(tmp) / "ours", *http_args(ports["ours"])),
            "floor": floor_spec(Path(tmp) / "floor", *http_args(ports["floor"])),
        }
        processes = {name: start(spec, Path(tmp)) for name, spec in specs.items()}
        try:
            urls = {name: f"http://127.0.0.1:{port}/mcp" for name, port in ports.items()}
            for name, url in urls.items():
                await wait_ready(url, processes[name])
            base = 0
            for level in levels:
                calls_each = max(2, calls_per_level // level)
                results[level] = {"ours": [], "floor": []}
                async with AsyncExitStack() as stack:
                    clients: dict[str, list[Client]] = {}
                    for name, url in urls.items():
                        clients[name] = [
                            without_result_validation(
                                await stack.enter_async_context(Client(url, mode="legacy"))
                            )
                            for _ in range(level)
                        ]
                        tool, make = tools[name]
                        await _round(clients[name], tool, make, 2, -1000)  # warm-up, untimed
                    for index in range(rounds):
                        order = ("ours", "floor") if index % 2 == 0 else ("floor", "ours")
                        for name in order:
                            tool, make = tools[name]
                            rate, failed = await _round(clients[name], tool, make, calls_each, base)
                            results[level][name].append(rate)
                            errors += failed
                        base += level * calls_each
            rss = {name: peak_rss_mb(process.pid) for name, process in processes.items()}
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    details: dict[str, object] = {"rounds": rounds, "errors": errors, "peak_rss_mb": rss}
    for level, rates in results.items():
        ours, floor = statistics.median(rates["ours"]), statistics.median(rates["floor"])
        r = ratio(ours, floor)
        section.rows.append(
            row(
                f"Streamable HTTP, {level} concurrent client{'s' if level > 1 else ''} "
                f"(`{OUR_TOOL}` vs `echo`), median of {rounds} rounds",
                f"{ours:.0f} calls/s",
                f"{floor:.0f} calls/s",
                r,
                at_least(r, THROUGHPUT_BUDGET),
            )
        )
        details[str(level)] = {
            "ours_calls_per_s": rates["ours"],
            "floor_calls_per_s": rates["floor"],
        }
    section.rows.append(
        row(
            "Peak RSS (VmHWM) of the HTTP server after the runs",
            f"{rss['ours']:.1f} MB",
            f"{rss['floor']:.1f} MB",
        )
    )
    section.details = details
    section.seconds = time.perf_counter() - began
    return section


def run(calls_per_level: int, rounds: int, levels: tuple[int, ...] = CONCURRENCY) -> Section:
    return anyio.run(measure, calls_per_level, rounds, levels)
