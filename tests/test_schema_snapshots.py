"""Every real /models snapshot parses completely; prices stay exact; bad models are skipped."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from conftest import (
    FIXTURES,
    SNAPSHOT_SKIP_REASON,
    load_snapshot,
    model_snapshot_names,
    snapshot_path,
)
from openrouter_pricing.core.schema import (
    Credits,
    Generation,
    KeyInfo,
    parse_endpoints,
    parse_models,
    parse_models_json,
)

SNAPSHOTS = model_snapshot_names() or ["(no snapshots)"]


def raw_models(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else raw["data"]


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_every_snapshot_parses_completely(name: str) -> None:
    raw = load_snapshot(name) if name != "(no snapshots)" else pytest.skip(SNAPSHOT_SKIP_REASON)
    models, problems = parse_models(raw)
    assert problems == []
    assert len(models) == len(raw_models(raw))
    if isinstance(raw, dict) and "total_count" in raw:
        assert len(models) == raw["total_count"]


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_prices_equal_the_strings_exactly(name: str) -> None:
    raw = load_snapshot(name) if name != "(no snapshots)" else pytest.skip(SNAPSHOT_SKIP_REASON)
    models, _ = parse_models(raw)
    by_id = {m.id: m for m in models}
    for item in raw_models(raw):
        model = by_id[item["id"]]
        for key, value in item["pricing"].items():
            if key in ("overrides", "discount"):
                continue
            assert getattr(model.pricing, key) == Decimal(str(value)), (item["id"], key)
        assert len(model.pricing.overrides) == len(item["pricing"].get("overrides", []))


def test_2026_08_18_has_the_documented_shapes() -> None:
    raw = load_snapshot("2026-08-18_openrouter_models.json")
    models, _ = parse_models(raw)
    assert sum(1 for m in models if m.pricing.overrides) == 61
    assert sum(1 for m in models if m.variant == "batch") == 61
    routers = [m.id for m in models if m.pricing.is_dynamic]
    assert routers and all(r.startswith("openrouter/") for r in routers)
    aliases = [m for m in models if m.id.startswith("~")]
    assert len(aliases) == 11 and all(a.alias_target and a.alias_target.slug for a in aliases)
    with_index = [
        item["id"]
        for item in raw["data"]
        if ((item.get("benchmarks") or {}).get("artificial_analysis") or {}).get(
            "intelligence_index"
        )
        is not None
    ]
    assert [m.id for m in models if m.intelligence_index is not None] == with_index


def test_a_malformed_model_is_reported_and_skipped() -> None:
    good = {"id": "a/good", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    bad_price = {"id": "a/bad-price", "pricing": {"prompt": "cheap", "completion": "0"}}
    no_pricing = {"id": "a/no-pricing"}
    not_a_dict = "surprise"
    models, problems = parse_models({"data": [good, bad_price, no_pricing, not_a_dict, good]})
    assert [m.id for m in models] == ["a/good"]
    assert [p.model_id for p in problems] == ["a/bad-price", "a/no-pricing", None, "a/good"]
    assert "pricing" in problems[0].reason
    assert problems[-1].reason == "duplicate id"


def test_a_body_without_models_is_refused() -> None:
    with pytest.raises(ValueError, match="data"):
        parse_models({"error": {"code": 500}})


def test_unknown_fields_are_ignored_and_absent_ones_tolerated() -> None:
    models, problems = parse_models(
        [{"id": "x/y", "pricing": {"prompt": "0", "completion": "0", "new_thing": "9"}, "z": 1}]
    )
    assert problems == [] and models[0].pricing.is_free
    assert models[0].context_length is None and models[0].architecture.input_modalities == ()


def test_spec_examples_parse_into_key_credits_generation_endpoints() -> None:
    paths = load_snapshot("2026-08-22_openapi-examples.json")["paths"]
    key = KeyInfo.model_validate(paths["GET /key"]["200"]["data"])
    assert key.limit_remaining == Decimal("74.5") and key.limit_reset == "monthly"
    credits = Credits.model_validate(paths["GET /credits"]["200"]["data"])
    assert credits.total_credits == Decimal("100.5")
    generation = Generation.model_validate(paths["GET /generation"]["200"]["data"])
    assert generation.total_cost == Decimal("0.0015")
    endpoints = parse_endpoints(paths["GET /models/{author}/{slug}/endpoints"]["200"])
    assert endpoints and endpoints[0].pricing.prompt == Decimal("0.00003")


def test_real_generation_body_parses() -> None:
    body = load_snapshot("2026-02-24_generation-response_response.ts.json")
    generation = Generation.model_validate(body["data"])
    assert generation.total_cost == Decimal("0.00003452")
    assert generation.cache_discount is None
    assert generation.native_tokens_prompt == 64


def test_real_endpoints_parse() -> None:
    raw = load_snapshot("2026-05-31_openrouter-models.raw.json")
    total = 0
    for item in raw["data"]:
        details = item["openrouter_endpoint_details"]
        endpoints = parse_endpoints({"data": {"endpoints": details["endpoints"]}})
        assert len(endpoints) == len(details["endpoints"])
        total += len(endpoints)
    assert total == 962


def test_mini_fixture_parses_when_present() -> None:
    path = FIXTURES / "mini_models.json"
    if not path.is_file():
        pytest.skip("tests/fixtures/mini_models.json not present")
    models, problems = parse_models(json.loads(path.read_text()))
    assert models and problems == []


def same_parse(body: bytes) -> tuple[list[Any], list[Any]]:
    """``parse_models_json`` of ``body``, checked equal (every field) to the tolerant path's."""
    fast_models, fast_problems = parse_models_json(body)
    models, problems = parse_models(json.loads(body))
    assert [m.model_dump() for m in fast_models] == [m.model_dump() for m in models]
    assert fast_problems == problems
    return fast_models, fast_problems


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_one_pass_json_parse_equals_the_tolerant_parse(name: str) -> None:
    if name == "(no snapshots)":
        pytest.skip(SNAPSHOT_SKIP_REASON)
    models, _ = same_parse(snapshot_path(name).read_bytes())
    assert models


def test_one_pass_json_parse_falls_back_for_bad_models_and_duplicates() -> None:
    good = {"id": "a/good", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    twice = json.dumps({"data": [good, good]}).encode()
    models, problems = same_parse(twice)  # every model parses: the one-pass path, deduplicated
    assert [m.id for m in models] == ["a/good"] and problems[0].reason == "duplicate id"
    bad = {"id": "a/bad", "pricing": {"prompt": "1e999999", "completion": "0"}}
    models, problems = same_parse(json.dumps({"data": [bad, good]}).encode())
    assert [m.id for m in models] == ["a/good"] and [p.model_id for p in problems] == ["a/bad"]
    bare = json.dumps([good]).encode()  # a bare list: the tolerant path reads it
    assert [m.id for m in same_parse(bare)[0]] == ["a/good"]
    with pytest.raises(ValueError):
        parse_models_json(b"{not json")
    with pytest.raises(ValueError, match="data"):
        parse_models_json(b'{"error": {"code": 500}}')
