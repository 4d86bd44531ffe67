"""The calls the benchmarks make: arguments that vary from call to call, so that what is measured
is the work of answering, not a cache of one answer.

Call ``i`` of a tool gets arguments derived from ``i``: ``estimate_cost`` walks the catalog's
fixed-price models with changing token counts, ``list_models`` changes its filters, sort and page
(20 rows a page), ``recommend_model`` changes its task, sizes, capabilities and preference, and the
floor's ``echo`` gets ``n=i``. None of them needs the network or the tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Args = dict[str, Any]

TOOLS = ("estimate_cost", "list_models", "recommend_model")
FLOOR_TOOL = "echo"

SORTS = ("prompt_price", "completion_price", "blended_price", "context", "newest", "name")
SUPPORTS: tuple[tuple[str, ...], ...] = (
    (),
    ("tools",),
    ("structured_outputs",),
    ("tools", "response_format"),
    ("reasoning",),
)
TASKS = (
    "classify support tickets by urgency",
    "summarise customer emails into a short reply",
    "refactor a python service and write unit tests",
    "extract invoice fields as JSON",
    "research and write a market analysis report",
)
CAPABILITIES: tuple[tuple[str, ...], ...] = (
    (),
    ("tools",),
    ("structured_outputs",),
    ("tools", "structured_outputs"),
    ("image_input",),
)
PREFER = ("balanced", "cheapest", "quality")


def priced_model_ids(body: bytes) -> list[str]:
    """The ids of the catalog's models that have a fixed price per token (estimate_cost answers
    them with these token counts; media models take their own units)."""
    from openrouter_pricing.core.schema import Model

    raw = json.loads(body)
    models = raw.get("data", []) if isinstance(raw, dict) else raw
    ids = []
    for model in models:
        pricing = model.get("pricing") or {}
        if model["id"].startswith("openrouter/") or "-1" in map(str, pricing.values()):
            continue
        if any(str(o.get(k)) == "-1" for o in pricing.get("overrides") or () for k in o):
            continue
        if Model.model_validate(model).billing_kind != "token":
            continue
        ids.append(model["id"])
    return ids


def estimate_args(model_ids: list[str]) -> Callable[[int], Args]:
    def make(i: int) -> Args:
        prompt = 200 + (i * 7919) % 60_000
        args: Args = {
            "model": model_ids[(i * 31) % len(model_ids)],
            "prompt_tokens": prompt,
            "completion_tokens": 50 + (i * 104_729) % 4000,
            "requests": 1 + (i * 13) % 5000,
        }
        if i % 3 == 0:
            args["cached_prompt_tokens"] = prompt // 2
        return args

    return make


def list_args(i: int) -> Args:
    return {
        "supports": list(SUPPORTS[i % len(SUPPORTS)]),
        "min_context": (i % 4) * 16_000,
        "sort": SORTS[(i // len(SUPPORTS)) % len(SORTS)],
        "descending": bool(i % 2),
        "offset": (i % 3) * 10,
        "limit": 20,
    }


def recommend_args(i: int) -> Args:
    return {
        "task": TASKS[i % len(TASKS)],
        "prompt_tokens": 500 + (i * 7919) % 20_000,
        "completion_tokens": 100 + (i * 104_729) % 3000,
        "requests": 1 + (i * 13) % 10_000,
        "required_capabilities": list(CAPABILITIES[(i // len(TASKS)) % len(CAPABILITIES)]),
        "prefer": PREFER[i % len(PREFER)],
        "limit": 5,
    }


def floor_args(i: int) -> Args:
    return {"n": i}


def tool_args(body: bytes) -> dict[str, Callable[[int], Args]]:
    """Tool name -> argument maker, for our three tools and the floor's one."""
    return {
        "estimate_cost": estimate_args(priced_model_ids(body)),
        "list_models": list_args,
        "recommend_model": recommend_args,
        FLOOR_TOOL: floor_args,
    }
