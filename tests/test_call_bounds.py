"""Every tool call bounded and cancelled with its caller, in process against the fake OpenRouter:
one deadline per call, one wait shared by a list of generation ids, a budget of upstream requests
per call, and ``notifications/cancelled`` stopping a call and its upstream polling."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client

from fake_openrouter import FakeOpenRouter, Fault
from mcp_helpers import error_text, ok, server_for
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.tools import call_control
from openrouter_pricing.tools.generation_lookup import lookup_generations
from reliability_counts import count, note

# Generous for a loaded 2-core machine; the point is "about wait_seconds", not "420 s".
SLACK_SECONDS = 15.0


async def test_fifty_ids_that_never_appear_share_one_wait_and_a_bounded_number_of_requests(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    server = server_for(fake_openrouter, tmp_path, max_upstream_requests_per_call=120)
    ids = [f"gen-never-{n}" for n in range(50)]
    async with Client(server) as client:
        await client.call_tool("list_models", {"limit": 1})  # the catalog, loaded apart
        started = time.monotonic()
        out = ok(
            await client.call_tool("get_generation_cost", {"generation_id": ids, "wait_seconds": 3})
        )
        took = time.monotonic() - started
    asked = fake_openrouter.count("/generation")
    assert out["not_found"] == ids and out["generations"] == []
    assert took < 3 + SLACK_SECONDS  # one shared wait, not ceil(50/8) x 3 s
    assert 50 <= asked <= 120  # each id asked at least once, never past the call's budget
    note(
        f"get_generation_cost, 50 ids never found, wait_seconds 3: answered in {took:.1f} s "
        f"after {asked} upstream requests"
    )
    count("upstream-bounded calls")


async def test_the_upstream_budget_of_a_call_stops_the_polling(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    server = server_for(fake_openrouter, tmp_path, max_upstream_requests_per_call=20)
    ids = [f"gen-never-{n}" for n in range(10)]
    async with Client(server) as client:
        await client.call_tool("list_models", {"limit": 1})
        before = fake_openrouter.count("/generation")
        started = time.monotonic()
        out = ok(
            await client.call_tool(
                "get_generation_cost", {"generation_id": ids, "wait_seconds": 30}
            )
        )
        took = time.monotonic() - started
    assert fake_openrouter.count("/generation") - before == 20  # 2 rounds of 10, then no more
    assert out["not_found"] == ids
    assert took < 30  # the budget ended it, not the wait


async def test_a_call_past_its_deadline_ends_with_one_sentence_and_frees_its_slot(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    server = server_for(
        fake_openrouter, tmp_path, call_timeout_seconds=1.0, max_concurrent_requests=1
    )
    async with Client(server) as client:
        await client.call_tool("list_models", {"limit": 1})
        fake_openrouter.script("/generation", [Fault.hang()] * 3)
        started = time.monotonic()
        result = await client.call_tool("get_generation_cost", {"generation_id": "gen-x"})
        took = time.monotonic() - started
        message = error_text(result)
        assert "did not finish within 1 seconds" in message
        assert "OPENROUTER_PRICING_CALL_TIMEOUT" in message
        assert took < 1 + SLACK_SECONDS
        ok(await client.call_tool("list_models", {"limit": 1}))  # the one slot is free again
    count("deadline calls")


async def test_notifications_cancelled_stops_the_call_and_its_upstream_requests(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    server = server_for(fake_openrouter, tmp_path, max_concurrent_requests=1)
    async with Client(server) as client:
        await client.call_tool("list_models", {"limit": 1})
        async with anyio.create_task_group() as tg:

            async def long_call() -> None:
                await client.call_tool(
                    "get_generation_cost", {"generation_id": "gen-never", "wait_seconds": 60}
                )

            with anyio.fail_after(20):
                tg.start_soon(long_call)
                while fake_openrouter.count("/generation") < 2:  # noqa: ASYNC110 - upstream state
                    await anyio.sleep(0.05)
                tg.cancel_scope.cancel()  # the client sends notifications/cancelled
        asked = fake_openrouter.count("/generation")
        await anyio.sleep(3)  # the poll interval grows 0.5, 1, 2 s: any survivor would ask again
        assert fake_openrouter.count("/generation") == asked
        ok(await client.call_tool("list_models", {"limit": 1}))  # its slot was released
    assert call_control.running_calls() == 0
    count("cancelled calls")


def test_the_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "OPENROUTER_PRICING_CALL_TIMEOUT": "12.5",
            "OPENROUTER_PRICING_MAX_UPSTREAM_REQUESTS_PER_CALL": "7",
            "OPENROUTER_PRICING_MAX_SESSIONS_PER_CLIENT": "3",
            "OPENROUTER_PRICING_HEADER_TIMEOUT": "4",
        }
    )
    assert settings.call_timeout_seconds == 12.5
    assert settings.max_upstream_requests_per_call == 7
    assert settings.max_sessions_per_client == 3
    assert settings.header_timeout_seconds == 4.0
    assert settings.body_timeout_seconds == Settings().body_timeout_seconds
    for bad in ("0", "-1", "nan", "1e9", "soon"):
        try:
            Settings.from_env({"OPENROUTER_PRICING_CALL_TIMEOUT": bad})
        except ValueError as exc:
            assert "OPENROUTER_PRICING_CALL_TIMEOUT" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


async def test_long_prompts_counted_at_once_leave_other_callers_served(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    """Four callers each count 200 KB of distinct words (the most a count may cost) while another
    calls list_models in a loop: the counts take one worker thread at a time, so the other
    caller's latency stays bounded."""
    import random
    import statistics
    import string

    def distinct_words(seed: int) -> str:
        rng = random.Random(seed)
        words = (
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
            for _ in range(40_000)
        )
        return " ".join(words)[:200_000]

    prompts = [distinct_words(seed) for seed in range(4)]  # no count helps another's cache
    server = server_for(fake_openrouter, tmp_path)
    latencies: list[float] = []
    async with Client(server) as client:
        ok(await client.call_tool("list_models", {"limit": 1}))
        arguments = {
            "model": "openai/gpt-4o-mini",
            "prompt_text": "warm up",
            "completion_tokens": 1,
        }
        ok(await client.call_tool("estimate_cost", arguments))  # loads the tokenizer
        for _ in range(20):
            started = time.monotonic()
            ok(await client.call_tool("list_models", {"limit": 1}))
            latencies.append(time.monotonic() - started)
        unloaded = statistics.median(latencies)
        latencies.clear()
        counted: list[dict[str, object]] = []
        counting = time.monotonic()
        async with anyio.create_task_group() as tg:

            async def count_long(prompt: str) -> None:
                arguments = {"model": "openai/gpt-4o-mini", "prompt_text": prompt}
                counted.append(ok(await client.call_tool("estimate_cost", arguments)))

            for prompt in prompts:
                tg.start_soon(count_long, prompt)
            with anyio.fail_after(120):  # bounded: at most 300 calls while the counts run
                while len(counted) < 4 and len(latencies) < 300:
                    started = time.monotonic()
                    ok(await client.call_tool("list_models", {"limit": 1}))
                    latencies.append(time.monotonic() - started)
                    await anyio.sleep(0.005)  # a caller that thinks between calls
    loaded = statistics.median(latencies)
    counting = time.monotonic() - counting
    assert len(counted) == 4 and len(latencies) >= 1
    assert loaded < 2.0  # generous: a loaded 2-core machine, with one counting thread at a time
    note(
        f"4 callers counting 200 KB prompts: another caller's list_models median "
        f"{loaded * 1000:.0f} ms over {len(latencies)} calls (unloaded {unloaded * 1000:.0f} ms); "
        f"the 4 counts done in {counting:.1f} s"
    )


async def test_an_absurd_retry_after_is_clamped_before_it_reaches_the_message(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    server = server_for(fake_openrouter, tmp_path)
    async with Client(server) as client:
        fake_openrouter.script("/key", [Fault.status(429, headers={"Retry-After": "1e308"})] * 3)
        fake_openrouter.script(
            "/credits", [Fault.status(429, headers={"Retry-After": "1e308"})] * 3
        )
        message = error_text(await client.call_tool("check_balance", {}))
    assert "wait 3600 seconds" in message.replace(",", "")
    assert len(message) < 600 and "0" * 20 not in message


class CountingTransport(httpx2.AsyncBaseTransport):
    """Passes every request to the fake OpenRouter on loopback, counting how many are in
    progress at once (the one thing the fake cannot observe from its side)."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self.in_progress = 0
        self.most = 0

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.in_progress += 1
        self.most = max(self.most, self.in_progress)
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_progress -= 1


async def test_upstream_requests_in_progress_are_bounded_per_process(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    settings = fake_openrouter.settings(cache_dir=tmp_path, max_upstream_concurrency=3)
    transport = CountingTransport()
    fake_openrouter.script("/generation", [Fault.delay(0.2)] * 40)
    async with OpenRouterClient(settings, transport=transport) as client:
        found = await lookup_generations(
            client, [f"gen-{n}" for n in range(20)], None, wait_seconds=0
        )
    assert len(found) == 20 and fake_openrouter.count("/generation") == 20
    assert transport.most == 3  # 8 lookups at a time asked, 3 let through


@pytest.mark.parametrize("seed", range(3))
def test_counting_piece_by_piece_equals_the_tokenizer_and_stops_at_its_cpu_bound(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from openrouter_pricing.core import tokens

    rng = random.Random(seed)
    alphabet = "ab cd\\n\\t  é中文🙂,.!?0123456789" + "xyz" * 5
    text = "".join(rng.choice(alphabet) for _ in range(20_000))
    counted = tokens.count_tokens(text, "openai/gpt-4o")
    tokenizer = tokens._load("o200k_base")
    assert counted.exact and counted.tokens == len(tokenizer.encode(text))
    monkeypatch.setattr(tokens, "MAX_COUNT_CPU_SECONDS", 0.0)  # every look at the clock is late
    monkeypatch.setattr(tokens, "_CPU_CHECK_EVERY", 100)
    bounded = tokens.count_tokens(text + " more", "openai/gpt-4o")
    assert not bounded.exact and "bound of 0 s of CPU" in bounded.method
    assert bounded.tokens > 0
