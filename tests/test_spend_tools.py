"""The spend tools through a real MCP client (in memory), against the fake OpenRouter: the ledger
fed by get_generation_cost, budgets with holds, top-ups, reports with OpenRouter's activity and a
savings review, a ledger that cannot be opened, and nothing opened before the first call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from fake_openrouter import (
    DEFAULT_GENERATION_DATA,
    DEFAULT_GENERATION_ID,
    DEFAULT_KEY_DATA,
    MANAGEMENT_KEY,
    FakeOpenRouter,
)
from mcp_helpers import dec, error_text, ok, text_of
from openrouter_pricing.core.settings import Secret, Settings
from openrouter_pricing.server import build_server

BUDGETS = """
[budgets.docs-bot]
limit_usd = "5.00"
period = "month"
tags = { project = "docs-bot" }

[budgets.everything]
limit_usd = "100"
period = "total"
tags = {}
"""
FEB = {"since": "2026-02-20", "until": "2026-02-28"}
LLAMA = "meta-llama/llama-3.3-70b-instruct"


@pytest.fixture
def settings(fake_openrouter: FakeOpenRouter, tmp_path: Path) -> Iterator[Settings]:
    budgets = tmp_path / "budgets.toml"
    budgets.write_text(BUDGETS)
    yield fake_openrouter.settings(
        cache_dir=tmp_path / "cache",
        database_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        budgets_file=budgets,
    )


async def call(settings: Settings, tool: str, arguments: dict[str, Any]) -> Any:
    async with Client(build_server(settings)) as client:
        return await client.call_tool(tool, arguments)


async def test_generations_are_recorded_once_with_tags_and_reported(settings: Settings) -> None:
    tags = {"project": "docs-bot", "run": "7"}
    async with Client(build_server(settings)) as client:
        args = {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0, "tags": tags}
        first = ok(await client.call_tool("get_generation_cost", args))
        again = ok(await client.call_tool("get_generation_cost", args))
        report = ok(
            await client.call_tool("spend_report", {**FEB, "group_by": ["model", "tag:project"]})
        )
    assert first["ledger"].startswith("Ledger: 1 new of 1") and "0 new" in again["ledger"]
    assert report["generations"] == 1
    assert dec(report["total_usd"]) == dec(first["total_cost_usd"]) == Decimal("0.0000621")
    assert report["groups"] == [
        {"keys": ["openai/gpt-4o-mini", "docs-bot"], "spend_usd": "0.0000621", "generations": 1}
    ]
    by_run = ok(await call(settings, "spend_report", {**FEB, "group_by": ["day"], "tags": tags}))
    assert by_run["groups"][0]["keys"] == ["2026-02-24"]
    other = ok(await call(settings, "spend_report", {**FEB, "tags": {"project": "other"}}))
    assert dec(other["total_usd"]) == 0 and other["groups"] == []


async def test_reserve_holds_and_the_real_cost_replaces_the_hold(settings: Settings) -> None:
    tags = {"project": "docs-bot"}
    async with Client(build_server(settings)) as client:
        first = ok(
            await client.call_tool(
                "check_budget", {"amount_usd": "3", "tags": tags, "reserve": True}
            )
        )
        second = ok(
            await client.call_tool(
                "check_budget", {"amount_usd": "3", "tags": tags, "reserve": True}
            )
        )
        hold = first["reservation_id"]
        recorded = ok(
            await client.call_tool(
                "get_generation_cost",
                {
                    "generation_id": DEFAULT_GENERATION_ID,
                    "wait_seconds": 0,
                    "tags": tags,
                    "reservation_id": hold,
                },
            )
        )
        after = ok(await client.call_tool("check_budget", {"amount_usd": "3", "tags": tags}))
    assert first["allowed"] and hold.startswith("hold-") and first["hold_expires_at"]
    docs = {b["name"]: b for b in first["budgets"]}["docs-bot"]
    assert dec(docs["remaining_usd"]) == 5 and dec(docs["remaining_after_usd"]) == 2
    assert not second["allowed"] and second["reservation_id"] is None
    assert dec(second["shortfall_usd"]) == 1
    held = {b["name"]: b for b in second["budgets"]}["docs-bot"]
    assert dec(held["held_usd"]) == 3 and dec(held["remaining_usd"]) == 2
    assert "released" in recorded["ledger"]
    # the generation ran in February: outside this month's docs-bot budget, inside "everything"
    rows = {b["name"]: b for b in after["budgets"]}
    assert dec(rows["docs-bot"]["held_usd"]) == 0 and after["allowed"]
    assert dec(rows["everything"]["spent_usd"]) == Decimal("0.0000621")


async def test_check_budget_prices_a_model_and_caps_the_request(settings: Settings) -> None:
    usage = {"prompt_tokens": 12000, "completion_tokens": 800, "requests": 3}
    async with Client(build_server(settings)) as client:
        estimate = ok(
            await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini", **usage})
        )
        checked = ok(
            await client.call_tool("check_budget", {"model": "openai/gpt-4o-mini", **usage})
        )
        both = await client.call_tool(
            "check_budget", {"model": "openai/gpt-4o-mini", "amount_usd": "1"}
        )
        neither = await client.call_tool("check_budget", {})
    assert checked["planned_usd"] == estimate["total_usd"]
    assert checked["max_price"] == {"prompt": "0.15", "completion": "0.6"}  # $ per million
    assert "amount_usd" in error_text(both) and "amount_usd" in error_text(neither)
    rows = {b["kind"]: b for b in checked["budgets"]}
    # no tags: only the budget with tags = {} covers; then the key's limit from GET /key
    assert [b["name"] for b in checked["budgets"] if b["kind"] == "budget"] == ["everything"]
    assert dec(rows["key_limit"]["limit_usd"]) == 100
    assert dec(rows["key_limit"]["spent_usd"]) == Decimal("25.5")
    assert any("management keys only" in n for n in checked["notes"])


async def test_top_up_and_a_key_limit_too_low(
    fake_openrouter: FakeOpenRouter, settings: Settings
) -> None:
    fake_openrouter.credits = {"total_credits": 10, "total_usage": 9.5}
    fake_openrouter.keys[MANAGEMENT_KEY] = {
        **DEFAULT_KEY_DATA,
        "is_management_key": True,
        "limit": 20,
        "limit_remaining": 1.25,
        "usage_weekly": 7,
    }
    managed = replace(settings, api_key=Secret(MANAGEMENT_KEY))
    out = ok(await call(managed, "check_budget", {"amount_usd": "2", "tags": {"project": "x"}}))
    rows = {b["kind"]: b for b in out["budgets"]}
    assert not out["allowed"] and dec(out["shortfall_usd"]) == Decimal("1.5")  # 0.50 left
    assert dec(rows["account"]["remaining_usd"]) == Decimal("0.5")
    assert dec(rows["key_limit"]["remaining_usd"]) == Decimal("1.25")
    assert rows["key_limit"]["runway_days"] == "1.2"  # 1.25 at 1 a day, rounded down
    # 1.50 of credits: by card 5.5% with a $0.80 minimum, by crypto 5%
    assert {k: dec(v) for k, v in out["top_up"].items()} == {
        "credits_usd": Decimal("1.5"),
        "card_charge_usd": Decimal("2.3"),
        "crypto_charge_usd": Decimal("1.575"),
    }
    assert any("only the key's owner can raise it" in n for n in out["notes"])
    assert "Not allowed" in text_of(await call(managed, "check_budget", {"amount_usd": "2"}))


async def test_report_compares_with_activity_and_reviews_savings(
    fake_openrouter: FakeOpenRouter, settings: Settings
) -> None:
    # Together served it: 1000 prompt and 500 completion tokens at $0.88/M each
    fake_openrouter.add_generation(
        {
            **DEFAULT_GENERATION_DATA,
            "id": "gen-llama-1",
            "model": LLAMA,
            "provider_name": "Together",
            "total_cost": 0.00132,
            "native_tokens_prompt": 1000,
            "native_tokens_completion": 500,
            "created_at": "2026-02-25T10:00:00Z",
        }
    )
    fake_openrouter.activity = [
        {"date": "2026-02-25", "model": LLAMA, "usage": 0.002, "requests": 2},
        {"date": "2026-02-24", "model": "openai/gpt-4o-mini", "usage": 0.0000621},
        {"date": "2026-01-02", "model": LLAMA, "usage": 5},  # outside the report
    ]
    managed = replace(settings, api_key=Secret(MANAGEMENT_KEY))
    fake_openrouter.generations[DEFAULT_GENERATION_ID]["created_at"] = "2026-02-24T21:19:33Z"
    async with Client(build_server(managed)) as client:
        ids = [DEFAULT_GENERATION_ID, "gen-llama-1"]
        ok(await client.call_tool("get_generation_cost", {"generation_id": ids, "wait_seconds": 0}))
        report = ok(await client.call_tool("spend_report", FEB))
    assert dec(report["total_usd"]) == Decimal("0.0013821")
    assert dec(report["activity_total_usd"]) == Decimal("0.0020621")
    assert dec(report["unrecorded_usd"]) == Decimal("0.00068")
    llama = report["savings"][0]
    assert llama["model"] == LLAMA and dec(llama["spend_usd"]) == Decimal("0.00132")
    # the cheapest endpoint for this usage: DeepInfra, 1000 x 0.13/M + 500 x 0.39/M
    assert llama["floor_endpoint"].startswith("DeepInfra")
    assert dec(llama["floor_usd"]) == Decimal("0.000325")
    assert dec(llama["floor_saving_usd"]) == Decimal("0.000995")
    assert llama["floor_saving_percent"] == "75.38"
    if llama["alternative_model"] is not None:
        assert dec(llama["alternative_usd"]) + dec(llama["alternative_saving_usd"]) == dec(
            llama["spend_usd"]
        )
    plain = ok(await call(settings, "spend_report", FEB))  # an ordinary key: no activity
    assert plain["activity_total_usd"] is None
    assert any("management key" in n for n in plain["notes"])


async def test_reports_show_only_the_key_in_use(
    fake_openrouter: FakeOpenRouter, settings: Settings
) -> None:
    args = {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0}
    ok(await call(settings, "get_generation_cost", args))
    other = replace(settings, api_key=Secret(MANAGEMENT_KEY))
    assert ok(await call(other, "spend_report", FEB))["generations"] == 0
    shared = replace(other, ledger_all_keys=True)
    assert ok(await call(shared, "spend_report", FEB))["generations"] == 1


async def test_report_argument_errors(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        backwards = await client.call_tool(
            "spend_report", {"since": "2026-03-01", "until": "2026-02-01"}
        )
        bad_group = await client.call_tool("spend_report", {"group_by": ["colour"]})
        twice = await client.call_tool("spend_report", {"group_by": ["day", "day"]})
        bad_tag = await client.call_tool("check_budget", {"amount_usd": "1", "tags": {"a b": "x"}})
    assert "since" in error_text(backwards)
    assert "tag:NAME" in error_text(bad_group) and "one or two" in error_text(twice)
    assert "'a b'" in error_text(bad_tag)


async def test_without_a_reachable_database_pricing_answers_and_spend_tools_say_why(
    settings: Settings,
) -> None:
    down = replace(settings, database_url="postgresql://nobody:pw@127.0.0.1:9/ledger")
    async with Client(build_server(down)) as client:
        ok(await client.call_tool("list_models", {}))
        ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
        ok(await client.call_tool("recommend_model", {"task": "summarise tickets"}))
        cost = ok(
            await client.call_tool(
                "get_generation_cost", {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0}
            )
        )
        for tool, args in [
            ("check_budget", {"amount_usd": "1"}),
            ("spend_report", {}),
            ("price_changes", {}),
        ]:
            message = error_text(await client.call_tool(tool, args))
            assert "ledger is unavailable" in message and "127.0.0.1:9" in message
            assert "pw@" not in message
    assert cost["ledger"].startswith("Not recorded in the ledger: The ledger is unavailable")


async def test_nothing_opens_the_database_before_a_call_needs_it(
    settings: Settings, tmp_path: Path
) -> None:
    async with Client(build_server(settings)) as client:
        assert len((await client.list_tools()).tools) >= 8
        assert not (tmp_path / "ledger.sqlite3").exists()
        ok(await client.call_tool("check_budget", {"amount_usd": "1"}))
        assert (tmp_path / "ledger.sqlite3").exists()


def test_a_bad_budgets_file_stops_the_server_naming_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openrouter_pricing.cli import main

    bad = tmp_path / "budgets.toml"
    bad.write_text('[budgets.team-a]\nlimit_usd = 5.5\nperiod = "month"\n')
    assert main(["--budgets", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "budget 'team-a'" in err and "limit_usd" in err
    bad.write_text('[budgets.team-b]\nlimit_usd = "5"\nperiod = "fortnight"\n')
    assert main(["--budgets", str(bad)]) == 2
    assert "budget 'team-b'" in capsys.readouterr().err


def test_budget_file_rules() -> None:
    from openrouter_pricing.core.ledger import BudgetFileError, parse_budgets

    (budget,) = parse_budgets(
        '[budgets.a]\nlimit_usd = "0.10"\nperiod = "week"\ntags = {p = "x"}\n'
    )
    assert budget.limit_usd == Decimal("0.10") and budget.covers({"p": "x", "q": "y"})
    assert not budget.covers({"q": "y"})
    for text, problem in [
        ('[budgets.a]\nlimit_usd = "-1"\n', "positive"),
        ('[budgets.a]\nlimit_usd = "1"\ncolour = 1\n', "unknown key"),
        ('[budgets.a]\nlimit_usd = "1"\ntags = {"bad name" = "x"}\n', "name"),
        ("[other]\n", "unknown top-level"),
        ("not toml [", "not valid TOML"),
    ]:
        with pytest.raises(BudgetFileError, match=problem):
            parse_budgets(text)
    assert json.dumps(sorted(budget.tags.items())) == '[["p", "x"]]'


async def test_the_estimate_uses_the_price_in_force_when_the_generation_ran(
    settings: Settings,
) -> None:
    from datetime import UTC, datetime

    from openrouter_pricing.core.ledger import LedgerDB, open_backend

    backend = open_backend(settings.database_url)
    db = LedgerDB(backend)
    # gpt-4o-mini's prompt price was $0.30/M until after the generation ran (2026-02-24)
    before = {"openai/gpt-4o-mini": {"prompt": "0.0000003", "completion": "0.0000006"}}
    now = {"openai/gpt-4o-mini": {"prompt": "0.00000015", "completion": "0.0000006"}}
    db.record_prices("live", datetime(2026, 1, 1, tzinfo=UTC), before)
    db.record_prices("live", datetime(2026, 3, 1, tzinfo=UTC), now)
    backend.close()
    args = {"generation_id": DEFAULT_GENERATION_ID, "wait_seconds": 0}
    out = ok(await call(settings, "get_generation_cost", args))
    # 110 native prompt tokens at $0.30/M and 76 completion tokens at $0.60/M
    assert dec(out["estimate"]["total_usd"]) == Decimal("0.0000786")
    assert "prompt price(s) in force when it ran" in out["estimate"]["note"]
    assert settings.database_url is not None
    elsewhere = Path(settings.database_url.removeprefix("sqlite:///")).parent / "other.sqlite3"
    fresh = replace(settings, database_url=f"sqlite:///{elsewhere}")
    today = ok(await call(fresh, "get_generation_cost", args))
    assert dec(today["estimate"]["total_usd"]) == Decimal("0.0000621")  # 110 x 0.15/M + 76 x 0.6/M


def test_the_tools_tag_bound_is_the_cores() -> None:
    from openrouter_pricing.core import limits
    from openrouter_pricing.core.ledger import budgets
    from openrouter_pricing.tools import ledger_common

    for module in (budgets, ledger_common):  # both read the one definition
        assert vars(module)["MAX_TAGS"] is limits.MAX_TAGS
        assert vars(module)["MAX_TAG_VALUE_CHARS"] is limits.MAX_TAG_VALUE_CHARS
