"""Per-tool latency over stdio, and the peak RSS of both servers after the same workload.

Decisions:
- Both servers run at once as subprocesses, each behind an SDK ``Client`` over stdio (the
  initialize handshake, as hosts speak it) with result validation off on both (see
  ``common.without_result_validation``).
- Calls alternate one by one: an ``estimate_cost`` of ours, a floor ``echo``, a ``list_models``, a
  floor ``echo``, a ``recommend_model``, a floor ``echo``, and so on, so machine noise hits both
  sides alike; every tool is compared with the floor calls of the same run.
- The client process does no cyclic garbage collection while timing (``client_gc_paused``): a
  larger answer leaves more garbage in the client, and collecting it is the client's cost.
- Each call's arguments differ (``workloads``). Warm-up calls (untimed) load ours' catalog first:
  the catalog load is measured on its own (``catalog_ready``), not smeared over the calls.
- Peak RSS is each server's ``VmHWM`` read from /proc after the workload, while it still runs.
- A reference line, outside the budget: ``payload_server.py``, a bare SDK tool returning a result
  the size of a ``list_models`` page, called in the same rotation: what the transport alone
  charges for 20 rows.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

from .common import (
    Budget,
    Section,
    ServerSpec,
    Stats,
    at_most,
    catalog_bytes,
    children_of,
    client_gc_paused,
    cmdline,
    floor_spec,
    ours_spec,
    payload_spec,
    peak_rss_mb,
    ratio,
    row,
    without_result_validation,
)
from .workloads import FLOOR_TOOL, TOOLS, Args, tool_args

BUDGET = {"estimate_cost": 1.25, "list_models": 1.5, "recommend_model": 2.0}
RSS_BUDGET_MB = 25.0
WARMUP_CALLS = 10
PAYLOAD_TOOL = "rows"


def stdio_client(spec: ServerSpec) -> Client:
    params = StdioServerParameters(command=spec.argv[0], args=list(spec.argv[1:]), env=spec.env)
    return Client(params, mode="legacy")


def _server_pid(script: str, known: set[int]) -> int:
    """The pid of the child process just spawned whose command line names ``script``."""
    for pid in children_of(os.getpid()):
        if pid not in known and script in cmdline(pid):
            return pid
    raise RuntimeError(f"no child process runs {script}")


async def timed_call(client: Client, name: str, args: Args, errors: dict[str, int]) -> float:
    start = time.perf_counter()
    result = await client.call_tool(name, args)
    elapsed = time.perf_counter() - start
    if result.is_error:
        errors[name] = errors.get(name, 0) + 1
    return elapsed


async def _rotate(
    clients: tuple[Client, Client, Client],
    calls: int,
    *,
    makers: dict[str, Callable[[int], Args]],
    samples: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    """Each of our tools then a floor ``echo``, in turn, then one payload reference call."""
    ours, floor, payload = clients
    for i in range(-WARMUP_CALLS, calls):  # negative i: warm-up, not kept
        for name in TOOLS:
            ours_call = await timed_call(ours, name, makers[name](i), errors)
            n = i * len(TOOLS) + TOOLS.index(name)
            floor_call = await timed_call(floor, FLOOR_TOOL, makers[FLOOR_TOOL](n), errors)
            if i >= 0:
                samples[name].append(ours_call)
                samples[FLOOR_TOOL].append(floor_call)
        payload_call = await timed_call(payload, PAYLOAD_TOOL, {"n": i}, errors)
        if i >= 0:
            samples[PAYLOAD_TOOL].append(payload_call)


async def measure(calls: int) -> Section:
    """``calls`` timed calls of each of our three tools, each followed by a floor call."""
    section = Section("Per-tool latency over stdio")
    began = time.perf_counter()
    makers: dict[str, Callable[[int], Args]] = tool_args(catalog_bytes())
    samples: dict[str, list[float]] = {name: [] for name in (*TOOLS, FLOOR_TOOL, PAYLOAD_TOOL)}
    errors: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stdio-") as tmp:
        home = Path(tmp)
        specs = (ours_spec(home / "ours"), floor_spec(home / "floor"), payload_spec(home / "x"))
        known = set(children_of(os.getpid()))
        async with (
            stdio_client(specs[0]) as ours,
            stdio_client(specs[1]) as floor,
            stdio_client(specs[2]) as payload,
        ):
            ours_pid = _server_pid(specs[0].argv[0], known)
            floor_pid = _server_pid(specs[1].argv[1], known)
            for client in (ours, floor, payload):
                without_result_validation(client)
            with client_gc_paused():
                clients = (ours, floor, payload)
                await _rotate(clients, calls, makers=makers, samples=samples, errors=errors)
            rss = {"ours": peak_rss_mb(ours_pid), "floor": peak_rss_mb(floor_pid)}
    floor_stats = Stats.of(samples[FLOOR_TOOL])
    stats = {name: Stats.of(values) for name, values in samples.items()}
    section.rows.append(
        row(
            f"Floor `echo` over stdio, median / p99 of {floor_stats.n}",
            "",
            f"{floor_stats.median_ms:.3f} / {floor_stats.p99_ms:.3f} ms",
        )
    )
    for name in TOOLS:
        s = stats[name]
        r = ratio(s.median_ms, floor_stats.median_ms)
        section.rows.append(
            row(
                f"`{name}` over stdio, median / p99 of {s.n}",
                f"{s.median_ms:.3f} / {s.p99_ms:.3f} ms",
                f"{floor_stats.median_ms:.3f} / {floor_stats.p99_ms:.3f} ms",
                r,
                at_most(r, BUDGET[name]),
            )
        )
    reference = stats[PAYLOAD_TOOL]
    section.rows.append(
        row(
            f"Reference: bare-SDK tool returning a `list_models`-sized result (14 KB), median / "
            f"p99 of {reference.n}",
            f"{reference.median_ms:.3f} / {reference.p99_ms:.3f} ms",
            f"{floor_stats.median_ms:.3f} / {floor_stats.p99_ms:.3f} ms",
            ratio(reference.median_ms, floor_stats.median_ms),
        )
    )
    extra = rss["ours"] - rss["floor"]
    section.rows.append(
        row(
            "Peak RSS (VmHWM) of the stdio server after the workload",
            f"{rss['ours']:.1f} MB",
            f"{rss['floor']:.1f} MB",
            None,
            _rss_budget(extra),
        )
    )
    section.details = {
        "calls_per_tool": calls,
        "stats": {name: s.__dict__ for name, s in stats.items()},
        "errors": errors,
        "peak_rss_mb": rss,
        "rss_above_floor_mb": extra,
    }
    section.seconds = time.perf_counter() - began
    return section


def _rss_budget(extra_mb: float) -> Budget:
    text = f"<= floor + {RSS_BUDGET_MB:.0f} MB (+{extra_mb:.1f} MB)"
    return Budget(text, extra_mb, "<=", RSS_BUDGET_MB)


def run(calls: int) -> Section:
    return anyio.run(measure, calls)
