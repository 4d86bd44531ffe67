"""Build the built-in video listing, src/openrouter_pricing/data/builtin_videos.json, from a
``GET /videos/models`` JSON body.

Video models are listed in /models at prompt and completion "0"; their prices are the
``pricing_skus`` of /videos/models, so the server ships that listing too and prices video offline
from it:

    python scripts/build_builtin_videos.py [LISTING] [--as-of YYYY-MM-DD] [--output PATH]

LISTING defaults to the newest ``*videos-models.json`` in ../shared/data/openrouter/media beside the
checkout. ``as_of`` is ``--as-of``, else the file name's date prefix. Only the fields the server
reads are kept, every price string as OpenRouter wrote it; the output is deterministic (sorted
keys, compact separators), so tests/test_builtin_videos.py can check the committed file is not
stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA_DIR = REPO_ROOT.parent / "shared" / "data" / "openrouter" / "media"
OUTPUT = REPO_ROOT / "src" / "openrouter_pricing" / "data" / "builtin_videos.json"
KEPT_KEYS = (
    "id",
    "canonical_slug",
    "name",
    "created",
    "supported_resolutions",
    "supported_sizes",
    "supported_durations",
    "supported_frame_images",
    "generate_audio",
    "pricing_skus",
)
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_")


def build_listing(body: Any, source: str, as_of: str | None = None) -> dict[str, Any]:
    """The built-in listing for a parsed /videos/models body."""
    models = body.get("data") if isinstance(body, dict) else None
    if not isinstance(models, list) or not models:
        raise ValueError(f"{source}: expected a /videos/models body with a non-empty 'data' list")
    prefix = _DATE_PREFIX.match(source)
    if as_of is None and prefix is None:
        raise ValueError(f"{source}: no date prefix in the name; pass --as-of")
    data = [{k: m[k] for k in KEPT_KEYS if m.get(k) is not None} for m in models]
    return {
        "as_of": as_of or (prefix.group(1) if prefix else ""),
        "source": source,
        "model_count": len(data),
        "data": data,
    }


def render(listing: dict[str, Any]) -> bytes:
    text = json.dumps(listing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def default_listing() -> Path:
    candidates = sorted(
        p for p in MEDIA_DIR.glob("*videos-models.json") if _DATE_PREFIX.match(p.name)
    )
    if not candidates:
        raise SystemExit(f"no *videos-models.json in {MEDIA_DIR}; pass one as an argument")
    return candidates[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("listing", nargs="?", type=Path, help="a /videos/models JSON file")
    parser.add_argument("--as-of", help="the listing's as-of date, YYYY-MM-DD")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)
    if args.as_of is not None:
        date.fromisoformat(args.as_of)
    path: Path = args.listing or default_listing()
    listing = build_listing(json.loads(path.read_text(encoding="utf-8")), path.name, args.as_of)
    body = render(listing)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(body)
    print(f"{args.output}: {listing['model_count']} video models as of {listing['as_of']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
