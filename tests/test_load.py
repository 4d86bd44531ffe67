"""Bounded load over streamable HTTP on loopback: zero failed calls, and memory that does not
grow beyond a stated bound. Latencies are measured and reported (pytest's summary line, and
``tests/load_driver.py`` as a command), never asserted.

CI sizes run by default; the full sizes (50 clients x 200 calls, a 20,000-call soak) are marked
``slow``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_openrouter import FakeOpenRouter
from load_driver import LoadResult, run_load
from mcp_helpers import RunningServer, start, stop
from reliability_counts import count, note

RSS_GROWTH_BOUND_MB = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with FakeOpenRouter() as fake:
        running = start(
            tmp_path_factory.mktemp("load"),
            fake,
            "--transport",
            "streamable-http",
            "--log-level",
            "WARNING",
        )
        yield running
        stop(running)


def check(name: str, result: LoadResult, expected_calls: int) -> None:
    figures = result.summary()
    note(
        f"{name}: {result.calls:,} calls by {result.clients} clients, {result.failures} failed, "
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, "
        f"{figures['calls_per_second']} calls/s, server RSS {figures['rss_before_mb']} -> "
        f"{figures['rss_after_mb']} MB"
    )
    count("load calls", result.calls)
    count("tool calls", result.calls)
    assert result.calls == expected_calls
    assert result.failures == 0, result.failure_samples
    assert result.rss_growth_mb <= RSS_GROWTH_BOUND_MB, figures


def test_concurrent_clients(server: RunningServer) -> None:
    check("load (CI size)", run_load(server, clients=10, calls_per_client=50), 500)


def test_short_soak(server: RunningServer) -> None:
    check("soak (CI size)", run_load(server, clients=4, calls_per_client=300), 1_200)


@pytest.mark.slow
def test_fifty_clients_two_hundred_calls_each(server: RunningServer) -> None:
    check("load", run_load(server, clients=50, calls_per_client=200), 10_000)


@pytest.mark.slow
def test_soak_twenty_thousand_calls(server: RunningServer) -> None:
    check("soak", run_load(server, clients=4, calls_per_client=5_000), 20_000)
