"""Price history on the real snapshots: the 2025-12-18 catalog and then the 2026-01-29 one, each
loaded with --catalog-file by its own server on one database, show every price that changed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp import Client

from conftest import snapshot_path
from mcp_helpers import ok
from openrouter_pricing.core.schema import PRICE_KEYS
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server

# A cache price that is absent means the prompt rate, so absent and "0" differ there; for every
# other key an absent price and a zero one bill the same.
ABSENT_MEANS_PARENT_RATE = {
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "input_audio_cache",
}
OLD = "2025-12-18_openrouter-models.json"
NEW = "2026-01-29_openrouter-models.json"


def listed(path: Path) -> dict[str, dict[str, Decimal]]:
    """Each model's listed prices, read straight from the JSON (the first of a repeated id)."""
    prices: dict[str, dict[str, Decimal]] = {}
    for model in json.loads(path.read_text())["data"]:
        pricing = model.get("pricing") or {}
        prices.setdefault(
            model["id"],
            {
                k: Decimal(str(v))
                for k, v in pricing.items()
                if k in PRICE_KEYS
                and v is not None
                and (Decimal(str(v)) != 0 or k in ABSENT_MEANS_PARENT_RATE)
            },
        )
    return prices


def as_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def expected_changes(old: Path, new: Path) -> set[tuple[str, str]]:
    before, after = listed(old), listed(new)
    return {
        (model, key)
        for model in before.keys() & after.keys()
        for key in before[model].keys() | after[model].keys()
        if before[model].get(key) != after[model].get(key)
    }


async def changes(settings: Settings, **arguments: Any) -> dict[str, Any]:
    async with Client(build_server(settings)) as client:
        return ok(await client.call_tool("price_changes", {"since": "2000-01-01", **arguments}))


async def test_two_snapshots_one_after_the_other_show_every_changed_price(tmp_path: Path) -> None:
    old, new = snapshot_path(OLD), snapshot_path(NEW)
    base = Settings(
        offline=True,
        cache_dir=tmp_path / "cache",
        database_url=f"sqlite:///{tmp_path / 'history.sqlite3'}",
    )
    first = await changes(Settings(**{**base.__dict__, "catalog_file": old}))
    assert first == {"changes": [], "total": 0}  # the first catalog of a source is the baseline
    second_settings = Settings(**{**base.__dict__, "catalog_file": new})
    every = await changes(second_settings, limit=500)
    wanted = expected_changes(old, new)
    assert wanted, "the two snapshots differ in some prices"
    assert every["total"] == len(wanted)
    assert {(c["model"], c["price_key"]) for c in every["changes"]} == wanted
    for change in every["changes"]:
        before, after = listed(old)[change["model"]], listed(new)[change["model"]]
        key = change["price_key"]
        assert as_decimal(change["old"]) == before.get(key)
        assert as_decimal(change["new"]) == after.get(key)
    one = every["changes"][0]
    author = one["model"].split("/")[0]
    by_author = await changes(second_settings, authors=[author.upper()], limit=500)
    assert by_author["total"] == sum(1 for m, _ in wanted if m.startswith(author + "/"))
    by_model = await changes(second_settings, models=[one["model"]])
    assert {c["model"] for c in by_model["changes"]} == {one["model"]}
    assert (await changes(second_settings, since="2999-01-01"))["total"] == 0
