"""Upstream calls: how often tool calls make the server fetch the catalog from OpenRouter.

The server runs in memory against ``tests/fake_openrouter.py`` (a real HTTP server on loopback
that counts requests per path) serving the 549-model catalog, with a private, empty cache dir:
- warm: after one call has loaded the catalog, ``warm_calls`` more calls (the three tools in turn,
  varying arguments) must cause 0 fetches of ``/models``;
- cold: a new server with an empty cache, ``cold_calls`` calls at once (the fake delays its answer
  so that they all arrive while the fetch is in flight) must cause exactly 1.
Both the fake's count of ``/models`` requests and the store's own ``fetch_count`` are reported.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from openrouter_pricing.server import build_server
from openrouter_pricing.state import Runtime

from .common import TESTS_DIR, Section, catalog_bytes, exactly, row, without_result_validation
from .workloads import TOOLS, tool_args

COLD_FETCH_DELAY_SECONDS = 0.3


def fake_module() -> Any:
    """``tests/fake_openrouter.py`` (it needs pytest, from the project's test extra)."""
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    import fake_openrouter

    return fake_openrouter


async def _warm(fake: Any, cache_dir: Path, calls: int) -> tuple[int, int, int]:
    """(fetches by the fake's count, by the store's count, calls that failed) after warm-up."""
    settings = fake.settings(cache_dir=cache_dir)
    runtime = Runtime(settings)
    makers = tool_args(fake.catalog_bytes)
    failed = 0
    async with Client(build_server(settings, runtime=runtime)) as client:
        without_result_validation(client)
        await client.call_tool("estimate_cost", makers["estimate_cost"](0))  # loads the catalog
        assert runtime.state is not None
        fake_before, store_before = fake.count("/models"), runtime.state.store.fetch_count
        for i in range(calls):
            name = TOOLS[i % len(TOOLS)]
            result = await client.call_tool(name, makers[name](i))
            failed += result.is_error
        fetched = fake.count("/models") - fake_before
        store_fetched = runtime.state.store.fetch_count - store_before
    return fetched, store_fetched, failed


async def _cold(fake: Any, cache_dir: Path, calls: int) -> tuple[int, int, int]:
    settings = fake.settings(cache_dir=cache_dir)
    if hasattr(settings, "max_concurrent_requests"):  # let every call in at once, none queued
        settings = dataclasses.replace(settings, max_concurrent_requests=max(calls, 1))
    runtime = Runtime(settings)
    makers = tool_args(fake.catalog_bytes)
    fake.script("/models", [fake_module().Fault.delay(COLD_FETCH_DELAY_SECONDS)])
    before = fake.count("/models")
    failed = 0
    async with Client(build_server(settings, runtime=runtime)) as client:
        without_result_validation(client)

        async def call(i: int) -> None:
            nonlocal failed
            name = TOOLS[i % len(TOOLS)]
            result = await client.call_tool(name, makers[name](i))
            failed += result.is_error

        async with anyio.create_task_group() as group:
            for i in range(calls):
                group.start_soon(call, i)
        assert runtime.state is not None
        store_fetched = runtime.state.store.fetch_count
    return fake.count("/models") - before, store_fetched, failed


async def measure(warm_calls: int, cold_calls: int) -> Section:
    section = Section("Upstream catalog fetches")
    began = time.perf_counter()
    module = fake_module()
    with (
        tempfile.TemporaryDirectory(prefix="bench-upstream-") as tmp,
        module.FakeOpenRouter(catalog=catalog_bytes()) as fake,
    ):
        warm = await _warm(fake, Path(tmp) / "warm", warm_calls)
        cold = await _cold(fake, Path(tmp) / "cold", cold_calls)
    for label, (fetched, store_fetched, failed), wanted in (
        (f"{warm_calls} tool calls on a warm store", warm, 0),
        (f"{cold_calls} concurrent tool calls on a cold store", cold, 1),
    ):
        section.rows.append(
            row(
                f"/models fetches: {label}",
                f"{fetched} (store: {store_fetched}; failed calls: {failed})",
                "",
                None,
                exactly(fetched, wanted),
            )
        )
    section.details = {
        "warm": {"calls": warm_calls, "fake_count": warm[0], "fetch_count": warm[1],
                 "failed_calls": warm[2]},
        "cold": {"calls": cold_calls, "fake_count": cold[0], "fetch_count": cold[1],
                 "failed_calls": cold[2], "fetch_delay_s": COLD_FETCH_DELAY_SECONDS},
    }  # fmt: skip
    section.seconds = time.perf_counter() - began
    return section


def run(warm_calls: int, cold_calls: int) -> Section:
    return anyio.run(measure, warm_calls, cold_calls)
