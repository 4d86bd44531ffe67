"""Fuzzing the tags and the report arguments: hostile strings reach SQL only as parameters, and
the spend tools answer every argument set with a consistent result or an actionable error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult, TextContent

from fake_openrouter import DEFAULT_GENERATION_ID, TEST_KEY, FakeOpenRouter
from openrouter_pricing.core.ledger import (
    GenerationRecord,
    LedgerDB,
    TagError,
    check_tags,
    open_backend,
)
from openrouter_pricing.server import build_server

NOW = datetime(2026, 11, 18, tzinfo=UTC)
HOSTILE = ["'; DROP TABLE generations; --", '" OR 1=1 --', "%s", "?", "\\", "\x00", "🦄", "a'b"]
tag_names = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True), st.sampled_from(HOSTILE)
)
tag_values = st.one_of(st.text(min_size=1, max_size=20), st.sampled_from(HOSTILE))
tag_maps = st.dictionaries(tag_names, tag_values, max_size=4)
FIXTURES = [HealthCheck.function_scoped_fixture]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerDB]:
    path: Path = tmp_path_factory.mktemp("fuzz-ledger") / "ledger.sqlite3"
    backend = open_backend(f"sqlite:///{path}")
    yield LedgerDB(backend)
    backend.close()


def valid(tags: dict[str, str]) -> dict[str, str] | None:
    try:
        return check_tags(tags)
    except TagError:
        return None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(tag_maps, min_size=1, max_size=5), wanted=tag_maps)
def test_tag_filters_match_exactly_whatever_the_strings(
    db: LedgerDB, entries: list[dict[str, str]], wanted: dict[str, str]
) -> None:
    run = f"run-{datetime.now(UTC).timestamp()}-"
    records = []
    for i, tags in enumerate(entries):
        checked = valid(tags)
        if checked is None:
            continue
        records.append(
            GenerationRecord(
                id=f"{run}{i}",
                model="m/x",
                provider=None,
                cost_usd=Decimal("0.01"),
                ran_at=NOW,
                key_label=None,
                key_hash=run,  # a key of its own per example: earlier examples stay out
                prompt_tokens=1,
                completion_tokens=1,
                reasoning_tokens=0,
                cached_tokens=0,
                media_units=None,
                is_byok=None,
                tags=checked,
            )
        )
    db.record(records, NOW)
    filter_tags = valid(wanted)
    if filter_tags is None:
        return
    found = db.spend_rows(NOW, NOW + timedelta(seconds=1), filter_tags, run)
    expected = {r.id for r in records if all(r.tags.get(k) == v for k, v in filter_tags.items())}
    assert {r.id for r in found} == expected
    assert db.spend_rows(NOW, NOW + timedelta(days=1), {}, run) != [] or not records


class Caller:
    def __init__(self, portal: anyio.from_thread.BlockingPortal, client: Client) -> None:
        self.portal, self.client = portal, client

    def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.client.call_tool, tool, arguments)
        return result


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    tmp: Path = tmp_path_factory.mktemp("fuzz-spend")
    with FakeOpenRouter() as fake, anyio.from_thread.start_blocking_portal() as portal:
        server_settings = fake.settings(
            cache_dir=tmp, database_url=f"sqlite:///{tmp / 'ledger.sqlite3'}", max_retries=0
        )
        with portal.wrap_async_context_manager(Client(build_server(server_settings))) as client:
            caller = Caller(portal, client)
            recorded = caller.call(
                "get_generation_cost",
                {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0, "tags": {"p": "x"}},
            )
            assert not recorded.is_error
            yield caller


def check(result: CallToolResult, arguments: dict[str, Any]) -> dict[str, Any] | None:
    block = result.content[0]
    assert isinstance(block, TextContent)
    assert TEST_KEY not in block.text
    if result.is_error:
        assert "Traceback" not in block.text and "internal error" not in block.text, arguments
        assert not re.fullmatch(r"Error executing tool \w+", block.text.strip())
        assert block.text.rstrip().endswith("."), (block.text, arguments)
        return None
    assert result.structured_content is not None
    return result.structured_content


dates = st.one_of(
    st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2100, 1, 1).date()).map(str),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "yesterday", "", "2026-02-24"]),
)
group_entries = st.one_of(
    st.sampled_from(["day", "model", "provider", "tag:p", "tag:", "tag:a b", "tag:x"]),
    st.text(max_size=30),
)
report_args = st.fixed_dictionaries(
    {},
    optional={
        "since": dates,
        "until": dates,
        "group_by": st.lists(group_entries, max_size=3),
        "tags": st.one_of(
            tag_maps, st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
        ),
    },
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(arguments=report_args)
def test_spend_report_arguments(caller: Caller, arguments: dict[str, Any]) -> None:
    out = check(caller.call("spend_report", arguments), arguments)
    if out is None:
        return
    total = sum((Decimal(g["spend_usd"]) for g in out["groups"]), Decimal(0))
    assert total == Decimal(out["total_usd"])
    assert sum(g["generations"] for g in out["groups"]) == out["generations"]
    assert all(len(g["keys"]) == len(out["group_by"]) for g in out["groups"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tags=tag_maps,
    amount=st.decimals(min_value=0, max_value=50, places=3, allow_nan=False).map(str),
    reserve=st.booleans(),
)
def test_check_budget_tags(
    caller: Caller, tags: dict[str, str], amount: str, reserve: bool
) -> None:
    arguments = {"amount_usd": amount, "tags": tags, "reserve": reserve}
    out = check(caller.call("check_budget", arguments), arguments)
    if out is None:
        assert valid(tags) is None  # only bad tags are refused here
        return
    assert out["allowed"] == (Decimal(out["shortfall_usd"]) == 0)
    assert (out["reservation_id"] is not None) == (reserve and out["allowed"])
