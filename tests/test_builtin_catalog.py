"""The built-in catalog: it parses in full, its prices are the snapshot's to the digit, and the
committed file is exactly what the build script makes from its snapshot (never stale)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from conftest import REPO_ROOT, snapshot_path
from openrouter_pricing.core import builtin
from openrouter_pricing.core.builtin import BuiltinCatalog, load_builtin_catalog
from openrouter_pricing.core.errors import CatalogUnavailableError
from openrouter_pricing.core.schema import PRICE_KEYS, Model, parse_models

SCRIPT = REPO_ROOT / "scripts" / "build_builtin_catalog.py"
SHIPPED = REPO_ROOT / "src" / "openrouter_pricing" / "data" / "builtin_catalog.json"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_builtin_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shipped() -> BuiltinCatalog:
    return load_builtin_catalog()


@pytest.fixture(scope="module")
def shipped_models(shipped: BuiltinCatalog) -> list[Model]:
    models, problems = parse_models(shipped.raw)
    assert problems == []
    return models


def test_the_shipped_catalog_parses_in_full(
    shipped: BuiltinCatalog, shipped_models: list[Model]
) -> None:
    assert shipped.raw["model_count"] == len(shipped.raw["data"]) == len(shipped_models)
    assert len(shipped_models) >= 400
    assert len({m.id for m in shipped_models}) == len(shipped_models)


def test_every_shipped_model_has_prompt_and_completion_prices(shipped_models: list[Model]) -> None:
    unpriced = [
        m.id for m in shipped_models if m.pricing.prompt is None or m.pricing.completion is None
    ]
    assert unpriced == []


def test_as_of_is_the_snapshot_day_at_midnight_utc(shipped: BuiltinCatalog) -> None:
    day = date.fromisoformat(shipped.raw["as_of"])
    assert shipped.as_of == datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert shipped.as_of.utcoffset() is not None
    # the snapshot was taken on or after the day its newest model was created
    newest = max(m["created"] for m in shipped.raw["data"])
    assert datetime.fromtimestamp(newest, UTC).date() <= day
    assert shipped.source == shipped.raw["source"]
    assert shipped.source.endswith(".json") and "/" not in shipped.source


def test_the_shipped_catalog_keeps_what_the_server_reads(shipped_models: list[Model]) -> None:
    by_id = {m.id: m for m in shipped_models}
    assert any(m.pricing.overrides for m in shipped_models)  # tiered / time-of-day prices
    assert any(m.intelligence_index is not None for m in shipped_models)
    assert any(m.alias_target is not None for m in shipped_models)
    assert any(m.reasoning is not None for m in shipped_models)
    assert any(m.expiration_date is not None for m in shipped_models)
    assert any("image" in m.architecture.output_modalities for m in shipped_models)
    gpt4o = by_id["openai/gpt-4o"]
    assert gpt4o.canonical_slug and gpt4o.context_length and gpt4o.max_completion_tokens
    assert "tools" in gpt4o.supported_parameters
    assert gpt4o.architecture.tokenizer == "GPT"
    assert all(len(m.description or "") <= 300 for m in shipped_models)


def test_loading_gives_a_fresh_dict_each_time() -> None:
    first = load_builtin_catalog()
    first.raw["data"].clear()
    assert len(load_builtin_catalog().raw["data"]) == first.raw["model_count"]


@pytest.mark.parametrize(
    ("content", "error"),
    [(None, "FileNotFoundError"), ("{not json", "JSONDecodeError"), ('{"data": []}', "KeyError")],
)
def test_a_missing_or_damaged_file_is_an_actionable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, error: str
) -> None:
    package = tmp_path / "openrouter_pricing"
    (package / "data").mkdir(parents=True)
    if content is not None:
        (package / "data" / builtin.BUILTIN_CATALOG_FILE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(builtin, "resources", SimpleNamespace(files=lambda _: package))
    with pytest.raises(CatalogUnavailableError, match="reinstall openrouter-pricing-mcp") as info:
        load_builtin_catalog()
    assert error in str(info.value)


def test_the_file_is_compact_and_deterministic() -> None:
    body = SHIPPED.read_bytes()
    assert len(body) < 600_000
    script = load_script()
    assert script.render(json.loads(body)) == body  # sorted keys, compact separators, one "\n"


@pytest.mark.snapshots
def test_rebuilding_from_the_snapshot_gives_the_committed_bytes(tmp_path: Path) -> None:
    source = json.loads(SHIPPED.read_bytes())["source"]
    snapshot = snapshot_path(source)
    output = tmp_path / "catalog.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), str(snapshot), "--output", str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == SHIPPED.read_bytes(), (
        "the committed built-in catalog is stale: run scripts/build_builtin_catalog.py"
    )
    assert len(output.read_bytes()) < 0.40 * snapshot.stat().st_size


@pytest.mark.snapshots
def test_every_price_equals_the_snapshot_price_exactly(shipped: BuiltinCatalog) -> None:
    snapshot = json.loads(snapshot_path(shipped.source).read_text(encoding="utf-8"))
    source_models, problems = parse_models(snapshot)
    assert problems == []
    compact_models, _ = parse_models(shipped.raw)
    assert [m.id for m in compact_models] == [m.id for m in source_models]
    compared = 0
    for original, compact in zip(source_models, compact_models, strict=True):
        assert compact.pricing == original.pricing, original.id  # Decimals, overrides included
        for key in PRICE_KEYS:
            expected = getattr(original.pricing, key)
            actual = getattr(compact.pricing, key)
            assert actual == expected and (expected is None or isinstance(actual, Decimal))
            compared += expected is not None
    for raw_original, raw_compact in zip(snapshot["data"], shipped.raw["data"], strict=True):
        assert raw_compact["pricing"] == raw_original["pricing"]  # the strings, verbatim
    assert compared > 2 * len(source_models)


@pytest.mark.snapshots
def test_every_kept_field_equals_the_snapshot(shipped: BuiltinCatalog) -> None:
    snapshot = json.loads(snapshot_path(shipped.source).read_text(encoding="utf-8"))
    source_models, _ = parse_models(snapshot)
    compact_models, _ = parse_models(shipped.raw)
    for original, compact in zip(source_models, compact_models, strict=True):
        assert kept_fields(compact) == kept_fields(original), original.id
        cut = (compact.description or "").removesuffix("…")
        assert " ".join((original.description or "").split()).startswith(cut)


def kept_fields(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "canonical_slug": model.canonical_slug,
        "name": model.name,
        "created": model.created,
        "context_length": model.context_length,
        "input_modalities": model.architecture.input_modalities,
        "output_modalities": model.architecture.output_modalities,
        "tokenizer": model.architecture.tokenizer,
        "top_context_length": model.top_provider.context_length if model.top_provider else None,
        "max_completion_tokens": model.max_completion_tokens,
        "supported_parameters": model.supported_parameters,
        "expiration_date": model.expiration_date,
        "reasoning": model.reasoning,
        "alias_target": model.alias_target,
        "artificial_analysis": model.benchmarks.artificial_analysis if model.benchmarks else None,
    }


def test_the_script_takes_as_of_from_the_name_then_created_then_the_argument() -> None:
    script = load_script()
    models = [
        {"id": "a/x", "created": 1_700_000_000, "pricing": {"prompt": "0.000001"}},
        {"id": "a/y", "created": 1_786_722_910, "pricing": {"prompt": "0", "completion": "0"}},
    ]
    named = script.build_catalog({"data": models}, "2026-08-18_openrouter_models_all.json")
    assert named["as_of"] == "2026-08-18"
    assert script.build_catalog(models, "models.json")["as_of"] == "2026-08-14"
    assert script.build_catalog(models, "models.json", "2026-01-02")["as_of"] == "2026-01-02"
    assert named["model_count"] == 2 and named["source"] == "2026-08-18_openrouter_models_all.json"


def test_the_script_keeps_only_the_fields_the_server_reads() -> None:
    script = load_script()
    model = {
        "id": "a/x",
        "name": "X",
        "description": "word " * 100,
        "pricing": {"prompt": "0.0000009499999999999999", "completion": "-1", "overrides": []},
        "architecture": {"modality": "text->text", "tokenizer": "Other", "instruct_type": None},
        "top_provider": {"context_length": None, "max_completion_tokens": 8, "is_moderated": True},
        "benchmarks": {"design_arena": [{"elo": 1}], "artificial_analysis": None},
        "links": {"details": "/api/v1/models/a/x/endpoints"},
        "hugging_face_id": "",
        "expiration_date": None,
    }
    compact = script.compact_model(model)
    assert compact == {
        "id": "a/x",
        "name": "X",
        "description": compact["description"],
        "pricing": model["pricing"],
        "architecture": {"tokenizer": "Other"},
        "top_provider": {"max_completion_tokens": 8},
    }
    assert len(compact["description"]) <= 300 and compact["description"].endswith("word…")


def test_truncate_cuts_at_a_word_and_marks_the_cut() -> None:
    script = load_script()
    assert script.truncate("short  text\n here", 300) == "short text here"
    cut = script.truncate("alpha beta gamma delta", 12)
    assert cut == "alpha beta…" and len(cut) <= 12
