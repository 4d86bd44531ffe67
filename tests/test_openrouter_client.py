"""The OpenRouter client against the fake OpenRouter, over real HTTP on loopback: parsing, the
error mapping, retries and their bounds, timeouts, body caps, the /generation wait, key hygiene."""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from email.utils import formatdate
from typing import Any

import anyio
import pytest

from conftest import load_snapshot, snapshot_path
from fake_openrouter import (
    DEFAULT_GENERATION_ID,
    MANAGEMENT_KEY,
    MINI_MODELS,
    TEST_KEY,
    FakeOpenRouter,
    Fault,
    endpoints_from_models_json,
    fake_openrouter_fixture,  # noqa: F401  (registers the fake_openrouter fixture)
    unused_port,
)
from openrouter_pricing import __version__
from openrouter_pricing.core import errors
from openrouter_pricing.core.openrouter import MAX_CATALOG_BYTES, OpenRouterClient
from openrouter_pricing.core.schema import parse_models
from openrouter_pricing.core.settings import Secret, Settings

EXAMPLES = "2026-08-22_openapi-examples.json"
REAL_GENERATION = "2026-02-24_generation-response_response.ts.json"
CALLER_KEY = "sk-or-v1-CALLERSECRET-aaaabbbbccccddddeeeeffff0000111122223333"


class SleepRecorder:
    """A fake ``sleep``: records what the client asked for and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fake(fake_openrouter: FakeOpenRouter) -> FakeOpenRouter:
    return fake_openrouter


@pytest.fixture
async def client(fake: FakeOpenRouter, sleeps: SleepRecorder) -> AsyncIterator[OpenRouterClient]:
    async with OpenRouterClient(fake.settings(), sleep=sleeps) as opened:
        yield opened


def make_client(settings: Settings, sleeps: SleepRecorder | None = None) -> OpenRouterClient:
    return OpenRouterClient(settings, sleep=sleeps or SleepRecorder())


def assert_one_sentence(message: str) -> None:
    assert message.endswith("."), message
    assert "\n" not in message
    assert "Traceback" not in message
    assert TEST_KEY not in message


# -- successful reads ------------------------------------------------------------------------


async def test_models_from_the_mini_fixture(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    body = await client.fetch_models_json()
    assert body == json.loads(MINI_MODELS.read_bytes())
    models, problems = parse_models(body)
    assert problems == []
    assert {"openrouter/auto", "meta-llama/llama-3.3-70b-instruct:free"} <= {m.id for m in models}
    [request] = fake.requests_to("/models")
    assert request.query == {"output_modalities": ["all"]}
    assert request.bearer is None  # /models needs no key, so none is sent
    assert request.headers["user-agent"] == f"openrouter-pricing-mcp/{__version__}"


async def test_models_from_a_real_snapshot(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.set_catalog(snapshot_path("2026-08-18_openrouter_models_all.json"))
    body = await client.fetch_models_json()
    models, problems = parse_models(body)
    assert (len(models), problems) == (549, [])
    assert body["total_count"] == 549


async def test_constructing_a_client_touches_nothing(fake: FakeOpenRouter) -> None:
    client = OpenRouterClient(fake.settings())
    await anyio.sleep(0.05)
    assert fake.requests == []
    await client.aclose()
    await client.aclose()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        await client.fetch_models_json()


async def test_endpoints_of_a_model_ignore_the_variant(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    endpoints = await client.fetch_endpoints("meta-llama/llama-3.3-70b-instruct:free")
    assert [e.provider_name for e in endpoints] == ["DeepInfra", "Together", "Groq", "Lambda"]
    assert endpoints[3].pricing.request == Decimal("0.0002")
    [request] = fake.requests
    assert request.path == "/models/meta-llama/llama-3.3-70b-instruct/endpoints"
    assert request.bearer is None


async def test_endpoints_from_the_real_snapshot(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.endpoints = endpoints_from_models_json(
        load_snapshot("2026-05-31_openrouter-models.raw.json")
    )
    assert len({id(found) for found in fake.endpoints.values()}) > 300
    endpoints = await client.fetch_endpoints("stepfun/step-3.7-flash")
    assert endpoints and endpoints[0].pricing.input_cache_read == Decimal("0.00000004")


async def test_unknown_model_endpoints_is_not_found(client: OpenRouterClient) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        await client.fetch_endpoints("nobody/no-such-model")
    assert "list_models" in str(caught.value)
    assert caught.value.status == 404


@pytest.mark.parametrize("bad_id", ["", "gpt-4o", "a/b/c", "../etc", "a b/c", "openai/..", "x?/y"])
async def test_malformed_model_ids_never_reach_the_network(
    fake: FakeOpenRouter, client: OpenRouterClient, bad_id: str
) -> None:
    with pytest.raises(errors.BadRequestError, match="author/slug"):
        await client.fetch_endpoints(bad_id)
    assert fake.requests == []


async def test_key_with_default_data(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    info = await client.get_key()
    assert (info.limit, info.limit_remaining, info.usage) == (
        Decimal("100"),
        Decimal("74.5"),
        Decimal("25.5"),
    )
    assert fake.requests_to("/key")[0].bearer == TEST_KEY


async def test_key_credits_and_generation_parse_the_spec_examples(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    paths = load_snapshot(EXAMPLES)["paths"]
    fake.keys[TEST_KEY] = paths["GET /key"]["200"]["data"]
    fake.credits = paths["GET /credits"]["200"]["data"]
    generation = paths["GET /generation"]["200"]["data"]
    fake.add_generation(generation)

    info = await client.get_key()
    assert (info.limit_remaining, info.byok_usage, info.limit_reset) == (
        Decimal("74.5"),
        Decimal("17.38"),
        "monthly",
    )
    credits = await client.get_credits(api_key=Secret(MANAGEMENT_KEY))
    assert (credits.total_credits, credits.total_usage) == (Decimal("100.5"), Decimal("25.75"))
    found = await client.get_generation(generation["id"])
    assert (found.total_cost, found.upstream_inference_cost) == (
        Decimal("0.0015"),
        Decimal("0.0012"),
    )
    assert found.native_tokens_reasoning == 5


async def test_a_real_generation_body(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    data = load_snapshot(REAL_GENERATION)["data"]
    fake.add_generation(data)
    found = await client.get_generation(data["id"])
    assert (found.total_cost, found.provider_name, found.cancelled) == (
        Decimal("0.00003452"),
        "DeepInfra",
        True,
    )


async def test_generation_amounts_keep_the_digits_openrouter_wrote(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    # 22 significant digits: more than a float holds, so a float detour would lose some.
    raw = b'{"data": {"id": "gen-x", "total_cost": 0.00006208333333333333333333, "usage": 4.1e-05}}'
    fake.script("/generation", [Fault.response(200, raw)])
    found = await client.get_generation("gen-x")
    assert found.total_cost == Decimal("0.00006208333333333333333333")
    assert found.usage == Decimal("0.000041")


async def test_a_callers_key_overrides_the_configured_one(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.keys[CALLER_KEY] = {"label": "caller", "usage": 1.5}
    info = await client.get_key(api_key=Secret(CALLER_KEY))
    assert (info.label, info.usage) == ("caller", Decimal("1.5"))
    assert fake.requests_to("/key")[0].bearer == CALLER_KEY


async def test_credits_with_an_ordinary_key_needs_a_management_key(
    client: OpenRouterClient,
) -> None:
    with pytest.raises(errors.ManagementKeyRequiredError) as caught:
        await client.get_credits()
    assert caught.value.status == 403
    assert "Only management keys can perform this operation" in str(caught.value)
    assert_one_sentence(str(caught.value))


# -- the key: required, never leaked ---------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_key(),
        lambda c: c.get_credits(),
        lambda c: c.get_generation(DEFAULT_GENERATION_ID),
    ],
    ids=["key", "credits", "generation"],
)
async def test_missing_key_fails_before_any_request(
    fake: FakeOpenRouter, call: Callable[[OpenRouterClient], Any]
) -> None:
    async with make_client(fake.settings(api_key=None)) as client:
        with pytest.raises(errors.MissingKeyError) as caught:
            await call(client)
    assert "OPENROUTER_API_KEY" in str(caught.value)
    assert "X-OpenRouter-Key" in str(caught.value)
    assert fake.requests == []


async def test_models_and_endpoints_need_no_key(fake: FakeOpenRouter) -> None:
    async with make_client(fake.settings(api_key=None)) as client:
        assert (await client.fetch_models_json())["data"]
        assert await client.fetch_endpoints("openai/gpt-4o-mini")
    assert len(fake.requests) == 2


async def test_a_key_that_cannot_be_a_header_is_refused_locally(fake: FakeOpenRouter) -> None:
    bad_key = "sk-or-v1-has a space\n"
    async with make_client(fake.settings(api_key=Secret(bad_key))) as client:
        with pytest.raises(errors.InvalidKeyError) as caught:
            await client.get_key()
    assert bad_key.strip() not in str(caught.value)
    assert fake.requests == []


async def test_the_key_never_appears_in_errors_or_logs(
    fake: FakeOpenRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"Invalid API key {TEST_KEY} (echoed by upstream)"
    fake.script("/key", [Fault.status(401, echo)])
    fake.script("/credits", [Fault.status(429, echo)] * 3)
    fake.script("/generation", [Fault.status(502, echo), Fault.hang()])
    refused = fake.settings(base_url=f"http://127.0.0.1:{unused_port()}/api/v1", max_retries=1)
    caught: list[errors.PricingError] = []
    async with make_client(fake.settings(read_timeout_seconds=0.3, max_retries=1)) as client:
        for call in (
            client.get_key(),
            client.get_credits(),
            client.get_generation(DEFAULT_GENERATION_ID, wait_seconds=0),
            client.get_generation(TEST_KEY),  # the key pasted as an id: refused, not sent
        ):
            with pytest.raises(errors.PricingError) as info:
                await call
            caught.append(info.value)
    async with make_client(refused) as client:
        with pytest.raises(errors.ConnectionFailedError) as info:
            await client.get_key()
        caught.append(info.value)

    assert [type(e) for e in caught] == [
        errors.InvalidKeyError,
        errors.RateLimitedError,
        errors.RequestTimeoutError,
        errors.BadRequestError,
        errors.ConnectionFailedError,
    ]
    assert "***" in str(caught[0])  # the echoed key was scrubbed, the rest of the message kept
    for error in caught:
        for text in (str(error), repr(error), error.message, *map(str, error.args)):
            assert TEST_KEY not in text
        # No chained httpx exception (its request holds the Authorization header).
        assert error.__cause__ is None and error.__context__ is None
    assert "GET /key" in caplog.text  # the client did log ...
    assert TEST_KEY not in caplog.text  # ... but never the key
    assert "Bearer" not in caplog.text


# -- error statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.BadRequestError),
        (401, errors.InvalidKeyError),
        (402, errors.InsufficientCreditsError),
        (403, errors.ForbiddenError),
        (404, errors.NotFoundError),
        (408, errors.RequestTimeoutError),
        (429, errors.RateLimitedError),
        (500, errors.UpstreamError),
        (502, errors.UpstreamError),
        (503, errors.UpstreamError),
        (524, errors.UpstreamError),
        (529, errors.UpstreamError),
        (418, errors.OpenRouterError),
    ],
)
async def test_each_status_maps_to_its_error(
    fake: FakeOpenRouter, status: int, expected: type[errors.OpenRouterError]
) -> None:
    fake.script("/key", [Fault.status(status, f"upstream says {status}")])
    async with make_client(fake.settings(max_retries=0)) as client:
        with pytest.raises(errors.OpenRouterError) as caught:
            await client.get_key()
    error = caught.value
    assert type(error) is expected
    assert error.status == status
    message = str(error)
    assert message.startswith(f"OpenRouter answered {status} for the key's usage and limits")
    assert f"upstream says {status}" in message
    assert ";" in message  # what went wrong; what to do
    assert_one_sentence(message)


async def test_a_redirect_points_at_the_base_url(fake: FakeOpenRouter) -> None:
    fake.script("/key", [Fault.response(301, b"", {"Location": "https://example.invalid/"})])
    async with make_client(fake.settings(max_retries=0)) as client:
        with pytest.raises(
            errors.InvalidResponseError, match="redirect is not followed, check OPENROUTER_BASE_URL"
        ):
            await client.get_key()
    assert fake.count("/key") == 1  # not followed


async def test_a_management_key_message_on_any_route(fake: FakeOpenRouter) -> None:
    fake.script("/key", [Fault.status(403, "Only management keys can perform this operation")])
    async with make_client(fake.settings()) as client:
        with pytest.raises(errors.ManagementKeyRequiredError, match="management key"):
            await client.get_key()


async def test_provider_name_and_long_messages(fake: FakeOpenRouter) -> None:
    body = json.dumps(
        {"error": {"code": 502, "message": "x" * 5000, "metadata": {"provider_name": "Groq"}}}
    ).encode()
    fake.script("/key", [Fault.response(502, body)])
    async with make_client(fake.settings(max_retries=0)) as client:
        with pytest.raises(errors.UpstreamError) as caught:
            await client.get_key()
    message = str(caught.value)
    assert "x" * 190 + "..." in message and "x" * 201 not in message
    assert len(message) < 400


async def test_an_html_error_page_is_named_not_quoted(fake: FakeOpenRouter) -> None:
    page = b"<!DOCTYPE html><html><body>" + b"cloudflare " * 500 + b"</body></html>"
    fake.script("/key", [Fault.response(524, page, {"Content-Type": "text/html"})])
    async with make_client(fake.settings(max_retries=0)) as client:
        with pytest.raises(errors.UpstreamError, match="an HTML error page") as caught:
            await client.get_key()
    assert "cloudflare" not in str(caught.value)


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 524, 529])
async def test_transient_statuses_are_retried(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder, status: int
) -> None:
    fake.script("/key", [Fault.status(status)])
    assert (await client.get_key()).usage == Decimal("25.5")
    assert fake.count("/key") == 2
    assert len(sleeps.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404])
async def test_client_errors_are_not_retried(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder, status: int
) -> None:
    fake.script("/models", [Fault.status(status)])
    with pytest.raises(errors.OpenRouterError):
        await client.fetch_models_json()
    assert fake.count("/models") == 1
    assert sleeps.calls == []


async def test_retries_are_bounded_by_count_with_growing_jittered_backoff(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    fake.script("/models", [Fault.status(503)] * 10)
    with pytest.raises(errors.UpstreamError, match="gave up after 3 tries"):
        await client.fetch_models_json()
    assert fake.count("/models") == 3  # max_retries=2
    first, second = sleeps.calls
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0


async def test_retries_are_bounded_by_total_wait(
    fake: FakeOpenRouter, sleeps: SleepRecorder
) -> None:
    fake.script("/key", [Fault.status(500)] * 20)
    settings = fake.settings(max_retries=15, max_retry_wait_seconds=2.0)
    async with make_client(settings, sleeps) as client:
        with pytest.raises(errors.UpstreamError):
            await client.get_key()
    assert sum(sleeps.calls) <= 2.0
    assert 2 <= fake.count("/key") < 16


async def test_rate_limited_after_all_retries_without_hint(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.script("/key", [Fault.status(429)] * 3)
    with pytest.raises(errors.RateLimitedError, match="wait a minute") as caught:
        await client.get_key()
    assert caught.value.retry_after is None
    assert fake.count("/key") == 3


def _retry_after_date(seconds: int) -> dict[str, str]:
    return {"Retry-After": formatdate(time.time() + seconds, usegmt=True)}


@pytest.mark.parametrize(
    ("headers", "bounds"),
    [
        (lambda: {"Retry-After": "1"}, (1.0, 1.0)),
        (lambda: {"Retry-After": "0"}, (0.0, 0.0)),
        (lambda: _retry_after_date(3), (1.5, 3.01)),
        (lambda: {"X-RateLimit-Reset": str(int((time.time() + 2) * 1000))}, (1.5, 2.01)),
        (lambda: {"X-RateLimit-Reset": str(int(time.time() + 2))}, (0.9, 2.01)),
        (lambda: {"X-RateLimit-Reset": "2"}, (2.0, 2.0)),
    ],
    ids=[
        "retry-after-seconds",
        "retry-after-zero",
        "retry-after-date",
        "reset-ms",
        "reset-s",
        "reset-delay",
    ],
)
async def test_server_wait_hints_replace_the_backoff(
    fake: FakeOpenRouter,
    client: OpenRouterClient,
    sleeps: SleepRecorder,
    headers: Callable[[], dict[str, str]],
    bounds: tuple[float, float],
) -> None:
    fake.script("/key", [Fault.status(429, headers=headers())])
    assert (await client.get_key()).label is not None
    [slept] = sleeps.calls
    assert bounds[0] <= slept <= bounds[1]
    assert fake.count("/key") == 2


async def test_a_wait_beyond_the_budget_gives_up_at_once(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    fake.script("/generation", [Fault.status(429, headers={"Retry-After": "3600"})])
    with pytest.raises(errors.RateLimitedError, match="wait 3,600 seconds") as caught:
        await client.get_generation(DEFAULT_GENERATION_ID)
    assert caught.value.retry_after == 3600
    assert fake.count("/generation") == 1
    assert sleeps.calls == []


# -- the network misbehaving -----------------------------------------------------------------


async def test_connection_refused(fake: FakeOpenRouter, sleeps: SleepRecorder) -> None:
    base_url = f"http://127.0.0.1:{unused_port()}/api/v1"
    async with make_client(fake.settings(base_url=base_url, max_retries=1), sleeps) as client:
        with pytest.raises(errors.ConnectionFailedError) as caught:
            await client.fetch_models_json()
    assert base_url in str(caught.value) and "OPENROUTER_BASE_URL" in str(caught.value)
    assert len(sleeps.calls) == 1  # connection errors are retried
    assert_one_sentence(str(caught.value))


async def test_a_hanging_server_times_out_within_the_read_timeout(fake: FakeOpenRouter) -> None:
    fake.script("/key", [Fault.hang()])
    started = time.monotonic()
    async with make_client(fake.settings(read_timeout_seconds=0.3, max_retries=0)) as client:
        with pytest.raises(errors.RequestTimeoutError, match="did not answer in time"):
            await client.get_key()
    assert time.monotonic() - started < 2.0


async def test_a_hanging_catalog_fetch_ends_at_the_overall_bound(fake: FakeOpenRouter) -> None:
    fake.script("/models", [Fault.hang()])
    settings = fake.settings(read_timeout_seconds=30, catalog_fetch_timeout_seconds=0.5)
    started = time.monotonic()
    async with make_client(settings) as client:
        with pytest.raises(errors.RequestTimeoutError, match=r"within 0\.5 s"):
            await client.fetch_models_json()
    assert 0.4 < time.monotonic() - started < 2.0


async def test_a_slow_answer_within_the_timeout_succeeds(fake: FakeOpenRouter) -> None:
    fake.script("/key", [Fault.delay(0.2)])
    async with make_client(fake.settings(read_timeout_seconds=1.0, max_retries=0)) as client:
        assert (await client.get_key()).usage == Decimal("25.5")


@pytest.mark.parametrize("fault", [Fault.hang(), Fault.close(), Fault.truncated()])
async def test_one_broken_answer_is_retried(
    fake: FakeOpenRouter, sleeps: SleepRecorder, fault: Fault
) -> None:
    fake.script("/models", [fault])
    async with make_client(fake.settings(read_timeout_seconds=0.3), sleeps) as client:
        assert (await client.fetch_models_json())["data"]
    assert fake.count("/models") == 2


@pytest.mark.parametrize("fault", [Fault.close(), Fault.truncated()])
async def test_broken_answers_end_as_invalid_response(
    fake: FakeOpenRouter, client: OpenRouterClient, fault: Fault
) -> None:
    fake.script("/models", [fault] * 3)
    with pytest.raises(errors.InvalidResponseError, match="broke") as caught:
        await client.fetch_models_json()
    assert fake.count("/models") == 3
    assert_one_sentence(str(caught.value))


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.fetch_models_json(),
        lambda c: c.fetch_endpoints("openai/gpt-4o-mini"),
        lambda c: c.get_key(),
        lambda c: c.get_credits(api_key=Secret(MANAGEMENT_KEY)),
        lambda c: c.get_generation(DEFAULT_GENERATION_ID),
    ],
    ids=["models", "endpoints", "key", "credits", "generation"],
)
@pytest.mark.parametrize(
    "fault", [Fault.invalid_json(), Fault.wrong_shape()], ids=["json", "shape"]
)
async def test_invalid_or_misshapen_json_is_an_invalid_response(
    fake: FakeOpenRouter,
    client: OpenRouterClient,
    call: Callable[[OpenRouterClient], Any],
    fault: Fault,
) -> None:
    for route in ("/models", "/models/openai/gpt-4o-mini/endpoints", "/key", "/credits"):
        fake.script(route, [fault])
    fake.script("/generation", [fault])
    with pytest.raises(errors.InvalidResponseError, match="not what its API documents"):
        await call(client)
    assert len(fake.requests) == 1  # not retried


async def test_a_generation_missing_a_required_field(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.script("/generation", [Fault.response(200, {"data": {"model": "x"}})])
    with pytest.raises(errors.InvalidResponseError, match="id: Field required"):
        await client.get_generation("gen-1")


async def test_a_huge_body_is_cut_off_at_the_cap(fake: FakeOpenRouter) -> None:
    size = MAX_CATALOG_BYTES * 4
    fake.script("/models", [Fault.huge(size)])
    tracemalloc.start()
    try:
        async with make_client(fake.settings(max_retries=0)) as client:
            with pytest.raises(errors.InvalidResponseError, match="over 32 MiB"):
                await client.fetch_models_json()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_CATALOG_BYTES * 1.5  # one capped buffer, not the 128 MiB body
    assert fake.huge_bytes_sent < size


async def test_a_declared_oversize_body_is_refused_unread(fake: FakeOpenRouter) -> None:
    fake.script("/key", [Fault.huge(64 * 1024 * 1024, declare_length=True)])
    async with make_client(fake.settings(max_retries=0)) as client:
        with pytest.raises(errors.InvalidResponseError, match="over 4 MiB"):
            await client.get_key()
    assert fake.huge_bytes_sent < 32 * 1024 * 1024


# -- /generation: eventually consistent ------------------------------------------------------


async def test_a_generation_that_appears_after_some_404s(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    fake.add_generation({"id": "gen-late", "total_cost": 0.002}, appear_after=3)
    found = await client.get_generation("gen-late", wait_seconds=10)
    assert found.total_cost == Decimal("0.002")
    assert fake.count("/generation") == 4
    assert sleeps.calls == [0.5, 1.0, 2.0]


async def test_a_generation_that_never_appears(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        await client.get_generation("gen-never", wait_seconds=5)
    assert sum(sleeps.calls) == pytest.approx(5.0)
    assert sleeps.calls == [0.5, 1.0, 2.0, 1.5]  # the last sleep is trimmed to the bound
    assert fake.count("/generation") == 5
    message = str(caught.value)
    assert "after 5.0 seconds (5 tries)" in message and "wait_seconds" in message
    assert_one_sentence(message)


async def test_wait_zero_is_a_single_try(
    fake: FakeOpenRouter, client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.get_generation("gen-never", wait_seconds=0)
    assert (fake.count("/generation"), sleeps.calls) == (1, [])


async def test_the_wait_is_capped_at_sixty_seconds(
    client: OpenRouterClient, sleeps: SleepRecorder
) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.get_generation("gen-never", wait_seconds=3600)
    assert sum(sleeps.calls) == pytest.approx(60.0)


async def test_the_wait_holds_in_real_time(fake: FakeOpenRouter) -> None:
    started = time.monotonic()
    async with OpenRouterClient(fake.settings()) as client:  # the real anyio.sleep
        with pytest.raises(errors.NotFoundError):
            await client.get_generation("gen-never", wait_seconds=0.7)
    assert 0.6 < time.monotonic() - started < 2.0
    assert fake.count("/generation") in {2, 3}  # at 0, 0.5 and 0.7 s (2 on a slow machine)


@pytest.mark.parametrize("bad_id", ["", "gen 1", "gen-\n1", "g" * 201, "gen-\x00"])
async def test_malformed_generation_ids_never_reach_the_network(
    fake: FakeOpenRouter, client: OpenRouterClient, bad_id: str
) -> None:
    with pytest.raises(errors.BadRequestError, match="generation id"):
        await client.get_generation(bad_id)
    assert fake.requests == []
