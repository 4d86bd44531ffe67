"""Every tool's arguments fuzzed through a real MCP client: wrong types, negatives, NaN and
Infinity, 10^30, megabyte strings, unicode, path- and injection-like strings, lists of 10^5
items, unknown fields.

Every call must give a valid result (the client checks it against the tool's output schema) or an
``isError`` result with a sentence a model can act on. Failures: the bare "Error executing tool
X", an internal-error message (a crash the guard caught: still a bug), a traceback, a message
that does not end a sentence, a message over 2,000 characters (no megabyte echoes), the API key.

Two parts: ``test_extreme_value_*`` puts each extreme value in each argument of each tool
(deterministic), and the hypothesis tests draw whole argument sets that mix plausible and hostile
values (``FUZZ_EXAMPLES`` per tool here; ``-m slow`` runs ``SLOW_FUZZ_EXAMPLES``). The inputs
tried are counted (pytest's summary line "reliability: ... fuzz inputs N").

The server runs in a background event loop (an anyio blocking portal) so that hypothesis, which
is synchronous, can drive one long-lived client against the fake OpenRouter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult, TextContent

from fake_openrouter import DEFAULT_GENERATION_ID, MANAGEMENT_KEY, TEST_KEY, FakeOpenRouter
from openrouter_pricing.core.limits import KNOWN_CAPABILITIES, SORT_KEYS
from openrouter_pricing.server import build_server
from reliability_counts import count

FUZZ_EXAMPLES = 150
SLOW_FUZZ_EXAMPLES = 3000
MAX_ERROR_CHARS = 2000

MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4.5",
    "deepseek/deepseek-v4-pro",
    "meta-llama/llama-3.3-70b-instruct",
    "meta-llama/llama-3.3-70b-instruct:free",
    "openrouter/auto",
    "google/gemini-2.5-flash-image",
]
BIG_STRING = "a" * 1_000_000
BIG_UNICODE = "\u4e00\U0001f984" * 250_000
BIG_LIST = list(range(100_000))
BIG_STRING_LIST = ["text"] * 100_000
NASTY_STRINGS = [
    "",
    " ",
    "../../../../etc/passwd",
    "..\\..\\windows\\system32",
    "/models/../../key",
    "openai/../../key",
    "'; DROP TABLE models; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "%s%s%s%n",
    "%00",
    "\x00",
    "line\nbreak\r\n",
    "\u202eevil",
    "\ufeffopenai/gpt-4o-mini",
    "ｏｐｅｎａｉ/ｇｐｔ-４ｏ-ｍｉｎｉ",
    "𝕠𝕡𝕖𝕟𝕒𝕚/𝕘𝕡𝕥",
    "🦄" * 300,
    "Ω≈ç√∫˜µ≤≥÷",
    "١٢٣",
    "NaN",
    "Infinity",
    "-1",
    "1e999999999",
    "0x10",
    "sk-or-v1-pasted-a-key-here-0000000000000000000000000000",
    "http://169.254.169.254/latest/meta-data/",
    "gen-" + "9" * 196,
    "openai/gpt-4o-mini:floor:floor",
    "openai/gpt-4o-mini:",
    ":free",
    "/",
    "a" * 201,
]
EXTREMES: list[Any] = [
    None,
    True,
    -1,
    0,
    10**30,
    -(10**30),
    2**63,
    math.nan,
    math.inf,
    -math.inf,
    1e-320,
    "NaN",
    "-Infinity",
    "1e999999999",
    "-0",
    BIG_STRING,
    BIG_UNICODE,
    BIG_LIST,
    BIG_STRING_LIST,
    [],
    {},
    {"nested": {"deeper": [1, {"x": None}]}},
    [[[[[[[[[[1]]]]]]]]]],
    "../../etc/passwd",
    "'; DROP TABLE models; --",
    "\x00",
]


@dataclass
class Caller:
    """Calls tools on the long-lived client from synchronous code (hypothesis)."""

    portal: anyio.from_thread.BlockingPortal
    client: Client

    def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.client.call_tool, tool, arguments)
        count("fuzz inputs")
        count("fuzz inputs answered with an error" if result.is_error else "fuzz inputs answered")
        count("tool calls")
        return result


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    cache_dir: Path = tmp_path_factory.mktemp("fuzz")
    with FakeOpenRouter() as fake, anyio.from_thread.start_blocking_portal() as portal:
        settings_ = fake.settings(
            cache_dir=cache_dir, read_timeout_seconds=1.0, max_retries=0, max_retry_wait_seconds=0
        )
        with portal.wrap_async_context_manager(Client(build_server(settings_))) as client:
            yield Caller(portal, client)


def check(tool: str, arguments: dict[str, Any], result: CallToolResult) -> None:
    """A valid result, or an error a model can act on (see the module docstring)."""
    assert result.content, (tool, arguments)
    block = result.content[0]
    assert isinstance(block, TextContent)
    text = block.text
    assert TEST_KEY not in text and MANAGEMENT_KEY not in text
    if not result.is_error:
        assert result.structured_content is not None and text.strip()
        return
    shown = f"{tool}({_short(arguments)}) -> {text[:500]}"
    assert not re.fullmatch(r"Error executing tool \w+", text.strip()), shown
    assert "internal error" not in text, shown  # the guard caught a crash: a bug all the same
    assert "Traceback" not in text and "pydantic.dev" not in text, shown
    assert len(text) <= MAX_ERROR_CHARS, shown
    detail = text.split(": ", 1)[1] if text.startswith("Error executing tool") else text
    assert len(detail) > 20 and detail.rstrip().endswith("."), shown


def _short(arguments: dict[str, Any]) -> str:
    text = repr(arguments)
    return text if len(text) < 300 else text[:300] + "..."


# -- every extreme value in every argument ---------------------------------------------------

BASE_ARGUMENTS: dict[str, dict[str, Any]] = {
    "list_models": {},
    "estimate_cost": {"model": "openai/gpt-4o-mini", "prompt_tokens": 1000},
    "check_balance": {},
    "get_generation_cost": {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0},
    "recommend_model": {"task": "summarise tickets"},
    "check_budget": {"amount_usd": "0.5"},
    "spend_report": {},
    "price_changes": {},
    "compare_providers": {"model": "meta-llama/llama-3.3-70b-instruct", "prompt_tokens": 1000},
}
POLICY_ARGUMENTS = [
    "zdr",
    "quantizations",
    "providers_only",
    "providers_ignore",
    "max_latency_ms",
    "min_throughput",
    "data_collection",
]
ARGUMENTS: dict[str, list[str]] = {
    "list_models": [
        "query",
        "author",
        "input_modalities",
        "output_modalities",
        "supports",
        "min_context",
        "max_prompt_per_m",
        "max_completion_per_m",
        "free_only",
        "exclude_free",
        "sort",
        "descending",
        "limit",
        "offset",
    ],
    "estimate_cost": [
        "model",
        "prompt_tokens",
        "prompt_text",
        "completion_tokens",
        "reasoning_tokens",
        "cached_prompt_tokens",
        "cache_write_tokens",
        "cache_write_ttl",
        "images",
        "web_searches",
        "requests",
        "at",
        "provider",
        "output_images",
        "image_size",
        "video_seconds",
        "resolution",
        "audio",
        "video_mode",
        "audio_seconds",
        "characters",
        "speech_text",
        *POLICY_ARGUMENTS,
    ],
    "check_balance": [],
    "get_generation_cost": ["generation_id", "wait_seconds", "tags", "reservation_id"],
    "recommend_model": [
        "task",
        "complexity",
        "prompt_tokens",
        "completion_tokens",
        "requests",
        "required_capabilities",
        "min_context",
        "max_cost_per_request_usd",
        "budget_usd",
        "allow_free",
        "include_authors",
        "exclude_authors",
        "prefer",
        "limit",
        "include_batch",
        "output_modality",
        "video_seconds",
        "resolution",
        "output_images",
        "audio_seconds",
        "characters",
        *POLICY_ARGUMENTS,
    ],
    "compare_providers": [
        "model",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_prompt_tokens",
        "cache_write_tokens",
        "images",
        "web_searches",
        "requests",
        "at",
        "sort",
        *POLICY_ARGUMENTS,
    ],
    "check_budget": [
        "amount_usd",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_prompt_tokens",
        "cache_write_tokens",
        "cache_write_ttl",
        "images",
        "web_searches",
        "requests",
        "tags",
        "reserve",
    ],
    "spend_report": ["since", "until", "group_by", "tags"],
    "price_changes": ["since", "models", "authors", "limit"],
}
EXTREME_CASES = [
    pytest.param(tool, name, id=f"{tool}-{name}")
    for tool, names in ARGUMENTS.items()
    for name in names
]


def test_the_fuzzed_arguments_are_every_argument(caller: Caller) -> None:
    tools = caller.portal.call(caller.client.list_tools).tools
    assert {t.name: sorted(t.input_schema["properties"]) for t in tools} == {
        tool: sorted(names) for tool, names in ARGUMENTS.items()
    }


@pytest.mark.parametrize(("tool", "name"), EXTREME_CASES)
def test_extreme_value_in_each_argument(caller: Caller, tool: str, name: str) -> None:
    for value in EXTREMES:
        arguments = {**BASE_ARGUMENTS[tool], name: value}
        if tool == "get_generation_cost" and name == "wait_seconds" and value is True:
            continue  # True is 1 second: valid, only slow
        check(tool, arguments, caller.call(tool, arguments))


@pytest.mark.parametrize("tool", list(ARGUMENTS))
def test_unknown_and_hostile_argument_names(caller: Caller, tool: str) -> None:
    for extra in ["prompt_token", "modle", "", " ", "__proto__", "a" * 10_000, "\x00", "🦄"]:
        arguments = {**BASE_ARGUMENTS[tool], extra: 1}
        result = caller.call(tool, arguments)
        check(tool, arguments, result)
        assert result.is_error and "has no argument" in result.content[0].text  # type: ignore[union-attr]
    result = caller.call(tool, {**BASE_ARGUMENTS[tool], **{f"x{i}": i for i in range(100_000)}})
    check(tool, {"100000 unknown": "..."}, result)


def test_unknown_tool(caller: Caller) -> None:
    for name in ["nope", "", "../estimate_cost", "estimate_cost\x00", BIG_STRING]:
        result = caller.call(name, {})
        assert result.is_error
        check("?", {}, result)


# -- hypothesis: whole argument sets ---------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(NASTY_STRINGS),
)
garbage = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
big = st.sampled_from([BIG_STRING, BIG_UNICODE, BIG_LIST, BIG_STRING_LIST])
texts = st.one_of(st.text(max_size=60), st.sampled_from(NASTY_STRINGS))
counts = st.one_of(
    st.integers(min_value=0, max_value=2_000_000),
    st.integers(min_value=-5, max_value=5),
    st.sampled_from([100_000_000, 100_000_001, 1_000_000_000, 10**30]),
)
money = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-1, max_value=10**6).map(
        str
    ),
    st.sampled_from(["0", "0.01", "1e-999999999", "1e999999999", "-0.5", "1e30", "NaN"]),
    st.floats(min_value=0, max_value=1e6),
)
models = st.one_of(
    st.sampled_from(MODELS),
    st.builds(
        lambda m, v: f"{m}:{v}",
        st.sampled_from(MODELS),
        st.sampled_from(["floor", "nitro", "online", "free", "batch", "extended", "turbo", ""]),
    ),
    st.sampled_from(MODELS).map(str.upper),
    texts,
)
moments = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+05:00",
            "2026-13-45",
            "2026-08-20T23:00:00Z",
            "2026-08-20",
            "1700000000",
            "yesterday",
        ]
    ),
)
string_lists = st.lists(texts, max_size=12)


def arguments(
    fields: dict[str, st.SearchStrategy[Any]], valid: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Argument sets of four kinds: valid (within every bound: the tool's own logic runs, twice
    the share of the others), plausible (each argument absent or drawn from its own strategy,
    which strays out of bounds), hostile (each argument plausible, garbage or huge), and either
    of those plus an argument the tool does not have."""
    plausible = st.fixed_dictionaries({}, optional=fields)
    hostile = st.fixed_dictionaries(
        {}, optional={k: st.one_of(v, garbage, big) for k, v in fields.items()}
    )
    unknown = st.dictionaries(
        st.sampled_from(["prompt_token", "limt", "extra", "💥"]), garbage, min_size=1, max_size=1
    )
    return st.one_of(
        valid,
        valid,
        plausible,
        hostile,
        st.builds(lambda a, u: {**a, **u}, plausible | hostile, unknown),
    )


def some(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


small_text = st.text(max_size=30)
usd_text = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False).map(str)
modalities = st.lists(st.sampled_from(["text", "image", "file", "audio"]), max_size=3, unique=True)


@st.composite
def valid_usage(draw: st.DrawFn) -> dict[str, Any]:
    """An estimate_cost argument set that passes every check (subsets within their parents)."""
    prompt = draw(st.integers(0, 300_000))
    completion = draw(st.integers(0, 50_000))
    cached = draw(st.integers(0, prompt))
    args: dict[str, Any] = {
        "model": draw(
            st.sampled_from(MODELS[:5]).flatmap(
                lambda m: st.sampled_from([m, m.upper(), f"{m}:floor", f"{m}:nitro", f"{m}:online"])
            )
        ),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "reasoning_tokens": draw(st.integers(0, completion)),
        "cached_prompt_tokens": cached,
        "cache_write_tokens": draw(st.integers(0, prompt - cached)),
        "cache_write_ttl": draw(st.sampled_from(["5m", "1h"])),
        "images": draw(st.integers(0, 3)),
        "web_searches": draw(st.integers(0, 3)),
        "requests": draw(st.integers(1, 1_000_000)),
    }
    if draw(st.booleans()):
        args["at"] = draw(
            st.datetimes(
                min_value=datetime(2000, 1, 2),
                max_value=datetime(2100, 1, 1),
                timezones=st.timezones(),
            )
        ).isoformat()
    if draw(st.booleans()):  # the prompt as text, counted by the server
        for key in ("prompt_tokens", "cached_prompt_tokens", "cache_write_tokens"):
            del args[key]
        args["prompt_text"] = draw(st.text(max_size=400))
    if draw(st.integers(0, 4)) == 0:
        args["model"] = "meta-llama/llama-3.3-70b-instruct"
        args["provider"] = draw(
            st.sampled_from(["deepinfra", "DeepInfra", "lambda/fp8", "nowhere"])
        )
    return args


LIST_MODELS = arguments(
    {
        "query": texts,
        "author": st.one_of(st.sampled_from(["openai", "anthropic", "meta-llama"]), texts),
        "input_modalities": st.lists(
            st.sampled_from(["text", "image", "file", "audio"]) | texts, max_size=12
        ),
        "output_modalities": st.lists(st.sampled_from(["text", "image"]) | texts, max_size=12),
        "supports": st.lists(
            st.sampled_from(["tools", "reasoning", "structured_outputs"]) | texts, max_size=22
        ),
        "min_context": counts,
        "max_prompt_per_m": money,
        "max_completion_per_m": money,
        "free_only": st.booleans(),
        "exclude_free": st.booleans(),
        "sort": st.sampled_from([*SORT_KEYS, "price", ""]),
        "descending": st.booleans(),
        "limit": st.integers(min_value=-2, max_value=205),
        "offset": st.one_of(st.integers(min_value=-2, max_value=12), counts),
    },
    some(
        {
            "query": small_text,
            "author": st.sampled_from(["openai", "anthropic", "meta-llama", "nobody"]),
            "input_modalities": modalities,
            "output_modalities": modalities,
            "supports": st.lists(st.sampled_from(["tools", "reasoning", "structured_outputs"])),
            "min_context": st.integers(0, 2_000_000),
            "max_prompt_per_m": usd_text,
            "max_completion_per_m": usd_text,
            "free_only": st.booleans(),
            "exclude_free": st.booleans(),
            "sort": st.sampled_from(SORT_KEYS),
            "descending": st.booleans(),
            "limit": st.integers(1, 200),
            "offset": st.integers(0, 20),
        }
    ),
)
MEDIA_USAGE: dict[str, st.SearchStrategy[Any]] = {
    "output_images": counts,
    "image_size": st.one_of(st.sampled_from(["1024x1024", "0x0", "99999x1", "axb"]), texts),
    "video_seconds": money,
    "resolution": st.one_of(st.sampled_from(["720p", "4K", "640x640", "8k", "p"]), texts),
    "audio": st.one_of(st.booleans(), texts),
    "video_mode": st.sampled_from(["text_to_video", "image_to_video", "video_to_video", "x"]),
    "audio_seconds": money,
    "characters": counts,
    "speech_text": texts,
}
POLICY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "zdr": st.one_of(st.booleans(), garbage),
    "quantizations": st.lists(
        st.sampled_from(["fp8", "fp8+", "bf16", "fp4", "unknown", "fp9", "+"]) | texts, max_size=22
    ),
    "providers_only": st.lists(st.sampled_from(["deepinfra", "lambda/fp8", "nobody"]) | texts),
    "providers_ignore": st.lists(st.sampled_from(["deepinfra", "lambda/fp8"]) | texts),
    "max_latency_ms": st.one_of(st.floats(), counts),
    "min_throughput": st.one_of(st.floats(), counts),
    "data_collection": st.sampled_from(["allow", "deny", "never", ""]),
}
ESTIMATE_COST = st.builds(
    lambda model, rest: {"model": model, **rest},
    models,
    arguments(
        {
            "prompt_tokens": counts,
            "prompt_text": st.one_of(st.text(max_size=400), st.sampled_from(NASTY_STRINGS)),
            "completion_tokens": counts,
            "reasoning_tokens": counts,
            "cached_prompt_tokens": counts,
            "cache_write_tokens": counts,
            "cache_write_ttl": st.sampled_from(["5m", "1h", "24h", ""]),
            "images": counts,
            "web_searches": counts,
            "requests": counts,
            "at": moments,
            "provider": st.one_of(
                st.sampled_from(["deepinfra", "DeepInfra", "novita", "lambda/fp8"]), texts
            ),
            **MEDIA_USAGE,
            **POLICY_FIELDS,
        },
        valid_usage(),
    ),
)
COMPARE_PROVIDERS = st.builds(
    lambda model, rest: {"model": model, **rest},
    models,
    arguments(
        {
            "prompt_tokens": counts,
            "completion_tokens": counts,
            "images": counts,
            "requests": counts,
            "at": moments,
            "sort": st.sampled_from(["cost", "latency", "throughput", "uptime", "price"]),
            **POLICY_FIELDS,
        },
        some(
            {
                "prompt_tokens": st.integers(0, 300_000),
                "completion_tokens": st.integers(0, 50_000),
                "sort": st.sampled_from(["cost", "latency", "throughput", "uptime"]),
                "zdr": st.booleans(),
                "quantizations": st.lists(st.sampled_from(["fp8+", "bf16", "fp4"]), max_size=2),
                "providers_ignore": st.lists(st.sampled_from(["deepinfra", "lambda/fp8"])),
                "data_collection": st.sampled_from(["allow", "deny"]),
            }
        ),
    ),
)
RECOMMEND_MODEL = arguments(
    {
        "task": st.one_of(st.text(max_size=300), st.sampled_from(NASTY_STRINGS)),
        "complexity": st.sampled_from(["simple", "general", "complex", "reasoning", "hard"]),
        "prompt_tokens": counts,
        "completion_tokens": counts,
        "requests": counts,
        "required_capabilities": st.lists(st.sampled_from([*"telepathy"]) | texts, max_size=22),
        "min_context": counts,
        "max_cost_per_request_usd": money,
        "budget_usd": money,
        "allow_free": st.booleans(),
        "include_authors": string_lists,
        "exclude_authors": string_lists,
        "prefer": st.sampled_from(["cheapest", "balanced", "quality", "fastest"]),
        "limit": st.integers(min_value=-1, max_value=25),
        "include_batch": st.booleans(),
        "output_modality": st.one_of(st.sampled_from(["text", "image", "video", "speech"]), texts),
        "video_seconds": money,
        "resolution": st.one_of(st.sampled_from(["720p", "1080p", "640x640"]), texts),
        "output_images": counts,
        "audio_seconds": money,
        "characters": counts,
        **POLICY_FIELDS,
    },
    some(
        {
            "task": small_text,
            "complexity": st.sampled_from(["simple", "general", "complex", "reasoning"]),
            "prompt_tokens": st.integers(0, 100_000),
            "completion_tokens": st.integers(0, 20_000),
            "requests": st.integers(1, 1_000_000),
            "required_capabilities": st.lists(st.sampled_from(KNOWN_CAPABILITIES), max_size=2),
            "min_context": st.integers(0, 200_000),
            "max_cost_per_request_usd": usd_text,
            "budget_usd": usd_text,
            "allow_free": st.booleans(),
            "include_authors": st.lists(st.sampled_from(["openai", "anthropic", "meta-llama"])),
            "exclude_authors": st.lists(st.sampled_from(["openai", "anthropic", "meta-llama"])),
            "prefer": st.sampled_from(["cheapest", "balanced", "quality"]),
            "limit": st.integers(1, 20),
            "include_batch": st.booleans(),
        }
    ),
)
# wait_seconds is always given and, when valid, short: a missing one means 10 s of polling for an
# id the fake does not know, which would only make the run slow.
SHORT_WAIT: st.SearchStrategy[Any] = st.one_of(
    st.floats(min_value=0, max_value=0.05),
    st.floats(max_value=-0.001),
    st.floats(min_value=60.001),
    st.sampled_from([math.nan, math.inf, -math.inf, None, "soon", [], {}]),
)
KNOWN_OR_NOT = st.sampled_from([DEFAULT_GENERATION_ID, "gen-0000000000-notknown"])
GET_GENERATION_COST = st.one_of(
    st.builds(
        lambda generation_id, wait: {"generation_id": generation_id, "wait_seconds": wait},
        st.one_of(KNOWN_OR_NOT, st.lists(KNOWN_OR_NOT, min_size=1, max_size=5)),
        st.floats(min_value=0, max_value=0.05),
    ),
    st.builds(
        lambda generation_id, wait: {"generation_id": generation_id, "wait_seconds": wait},
        st.one_of(
            st.just(DEFAULT_GENERATION_ID),
            texts,
            st.lists(st.one_of(st.just(DEFAULT_GENERATION_ID), texts), max_size=55),
            garbage,
        ),
        SHORT_WAIT,
    ),
)
CHECK_BALANCE = st.one_of(st.just({}), st.dictionaries(st.text(max_size=10), garbage, max_size=2))
STRATEGIES = {
    "list_models": LIST_MODELS,
    "estimate_cost": ESTIMATE_COST,
    "recommend_model": RECOMMEND_MODEL,
    "compare_providers": COMPARE_PROVIDERS,
    "get_generation_cost": GET_GENERATION_COST,
    "check_balance": CHECK_BALANCE,
}
FUZZ_SHARE = {  # examples per tool, as a share of FUZZ_EXAMPLES
    "list_models": 1.0,
    "estimate_cost": 1.5,
    "recommend_model": 1.0,
    "get_generation_cost": 0.5,
    "check_balance": 0.2,
    "compare_providers": 0.5,
}


def _fuzz(caller: Caller, tool: str, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        args = data.draw(STRATEGIES[tool], label="arguments")
        check(tool, args, caller.call(tool, args))

    run()


@pytest.mark.parametrize("tool", list(STRATEGIES))
def test_fuzz_tool_arguments(caller: Caller, tool: str) -> None:
    _fuzz(caller, tool, max(10, int(FUZZ_EXAMPLES * FUZZ_SHARE[tool])))


@pytest.mark.slow
@pytest.mark.parametrize("tool", list(STRATEGIES))
def test_fuzz_tool_arguments_long(caller: Caller, tool: str) -> None:
    _fuzz(caller, tool, int(SLOW_FUZZ_EXAMPLES * FUZZ_SHARE[tool]))
