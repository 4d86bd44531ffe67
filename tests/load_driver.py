"""A bounded load on the console script over streamable HTTP, on loopback: many clients, a fixed
number of calls each, every call checked; latencies and the server's memory measured.

    .venv/bin/python tests/load_driver.py --clients 50 --calls 200      # 10,000 calls at once
    .venv/bin/python tests/load_driver.py --clients 4 --calls 5000      # a 20,000-call soak

It starts the fake OpenRouter (tests/fake_openrouter.py) and the server (``--transport
streamable-http``) in a subprocess, warms it up, reads its resident memory (VmRSS from
/proc/PID/status), runs the load, reads it again, and prints calls, failures, p50/p95/p99/max
latency, throughput and the memory growth. tests/test_load.py runs it in CI sizes (and the full
sizes under ``-m slow``) and asserts zero failures and a memory bound, never a latency.

The mix of calls is what agents do: estimate_cost (varying models and sizes, about half the
calls), list_models, recommend_model, check_balance and get_generation_cost. Client-side output
validation stays on: every result is checked against its tool's schema.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openrouter import DEFAULT_GENERATION_ID, FakeOpenRouter
from mcp_helpers import RunningServer, start, stop

MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4.5",
    "deepseek/deepseek-v4-pro",
    "meta-llama/llama-3.3-70b-instruct",
    "mistralai/mistral-small-3.2-24b-instruct",
]
CALL_TIMEOUT_SECONDS = 60.0
WARMUP_CALLS = 200


def call_for(n: int) -> tuple[str, dict[str, Any]]:
    """The n-th call of a client: a fixed, varied mix."""
    kind = n % 10
    if kind < 5:
        model = MODELS[n % len(MODELS)]
        return "estimate_cost", {
            "model": model,
            "prompt_tokens": 100 + (n * 37) % 50_000,
            "completion_tokens": (n * 11) % 4_000,
            "requests": 1 + n % 100,
        }
    if kind < 7:
        return "list_models", {"limit": 5, "offset": n % 4, "sort": "prompt_price"}
    if kind == 7:
        return "recommend_model", {"task": "summarise support tickets", "limit": 3}
    if kind == 8:
        return "check_balance", {}
    return "get_generation_cost", {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0}


def rss_kb(pid: int) -> int:
    """The resident memory of a process, in kB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class LoadResult:
    clients: int
    calls_per_client: int
    calls: int = 0
    failures: int = 0
    failure_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    rss_before_kb: int = 0
    rss_after_kb: int = 0

    @property
    def rss_growth_mb(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / 1024

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "latencies_ms"}
        data.update(
            p50_ms=round(self.percentile(50), 2),
            p95_ms=round(self.percentile(95), 2),
            p99_ms=round(self.percentile(99), 2),
            max_ms=round(max(self.latencies_ms, default=0.0), 2),
            mean_ms=round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            calls_per_second=round(self.calls / self.seconds, 1) if self.seconds else 0,
            rss_before_mb=round(self.rss_before_kb / 1024, 1),
            rss_after_mb=round(self.rss_after_kb / 1024, 1),
            rss_growth_mb=round(self.rss_growth_mb, 1),
        )
        return data


async def drive(
    url: str,
    clients: int,
    calls_per_client: int,
    result: LoadResult,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """``clients`` sessions at once, each making ``calls_per_client`` calls one after another."""

    async def client_loop(index: int) -> None:
        async with (
            httpx2.AsyncClient(timeout=CALL_TIMEOUT_SECONDS) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            for n in range(calls_per_client):
                tool, args = call_for(index * 7919 + n)
                started = time.perf_counter()
                try:
                    with anyio.fail_after(CALL_TIMEOUT_SECONDS):
                        answer = await client.call_tool(tool, args)
                    failed = answer.is_error or answer.structured_content is None
                    detail = str(answer.content[0])[:200] if failed and answer.content else ""
                except Exception as exc:  # a failure to count, not to stop the load
                    failed, detail = True, f"{type(exc).__name__}: {str(exc)[:200]}"
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.calls += 1
                if failed:
                    result.failures += 1
                    if len(result.failure_samples) < 5:
                        result.failure_samples.append(f"{tool}: {detail}")
                if on_progress is not None:
                    on_progress(result.calls)

    async with anyio.create_task_group() as group:
        for index in range(clients):
            group.start_soon(client_loop, index)


def run_load(
    server: RunningServer, clients: int, calls_per_client: int, *, warmup: int = WARMUP_CALLS
) -> LoadResult:
    """Warm the server up, then run the load; memory is read after each."""
    url = f"{server.base}/mcp"
    anyio.run(drive, url, 4, max(1, warmup // 4), LoadResult(4, warmup // 4))
    result = LoadResult(clients, calls_per_client)
    result.rss_before_kb = rss_kb(server.process.pid)
    started = time.perf_counter()
    anyio.run(drive, url, clients, calls_per_client, result)
    result.seconds = time.perf_counter() - started
    result.rss_after_kb = rss_kb(server.process.pid)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200, help="calls per client")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, FakeOpenRouter() as fake:
        server = start(Path(tmp), fake, "--transport", "streamable-http", "--log-level", "WARNING")
        try:
            result = run_load(server, args.clients, args.calls)
        finally:
            stop(server)
    print(json.dumps(result.summary(), indent=1))
    return 0 if result.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
