"""``list_models`` paged to the end over every real /models snapshot: each model exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from conftest import model_snapshot_names, snapshot_path
from mcp_helpers import ok
from openrouter_pricing.core.schema import parse_models
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.server import build_server

NAMES = model_snapshot_names() or ["(snapshots absent)"]


@pytest.mark.snapshots
@pytest.mark.parametrize("name", NAMES)
async def test_paging_lists_every_model_once(name: str, tmp_path: Path) -> None:
    path = snapshot_path(name)
    models, _ = parse_models(json.loads(path.read_bytes()))
    settings = Settings(catalog_file=path, offline=True, cache_dir=tmp_path)
    seen: list[str] = []
    async with Client(build_server(settings)) as client:
        offset: int | None = 0
        while offset is not None:
            args = {"output_modalities": [], "limit": 200, "offset": offset, "sort": "newest"}
            out = ok(await client.call_tool("list_models", args))
            assert out["total"] == len(models)
            assert out["catalog"]["source"] == "file"
            seen += [m["id"] for m in out["models"]]
            for row in out["models"]:
                per_token = row["billing"] in ("token", "image")
                assert row["is_dynamic"] or (row["prompt_per_m"] is not None) == per_token
                assert not (row["prompt_per_m"] or "").startswith("-")
            offset = out["next_offset"]
    assert len(seen) == len(set(seen)) == len(models)
    assert set(seen) == {m.id for m in models}
