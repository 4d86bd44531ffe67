"""Record a fixed set of tool calls and their results, to show that a refactoring changed nothing.

    python scripts/record_calls.py OUTPUT.jsonl [--catalog-file SNAPSHOT]
    python scripts/record_calls.py --compare BEFORE.jsonl AFTER.jsonl

The calls (list_models, estimate_cost and recommend_model over many arguments, including media
models and errors) run in memory, offline, on the built-in catalog or the given snapshot, with a
fixed ``at`` where prices depend on the time. Each line is one call: its arguments, whether it
was an error, its text and its structured result without the catalog's age (the only part that
moves between runs). ``--compare`` prints the calls whose results differ and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

# Recommendations state the time they priced at ("at 2026-12-01 22:18 UTC"): not a difference.
_NOW = re.compile(r"at \d{4}-\d\d-\d\d \d\d:\d\d UTC")
CALLS: list[tuple[str, dict[str, Any]]] = []
AT = "2026-08-20T23:30:00Z"
MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4.5",
    "google/gemini-2.5-pro",
    "deepseek/deepseek-v4-flash",
    "meta-llama/llama-3.3-70b-instruct:free",
    "openai/gpt-4o:extended",
    "google/veo-3.1",
    "black-forest-labs/flux.2-pro",
    "openai/whisper-large-v3-turbo",
    "hexgrad/kokoro-82m",
    "openrouter/auto",
    "no/such-model",
]
for model in MODELS:
    for prompt, completion in ((0, 0), (1200, 300), (250_000, 4000)):
        CALLS.append(
            (
                "estimate_cost",
                {
                    "model": model,
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "at": AT,
                },
            )
        )
    CALLS.append(
        (
            "estimate_cost",
            {
                "model": model,
                "prompt_tokens": 10_000,
                "cached_prompt_tokens": 4000,
                "cache_write_tokens": 1000,
                "completion_tokens": 900,
                "reasoning_tokens": 300,
                "requests": 1234,
                "web_searches": 1,
                "at": AT,
            },
        )
    )
CALLS += [
    ("estimate_cost", {"model": "google/veo-3.1", "video_seconds": 8, "resolution": "1080p"}),
    ("estimate_cost", {"model": "black-forest-labs/flux.2-pro", "output_images": 2}),
    ("estimate_cost", {"model": "openai/whisper-large-v3-turbo", "audio_seconds": "61.5"}),
    ("estimate_cost", {"model": "hexgrad/kokoro-82m", "speech_text": "Hello there."}),
    ("estimate_cost", {"model": "openai/gpt-4o-mini", "prompt_text": "Count me, please. " * 40}),
    ("estimate_cost", {"model": "openai/gpt-4o-mini:online", "prompt_tokens": 500}),
]
for sort in ("prompt_price", "blended_price", "context", "newest", "name", "intelligence"):
    for outputs in (["text"], [], ["image"], ["video"]):
        CALLS.append(("list_models", {"sort": sort, "output_modalities": outputs, "limit": 15}))
CALLS += [
    ("list_models", {"query": "gemini", "supports": ["tools"], "limit": 30}),
    ("list_models", {"free_only": True, "output_modalities": [], "limit": 100}),
    ("list_models", {"author": "openai", "max_prompt_per_m": "1", "descending": True}),
    ("list_models", {"min_context": 1_000_000, "offset": 3, "limit": 5}),
]
for prefer in ("cheapest", "balanced", "quality"):
    for task, caps in (
        ("classify support tickets", []),
        ("coding agent editing a Python repository", ["tools"]),
        ("prove a theorem step by step", []),
        ("summarise PDFs", ["file_input"]),
        ("generate a 5 second product video", []),
        ("narrate this chapter as an audiobook", []),
    ):
        CALLS.append(
            (
                "recommend_model",
                {"task": task, "required_capabilities": caps, "prefer": prefer, "limit": 5},
            )
        )
CALLS.append(
    ("recommend_model", {"task": "chat", "budget_usd": "0.0001", "requests": 1000, "limit": 3})
)


async def _record(output: Path, catalog_file: Path | None) -> None:
    from mcp import Client

    from openrouter_pricing.core.settings import Settings
    from openrouter_pricing.server import build_server

    with tempfile.TemporaryDirectory() as cache:
        settings = Settings(offline=True, cache_dir=Path(cache), catalog_file=catalog_file)
        async with Client(build_server(settings)) as client:
            with output.open("w") as out:
                for tool, arguments in CALLS:
                    result = await client.call_tool(tool, arguments)
                    data = result.structured_content or {}
                    if isinstance(data.get("catalog"), dict):
                        data["catalog"].pop("age_seconds", None)
                    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
                    line = {"tool": tool, "arguments": arguments, "error": result.is_error}
                    recorded = json.dumps({**line, "text": text, "result": data})
                    out.write(_NOW.sub("at <now> UTC", recorded) + "\n")


def _compare(before: Path, after: Path) -> int:
    old = before.read_text().splitlines()
    new = after.read_text().splitlines()
    differing = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
    for i in differing[:20]:
        print(
            f"differs: {json.loads(old[i])['tool']} {json.dumps(json.loads(old[i])['arguments'])}"
        )
    print(f"{len(old)} and {len(new)} calls recorded; {len(differing)} differ.")
    return 1 if differing or len(old) != len(new) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("output", nargs="?", type=Path)
    parser.add_argument("--catalog-file", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return _compare(*args.compare)
    if args.output is None:
        parser.error("give OUTPUT, or --compare BEFORE AFTER")
    import anyio

    anyio.run(_record, args.output, args.catalog_file)
    print(f"{len(CALLS)} calls recorded in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
