"""The built-in video listing: what the build script makes of the real /videos/models answer (the
committed file is not stale), read back whole, and every SKU in it understood."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

from conftest import REPO_ROOT, snapshot_path
from openrouter_pricing.core.video import load_builtin_videos

SCRIPT = REPO_ROOT / "scripts" / "build_builtin_videos.py"
SHIPPED = REPO_ROOT / "src" / "openrouter_pricing" / "data" / "builtin_videos.json"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_builtin_videos", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_listing_is_the_build_of_its_source() -> None:
    shipped = json.loads(SHIPPED.read_text())
    source = snapshot_path(f"media/{shipped['source']}")
    script = _script()
    rebuilt = script.render(script.build_listing(json.loads(source.read_text()), source.name))
    assert rebuilt == SHIPPED.read_bytes()


def test_the_shipped_listing_loads_whole_and_every_price_key_is_understood() -> None:
    shipped = json.loads(SHIPPED.read_text())
    listing = load_builtin_videos()
    assert listing.source == "builtin" and listing.as_of == shipped["as_of"]
    assert len(listing) == shipped["model_count"] == len(shipped["data"])
    unknown = [s.key for m in listing.models for s in m.skus if s.unit == "unknown"]
    # "reference_images" (per reference image) and "reference_duration_seconds_*" parse; nothing
    # in the real listing falls outside the grammar.
    assert unknown == []
