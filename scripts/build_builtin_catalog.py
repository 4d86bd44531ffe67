"""Build the built-in catalog, src/openrouter_pricing/data/builtin_catalog.json, from /models JSON.

The server answers offline on its first run from this file, so it keeps only what pricing, lookup,
listing and recommendation read, with every price string exactly as OpenRouter wrote it:

    python scripts/build_builtin_catalog.py [SNAPSHOT] [--as-of YYYY-MM-DD] [--output PATH]

SNAPSHOT defaults to the newest ``*models*.json`` in ../shared/data/openrouter beside the checkout
(by its date prefix, preferring the ``_all`` listing, which includes image, audio and embedding
models). ``as_of`` is ``--as-of``, else the snapshot name's date prefix (the day it was taken),
else the day of its newest ``created`` timestamp. The output is deterministic (sorted keys,
compact separators, models in the snapshot's order, descriptions with whitespace collapsed and
cut to 300 characters), so rebuilding from the same snapshot gives identical bytes;
tests/test_builtin_catalog.py checks that the committed file is not stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = REPO_ROOT.parent / "shared" / "data" / "openrouter"
OUTPUT = REPO_ROOT / "src" / "openrouter_pricing" / "data" / "builtin_catalog.json"

DESCRIPTION_CHARS = 300
TOP_LEVEL_KEYS = (
    "id",
    "canonical_slug",
    "name",
    "created",
    "context_length",
    "supported_parameters",
    "expiration_date",
    "reasoning",
    "alias_target",
)
ARCHITECTURE_KEYS = ("input_modalities", "output_modalities", "tokenizer")
TOP_PROVIDER_KEYS = ("context_length", "max_completion_tokens")
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_")


def compact_model(model: dict[str, Any]) -> dict[str, Any]:
    """The fields the server reads, ``pricing`` verbatim; nulls are dropped (absent means null)."""
    out: dict[str, Any] = {key: model[key] for key in TOP_LEVEL_KEYS if model.get(key) is not None}
    out["pricing"] = model["pricing"]
    out["architecture"] = _pick(model.get("architecture"), ARCHITECTURE_KEYS)
    top_provider = _pick(model.get("top_provider"), TOP_PROVIDER_KEYS)
    if top_provider:
        out["top_provider"] = top_provider
    analysis = (model.get("benchmarks") or {}).get("artificial_analysis")
    if analysis:
        out["benchmarks"] = {"artificial_analysis": analysis}
    description = model.get("description")
    if description:
        out["description"] = truncate(description, DESCRIPTION_CHARS)
    return out


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut}…"


def build_catalog(snapshot: Any, source: str, as_of: str | None = None) -> dict[str, Any]:
    """The built-in catalog for a parsed /models body (``{"data": [...]}`` or a bare list)."""
    models = snapshot.get("data") if isinstance(snapshot, dict) else snapshot
    if not isinstance(models, list) or not models:
        raise ValueError(f"{source}: expected a /models body with a non-empty 'data' list")
    data = [compact_model(model) for model in models]
    return {
        "as_of": as_of or _as_of_from(source, models),
        "source": source,
        "model_count": len(data),
        "data": data,
    }


def render(catalog: dict[str, Any]) -> bytes:
    """The file's exact bytes: sorted keys, compact separators, UTF-8, one trailing newline."""
    text = json.dumps(catalog, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def default_snapshot() -> Path:
    """The newest /models snapshot beside the checkout, preferring the ``_all`` listing."""
    candidates = [p for p in SNAPSHOT_DIR.glob("*models*.json") if _DATE_PREFIX.match(p.name)]
    if not candidates:
        raise SystemExit(f"no *models*.json snapshot in {SNAPSHOT_DIR}; pass one as an argument")
    return max(candidates, key=lambda p: (p.name[:10], "_all" in p.name, p.name))


def check(catalog: dict[str, Any]) -> None:
    """Refuse to write a catalog the server could not use in full."""
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from openrouter_pricing.core.schema import parse_models

    models, problems = parse_models(catalog)
    if problems:
        listed = "; ".join(f"{p.model_id}: {p.reason}" for p in problems[:5])
        raise SystemExit(f"{len(problems)} models do not parse: {listed}")
    unpriced = [m.id for m in models if m.pricing.prompt is None or m.pricing.completion is None]
    if unpriced:
        raise SystemExit(f"models without a prompt or completion price: {', '.join(unpriced[:5])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("snapshot", nargs="?", type=Path, help="a /models JSON file")
    parser.add_argument("--as-of", help="the catalog's as-of date, YYYY-MM-DD")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)
    if args.as_of is not None:
        date.fromisoformat(args.as_of)  # fails loudly on anything but YYYY-MM-DD
    path: Path = args.snapshot or default_snapshot()
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    catalog = build_catalog(snapshot, path.name, args.as_of)
    check(catalog)
    body = render(catalog)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(body)
    source_size = path.stat().st_size
    print(
        f"{args.output}: {catalog['model_count']} models as of {catalog['as_of']}, "
        f"{len(body):,} bytes ({len(body) / source_size:.0%} of {path.name}, {source_size:,})"
    )
    return 0


def _pick(obj: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    return {key: obj[key] for key in keys if obj.get(key) is not None}


def _as_of_from(source: str, models: list[Any]) -> str:
    prefix = _DATE_PREFIX.match(source)
    if prefix:
        return prefix.group(1)
    created = [m["created"] for m in models if isinstance(m.get("created"), int | float)]
    if not created:
        raise ValueError(f"{source}: no date prefix and no 'created' timestamps; pass --as-of")
    return datetime.fromtimestamp(max(created), UTC).date().isoformat()


if __name__ == "__main__":
    sys.exit(main())
