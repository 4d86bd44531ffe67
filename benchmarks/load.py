"""Load: many concurrent clients over streamable HTTP on loopback, every call checked; the
latency percentiles and the server's memory growth (issue: reliability, item 6).

The driver is the one the reliability tests run (``tests/load_driver.py``, with the fake
OpenRouter of the tests), so the benchmark and the tests load the server the same way; the tests
assert zero failures and a memory bound, this reports p50/p99 and throughput. It has no floor:
the mix calls tools that the bare SDK server does not have.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from .common import TESTS_DIR, Section, row


def run(clients: int, calls_per_client: int) -> Section:
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    from fake_openrouter import FakeOpenRouter
    from load_driver import run_load
    from mcp_helpers import start, stop

    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenRouter() as fake:
        server = start(Path(tmp), fake, "--transport", "streamable-http", "--log-level", "WARNING")
        try:
            result = run_load(server, clients, calls_per_client)
        finally:
            stop(server)
    summary = result.summary()
    section = Section("Load over streamable HTTP", details=summary)
    section.rows.append(
        row(
            f"Load: {clients} clients x {calls_per_client} calls, mixed tools (streamable HTTP): "
            "failed calls; p50 / p99 latency; throughput; server RSS before -> after",
            f"{result.failures} of {result.calls}; {summary['p50_ms']} / {summary['p99_ms']} ms; "
            f"{summary['calls_per_second']} calls/s; {summary['rss_before_mb']} -> "
            f"{summary['rss_after_mb']} MB",
            "",
        )
    )
    section.seconds = time.perf_counter() - began
    return section
