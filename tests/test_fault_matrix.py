"""The upstream fault matrix, at the tool level: every OpenRouter route the server reads, times
every way OpenRouter or the network can fail, through an MCP client against the fake OpenRouter.

Each (route, fault) asserts the behaviour stated in docs/RELIABILITY.md:
- the catalog (/models): the call answers from the built-in catalog (cold) or from the last good
  catalog marked stale (refresh), never an error;
- /endpoints (``:floor``): the listed price, with a warning saying why endpoint prices are missing;
- /key, /generation: an ``isError`` result whose sentence names what failed and what to do (never
  the bare "Error executing tool X", never an internal-error message);
- /credits: ``check_balance`` still answers from /key, ``account`` null and ``account_note`` why;
- a fault that clears after one try (transient): the retry answers and the call succeeds;
and for every one: the call ends within its stated bound (asserted with a margin: an upper bound
on hangs, not a performance figure), and the next call on the same client succeeds.

Bounds are small here (``MATRIX_SETTINGS``) so the whole matrix runs in seconds; the same code
paths hold the production bounds (docs/RELIABILITY.md gives them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from fake_openrouter import (
    DEFAULT_GENERATION_ID,
    MANAGEMENT_KEY,
    MINI_MODELS,
    FakeOpenRouter,
    Fault,
    unused_port,
)
from mcp_helpers import error_text, ok, text_of
from openrouter_pricing.core import openrouter
from openrouter_pricing.core.settings import Secret
from openrouter_pricing.core.store import CatalogStore
from openrouter_pricing.server import build_server
from openrouter_pricing.state import Runtime
from reliability_counts import count

LLAMA = "meta-llama/llama-3.3-70b-instruct"
FAR_SECONDS = 120  # a wait a 429 asks for, beyond the retry budget: the tool gives up at once
MATRIX_SETTINGS: dict[str, Any] = {
    "connect_timeout_seconds": 1.0,
    "read_timeout_seconds": 0.5,
    "catalog_fetch_timeout_seconds": 1.5,
    "max_retries": 1,
    "max_retry_wait_seconds": 0.6,
    "request_timeout_seconds": 3.0,
}
MARGIN_SECONDS = 3.0  # scheduling slack on a loaded 2-core machine; the bound is the figure
REFRESH_TTL_SECONDS = 0.3
HUGE_BYTES = 50 * 1024 * 1024
MINI_COUNT = len(json.loads(MINI_MODELS.read_text())["data"])


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen, after 25-50 ms instead of 250-500 ms: the matrix tests behaviour."""
    monkeypatch.setattr(openrouter, "BACKOFF_BASE_SECONDS", 0.05)


def _http_date(seconds_ahead: int) -> str:
    return formatdate(time.time() + seconds_ahead, usegmt=True)


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: Callable[[], list[Fault]] = list
    expect: str = ""  # a regex the error (or warning, or note) must match
    transient: bool = False  # the retry answers: the call succeeds
    refused: bool = False  # nothing listens at the base URL any more
    catalog: Callable[[], Any] | None = None  # the /models body to serve instead (malformed)
    models_only: bool = False


def _twice(make: Callable[[], Fault]) -> Callable[[], list[Fault]]:
    """A fault for the first try and for the retry (max_retries=1)."""
    return lambda: [make(), make()]


def _once(make: Callable[[], Fault]) -> Callable[[], list[Fault]]:
    return lambda: [make()]


def _absurd_price() -> Any:
    body = json.loads(MINI_MODELS.read_text())
    body["data"][0]["pricing"]["prompt"] = "1e999999"  # would overflow every sum it entered
    return body


def _malformed(every: bool) -> Callable[[], Any]:
    def build() -> Any:
        body = json.loads(MINI_MODELS.read_text())
        broken = body["data"] if every else body["data"][:2]
        for model in broken:
            model["pricing"]["prompt"] = "not a price"
        if not every:
            body["data"].append({"name": "a model without an id"})
            body["data"].append("not even an object")
        return body

    return build


SCENARIOS = [
    Scenario("400", _once(lambda: Fault.status(400)), "400"),
    Scenario("401", _once(lambda: Fault.status(401)), "401.*OPENROUTER_API_KEY"),
    Scenario("402", _once(lambda: Fault.status(402)), "402.*credits"),
    Scenario("403", _once(lambda: Fault.status(403)), "403"),
    Scenario("404", _once(lambda: Fault.status(404)), "404|wait_seconds"),
    Scenario("408", _twice(lambda: Fault.status(408)), "408"),
    Scenario("429", _twice(lambda: Fault.status(429)), "429.*wait"),
    Scenario(
        "429-retry-after-seconds",
        _once(lambda: Fault.status(429, headers={"Retry-After": str(FAR_SECONDS)})),
        r"429.*wait 1[12]\d seconds",
    ),
    Scenario(
        "429-retry-after-date",
        _once(lambda: Fault.status(429, headers={"Retry-After": _http_date(FAR_SECONDS)})),
        r"429.*wait 1[12]\d seconds",
    ),
    Scenario(
        "429-ratelimit-reset",
        _once(
            lambda: Fault.status(
                429, headers={"X-RateLimit-Reset": str(int((time.time() + FAR_SECONDS) * 1000))}
            )
        ),
        r"429.*wait 1[12]\d seconds",
    ),
    Scenario("500", _twice(lambda: Fault.status(500)), "500.*try again"),
    Scenario("502", _twice(lambda: Fault.status(502)), "502.*try again"),
    Scenario("503", _twice(lambda: Fault.status(503)), "503.*try again"),
    Scenario("524", _twice(lambda: Fault.status(524)), "524.*try again"),
    Scenario("529", _twice(lambda: Fault.status(529)), "529.*try again"),
    Scenario("connection-refused", expect="Could not reach OpenRouter", refused=True),
    Scenario("hang", _twice(Fault.hang), "did not answer in time"),
    Scenario("closed-without-answer", _twice(Fault.close), "broke before"),
    Scenario("truncated-body", _twice(Fault.truncated), "broke before"),
    Scenario("invalid-json", _once(Fault.invalid_json), "not valid JSON"),
    Scenario("wrong-shape", _once(Fault.wrong_shape), "not what its API documents"),
    Scenario("body-50MB", _once(lambda: Fault.huge(HUGE_BYTES)), "over (4|32) MiB"),
    Scenario(
        "body-50MB-declared",
        _once(lambda: Fault.huge(HUGE_BYTES, declare_length=True)),
        "over (4|32) MiB",
    ),
    Scenario("503-then-ok", _once(lambda: Fault.status(503)), transient=True),
    Scenario(
        "429-retry-after-short-then-ok",
        _once(lambda: Fault.status(429, headers={"Retry-After": "0.2"})),
        transient=True,
    ),
    Scenario("hang-then-ok", _once(Fault.hang), transient=True),
    Scenario("truncated-then-ok", _once(Fault.truncated), transient=True),
    Scenario("some-models-malformed", catalog=_malformed(every=False), models_only=True),
    Scenario("every-model-malformed", catalog=_malformed(every=True), models_only=True),
    Scenario("a-model-with-an-absurd-price", catalog=_absurd_price, models_only=True),
]
MODELS_SERVED = {
    "some-models-malformed": MINI_COUNT - 2,
    "a-model-with-an-absurd-price": MINI_COUNT - 1,
}


@dataclass
class Route:
    """One OpenRouter route, the tool call that reaches it, and how to check the outcome."""

    name: str
    path: str
    tool: str
    args: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)


ROUTES = [
    Route("models-cold", "/models", "list_models", {"limit": 2, "output_modalities": []}),
    Route(
        "models-refresh",
        "/models",
        "list_models",
        {"limit": 2, "output_modalities": []},
        {"catalog_ttl_seconds": REFRESH_TTL_SECONDS},
    ),
    Route(
        "endpoints",
        f"/models/{LLAMA}/endpoints",
        "estimate_cost",
        {"model": f"{LLAMA}:floor", "prompt_tokens": 1000, "completion_tokens": 100},
    ),
    Route("key", "/key", "check_balance", {}),
    Route("credits", "/credits", "check_balance", {}, {"api_key": Secret(MANAGEMENT_KEY)}),
    Route(
        "generation",
        "/generation",
        "get_generation_cost",
        {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0},
    ),
]


def stated_bound(route: Route) -> float:
    """What the docs promise for one call, from the settings in force."""
    s = MATRIX_SETTINGS
    if route.name == "models-cold":
        return s["catalog_fetch_timeout_seconds"] + 1  # the store's own bound around the fetch
    if route.name == "models-refresh":
        return 0.0  # the refresh runs in the background; the call answers from what is held
    per_call = min(
        (s["connect_timeout_seconds"] + s["read_timeout_seconds"]) * (s["max_retries"] + 1)
        + s["max_retry_wait_seconds"],
        s["request_timeout_seconds"],
    )
    return per_call + route.args.get("wait_seconds", 0)


async def _refresh_settled(runtime: Runtime) -> None:
    """Wait (bounded) until the store's background refresh is over."""
    assert runtime.state is not None
    store = runtime.state.store
    with anyio.fail_after(MATRIX_SETTINGS["catalog_fetch_timeout_seconds"] + 1 + MARGIN_SECONDS):
        while store.refreshing:  # noqa: ASYNC110 - the store's public flag, polled briefly
            await anyio.sleep(0.01)


def check_outcome(route: Route, scenario: Scenario, result: Any) -> None:
    """The stated behaviour of ``route`` under ``scenario``."""
    text = text_of(result)
    assert "internal error" not in text, text  # no fault of OpenRouter's may look like a bug
    if route.path == "/models":
        out = ok(result)
        catalog = out["catalog"]
        if scenario.transient:
            assert catalog["source"] == "live"
        elif scenario.name in MODELS_SERVED:  # the rest is served, fresh
            assert catalog["source"] == "live"
            assert catalog["model_count"] == MODELS_SERVED[scenario.name]
        elif route.name == "models-refresh":  # the last good catalog, marked stale
            assert catalog["source"] == "live" and catalog["stale"] is True
            assert catalog["model_count"] == MINI_COUNT and "stale" in text
        else:
            assert catalog["source"] == "builtin" and catalog["stale"] is True
            assert "built-in catalog" in text
    elif route.name == "endpoints":
        out = ok(result)
        if scenario.transient:
            assert out["endpoint"] == "DeepInfra (deepinfra/fp8)"
        else:
            assert out["endpoint"] is None
            [warning] = [w for w in out["warnings"] if "Endpoint prices are unavailable" in w]
            assert re.search(scenario.expect, warning), warning
    elif route.name == "credits" and not scenario.refused:  # refused: /key fails as well
        out = ok(result)
        if scenario.transient:
            assert out["account"] is not None
        else:
            assert out["account"] is None and out["spendable_usd"] == "74.5"
            note = out["account_note"]
            assert re.search(scenario.expect, note) or "management key" in note, note
    elif scenario.transient:
        ok(result)
    else:
        message = error_text(result)
        assert re.search(scenario.expect, message), message
        assert "Error executing tool" not in message  # the prefix once, then the sentence


@dataclass
class Bench:
    """A fake OpenRouter and a server aimed at it, for one route (reused from scenario to scenario:
    building a server costs more than a whole scenario)."""

    route: Route
    fake: FakeOpenRouter
    cache_dir: Path
    runtime: Runtime
    server: Any

    @classmethod
    def build(
        cls, route: Route, fake: FakeOpenRouter, cache_dir: Path, base_url: str = ""
    ) -> Bench:
        settings = fake.settings(cache_dir=cache_dir, **{**MATRIX_SETTINGS, **route.settings})
        if base_url:
            settings = dataclasses.replace(settings, base_url=base_url)
        runtime = Runtime(settings)
        return cls(route, fake, cache_dir, runtime, build_server(settings, runtime=runtime))

    def reset(self) -> None:
        self.fake.clear_scripts()
        self.fake.set_catalog(None)
        shutil.rmtree(self.cache_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def benches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Bench]]:
    root = tmp_path_factory.mktemp("matrix")
    with contextlib.ExitStack() as stack:
        yield {
            route.name: Bench.build(route, stack.enter_context(FakeOpenRouter()), root / route.name)
            for route in ROUTES
        }


async def run_route(bench: Bench, scenario: Scenario) -> int:
    """One (route, fault) case; the number of tool calls it made. Raises on a broken promise."""
    route, fake, runtime = bench.route, bench.fake, bench.runtime
    calls = 0
    async with Client(bench.server) as client:
        if route.name != "models-cold":  # a catalog held first, as in a running server
            assert runtime.state is not None
            await runtime.state.store.get()
        if route.name == "models-refresh":
            await anyio.sleep(REFRESH_TTL_SECONDS + 0.05)  # the held catalog is now stale
        if scenario.catalog is not None:
            fake.set_catalog(scenario.catalog())
        elif scenario.refused:
            fake.stop()
        else:
            fake.script(route.path, scenario.faults())

        started = time.monotonic()
        result = await client.call_tool(route.tool, route.args)
        elapsed = time.monotonic() - started
        calls += 1
        assert elapsed <= stated_bound(route) + MARGIN_SECONDS, f"took {elapsed:.2f} s"
        if route.name == "models-refresh":
            await _refresh_settled(runtime)
            result = await client.call_tool(route.tool, route.args)  # after the refresh ended
            calls += 1
        check_outcome(route, scenario, result)

        # The server keeps serving: the same call again, once OpenRouter is back to normal.
        fake.clear_scripts()
        fake.set_catalog(None)
        if scenario.refused:
            again = await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"})
        else:
            again = await client.call_tool(route.tool, route.args)
        calls += 1
        ok(again)
    return calls


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_fault_on_every_route(
    scenario: Scenario, benches: dict[str, Bench], tmp_path: Path
) -> None:
    """``scenario`` on every route at once (one fake OpenRouter and one server per route, so the
    waits overlap); each failing route is reported by name."""
    failures: dict[str, str] = {}
    calls = 0
    with contextlib.ExitStack() as stack:
        chosen = []
        for route in ROUTES:
            if scenario.models_only and route.path != "/models":
                continue
            bench = benches[route.name]
            if scenario.refused:  # this scenario stops its fake: a fresh one, thrown away after
                fake = stack.enter_context(FakeOpenRouter())
                dead = f"http://127.0.0.1:{unused_port()}/api/v1"
                base = dead if route.name == "models-cold" else ""
                bench = Bench.build(route, fake, tmp_path / route.name, base)
            bench.reset()
            chosen.append(bench)

        async def one(bench: Bench) -> None:
            nonlocal calls
            try:
                made = await run_route(bench, scenario)
                calls += made
            except Exception as exc:  # collected: every route is run and reported
                failures[bench.route.name] = "".join(traceback.format_exception(exc))

        async with anyio.create_task_group() as group:
            for bench in chosen:
                group.start_soon(one, bench)
    count("fault scenarios", len(chosen))
    count("tool calls", calls)
    if failures:
        pytest.fail(
            "\n".join(f"--- {scenario.name} on {name}:\n{tb}" for name, tb in failures.items())
        )


async def test_a_bug_while_building_a_catalog_never_stops_the_server(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception in the store (here: building a live catalog) is a failed fetch:
    the built-in catalog when cold, the last good one on refresh; the server keeps serving."""
    real = CatalogStore._snapshot_from

    def broken(self: CatalogStore, raw: Any, source: str, fetched_at: Any, *rest: Any) -> Any:
        if source == "live" and broken.armed:  # type: ignore[attr-defined]
            raise RuntimeError("a bug")
        return real(self, raw, source, fetched_at, *rest)  # type: ignore[arg-type]

    broken.armed = True  # type: ignore[attr-defined]
    monkeypatch.setattr(CatalogStore, "_snapshot_from", broken)
    settings = fake_openrouter.settings(cache_dir=tmp_path, catalog_ttl_seconds=0.3)
    runtime = Runtime(settings)
    async with Client(build_server(settings, runtime=runtime)) as client:
        cold = ok(await client.call_tool("list_models", {"limit": 1}))
        assert cold["catalog"]["source"] == "builtin"
    broken.armed = False  # type: ignore[attr-defined]
    async with Client(build_server(settings, runtime=runtime)) as client:
        assert (
            ok(await client.call_tool("list_models", {"limit": 1}))["catalog"]["source"] == "live"
        )
        broken.armed = True  # type: ignore[attr-defined]
        await anyio.sleep(0.35)
        ok(await client.call_tool("list_models", {"limit": 1}))  # starts the refresh that fails
        await _refresh_settled(runtime)
        held = ok(await client.call_tool("list_models", {"limit": 1}))
        assert held["catalog"]["source"] == "live" and held["catalog"]["stale"] is True
    count("tool calls", 4)
