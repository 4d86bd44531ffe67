"""Cold start over stdio: from spawning the server to a completed ``tools/list``, ours vs the floor.

Decisions:
- The client is a few lines of JSON-RPC over the pipes (``initialize``, ``notifications/
  initialized``, ``tools/list``, the handshake a host such as Claude Desktop makes), not the SDK
  client: importing and setting up a client would add its own noise to a figure that is about the
  server. The clock stops when the ``tools/list`` answer has been read; shutting down is not timed.
- Rounds alternate ours and the floor (the order flips every round), after one untimed round of
  each that warms the page cache and the bytecode caches, so machine noise hits both alike.
- Beside the wall time (the budget line), the server's own CPU time until the answer, which
  leaves out the time spent waiting for a core: steadier when other work loads the machine.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from .common import (
    HANDSHAKE_PROTOCOL,
    Section,
    ServerSpec,
    Stats,
    at_most,
    floor_spec,
    ours_spec,
    ratio,
    row,
)

SPAWN_TIMEOUT_SECONDS = 30.0


def _send(stdin: IO[bytes], message: dict[str, Any]) -> None:
    stdin.write(json.dumps(message).encode() + b"\n")
    stdin.flush()


def _answer(stdout: IO[bytes], request_id: int) -> dict[str, Any]:
    while True:
        line = stdout.readline()
        if not line:
            raise RuntimeError("the server closed stdout before answering")
        message = json.loads(line)
        if message.get("id") == request_id:
            if "error" in message:
                raise RuntimeError(f"the server answered an error: {message['error']}")
            result: dict[str, Any] = message["result"]
            return result


def cpu_seconds(pid: int) -> float:
    """CPU time a live process has had so far, over its threads (``/proc/PID/task/*/schedstat``,
    first field: nanoseconds on a CPU; time spent waiting for a CPU is not counted)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def spawn_to_tools_list(spec: ServerSpec, cwd: Path) -> tuple[float, float, int]:
    """Seconds from spawn to a completed ``tools/list``, the server's CPU seconds until then, and
    the number of tools listed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        spec.argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=spec.env,
        cwd=cwd,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        _send(
            process.stdin,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": HANDSHAKE_PROTOCOL,
                    "capabilities": {},
                    "clientInfo": {"name": "benchmarks", "version": "1"},
                },
            },
        )
        _answer(process.stdout, 1)
        _send(process.stdin, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _send(process.stdin, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        tools = _answer(process.stdout, 2)["tools"]
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(process.pid)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=SPAWN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
    return elapsed, cpu, len(tools)


def run(rounds: int, warm_up: bool = True) -> Section:
    """``rounds`` timed spawns of each server, alternating (after an untimed one of each)."""
    section = Section("Cold start over stdio (spawn to completed tools/list)")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        home = Path(tmp)
        specs = {"ours": ours_spec(home / "ours"), "floor": floor_spec(home / "floor")}
        samples: dict[str, list[float]] = {"ours": [], "floor": []}
        cpu: dict[str, list[float]] = {"ours": [], "floor": []}
        tools: dict[str, int] = {}
        if warm_up:  # warm the page and bytecode caches; not timed
            for spec in specs.values():
                spawn_to_tools_list(spec, home)
        for index in range(rounds):
            order = ("ours", "floor") if index % 2 == 0 else ("floor", "ours")
            for name in order:
                seconds, cpu_time, tools[name] = spawn_to_tools_list(specs[name], home)
                samples[name].append(seconds)
                cpu[name].append(cpu_time)
    ours, floor = Stats.of(samples["ours"]), Stats.of(samples["floor"])
    cold = ratio(ours.median_ms, floor.median_ms)
    section.rows.append(
        row(
            f"Cold start, spawn to tools/list (median of {rounds})",
            f"{ours.median_ms:.0f} ms",
            f"{floor.median_ms:.0f} ms",
            cold,
            at_most(cold, 1.10),
        )
    )
    ours_cpu, floor_cpu = Stats.of(cpu["ours"]), Stats.of(cpu["floor"])
    section.rows.append(
        row(
            f"Cold start, server CPU time until tools/list (median of {rounds}; no run-queue wait)",
            f"{ours_cpu.median_ms:.0f} ms",
            f"{floor_cpu.median_ms:.0f} ms",
            ratio(ours_cpu.median_ms, floor_cpu.median_ms),
        )
    )
    paired = statistics.median(
        o / f for o, f in zip(samples["ours"], samples["floor"], strict=True)
    )
    section.rows.append(
        row(
            "Cold start, median of the per-round ratios (both spawned back to back in a round: "
            "less sensitive to the machine's slow spells)",
            f"{rounds} rounds",
            f"{rounds} rounds",
            paired,
        )
    )
    section.details = {
        "rounds": rounds,
        "paired_ratio": paired,
        "cpu": {"ours": ours_cpu.__dict__, "floor": floor_cpu.__dict__},
        "ours": ours.__dict__,
        "floor": floor.__dict__,
        "tools_listed": tools,
        "samples_ms": {k: [round(s * 1000, 2) for s in v] for k, v in samples.items()},
    }
    section.seconds = time.perf_counter() - began
    return section
