"""In-process cost of the three tools over the 549-model catalog, with no transport in the way.

Two figures per tool:
- through the SDK in memory (``Client(server)``, result validation off), against the floor's
  trivial tool the same way, calls alternating as over stdio: what a call costs the server process
  without any pipe or socket;
- the tool body alone (the tool function awaited directly with the server's state, no SDK): our
  own work per call. The difference between the two is what the SDK spends on our arguments and
  results (input validation, output-schema validation, serialisation).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
from mcp import Client

from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server
from openrouter_pricing.state import AppState, Runtime

from . import floor_server
from .common import (
    Section,
    Stats,
    catalog_bytes,
    ratio,
    row,
    snapshot_path,
    without_result_validation,
)
from .stdio_latency import timed_call
from .workloads import FLOOR_TOOL, TOOLS, Args, tool_args

WARMUP_CALLS = 10


def settings_for(cache_dir: Path) -> Settings:
    """Ours as the benchmarks run it: the snapshot file, else offline on the built-in catalog."""
    path = snapshot_path()
    return Settings(catalog_file=path, offline=path is None, cache_dir=cache_dir)


def tool_functions() -> dict[str, Callable[..., Awaitable[Any]]]:
    from openrouter_pricing.tools import estimate_cost, list_models, recommend_model

    return {
        "estimate_cost": estimate_cost.estimate_cost,
        "list_models": list_models.list_models,
        "recommend_model": recommend_model.recommend_model,
    }


def stub_context(state: AppState) -> Any:
    """What the tool bodies read of a ``Context``: the lifespan state, and no HTTP headers."""
    return SimpleNamespace(request_context=SimpleNamespace(lifespan_context=state), headers=None)


async def _bodies(
    makers: dict[str, Callable[[int], Args]], calls: int, cache_dir: Path
) -> dict[str, list[float]]:
    functions = tool_functions()
    samples: dict[str, list[float]] = {name: [] for name in TOOLS}
    runtime = Runtime(settings_for(cache_dir))
    async with runtime.open() as state:
        ctx = stub_context(state)
        for i in range(WARMUP_CALLS):
            for name in TOOLS:
                await functions[name](ctx, **makers[name](-1 - i))
        for i in range(calls):
            for name in TOOLS:
                start = time.perf_counter()
                await functions[name](ctx, **makers[name](i))
                samples[name].append(time.perf_counter() - start)
    return samples


async def _through_sdk(
    makers: dict[str, Callable[[int], Args]], calls: int, cache_dir: Path
) -> tuple[dict[str, list[float]], dict[str, int]]:
    samples: dict[str, list[float]] = {name: [] for name in (*TOOLS, FLOOR_TOOL)}
    errors: dict[str, int] = {}
    async with (
        Client(build_server(settings_for(cache_dir))) as ours,
        Client(floor_server.server) as floor,
    ):
        for client in (ours, floor):
            without_result_validation(client)
        for i in range(WARMUP_CALLS):
            for name in TOOLS:
                await timed_call(ours, name, makers[name](-1 - i), errors)
            await timed_call(floor, FLOOR_TOOL, makers[FLOOR_TOOL](-1 - i), errors)
        for i in range(calls):
            for name in TOOLS:
                samples[name].append(await timed_call(ours, name, makers[name](i), errors))
                n = i * len(TOOLS) + TOOLS.index(name)
                samples[FLOOR_TOOL].append(
                    await timed_call(floor, FLOOR_TOOL, makers[FLOOR_TOOL](n), errors)
                )
    return samples, errors


async def measure(calls: int) -> Section:
    section = Section("In-process cost (549-model catalog)")
    began = time.perf_counter()
    makers = tool_args(catalog_bytes())
    with tempfile.TemporaryDirectory(prefix="bench-inproc-") as tmp:
        sdk, errors = await _through_sdk(makers, calls, Path(tmp))
        bodies = await _bodies(makers, calls, Path(tmp))
    floor = Stats.of(sdk[FLOOR_TOOL])
    section.rows.append(
        row(
            f"Floor `echo` in memory, median / p99 of {floor.n}",
            "",
            f"{floor.median_ms:.3f} / {floor.p99_ms:.3f} ms",
        )
    )
    details: dict[str, Any] = {"calls_per_tool": calls, "errors": errors, "floor": floor.__dict__}
    for name in TOOLS:
        through, body = Stats.of(sdk[name]), Stats.of(bodies[name])
        section.rows.append(
            row(
                f"`{name}` in memory, median / p99 (tool body alone: median)",
                f"{through.median_ms:.3f} / {through.p99_ms:.3f} ms ({body.median_ms:.3f} ms)",
                f"{floor.median_ms:.3f} / {floor.p99_ms:.3f} ms",
                ratio(through.median_ms, floor.median_ms),
            )
        )
        details[name] = {"through_sdk": through.__dict__, "body": body.__dict__}
    section.details = details
    section.seconds = time.perf_counter() - began
    return section


def run(calls: int) -> Section:
    return anyio.run(measure, calls)
