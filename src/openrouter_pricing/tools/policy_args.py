"""The policy arguments shared by ``estimate_cost``, ``recommend_model`` and ``compare_providers``,
declared once.

Decisions:
- Each argument is an ``Annotated`` type with its bounds and description, so the three tools
  publish the same schema for it; the tools list them by name (``zdr: Zdr = None`` ...) and hand
  them on as one ``PolicyArgs``, which ``under_policy.policy_of`` makes into the ``Policy``.
- Only ``typing`` and pydantic at import: the tool signatures are read at start-up (see
  ``limits``).
"""

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

_Names = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)]

Zdr = Annotated[
    bool | None,
    Field(
        description="true: only endpoints in OpenRouter's zero-data-retention list "
        "(GET /endpoints/zdr)."
    ),
]
Quantizations = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=20)]] | None,
    Field(
        max_length=20,
        description="Allowed quantizations, e.g. ['fp8', 'bf16']; 'fp8+' means fp8 or better "
        "(more bits: fp8/int8/mxfp8, fp16, bf16, fp32).",
    ),
]
ProvidersOnly = Annotated[
    _Names | None,
    Field(description="Only these providers: slugs ('deepinfra') or endpoint tags ('novita/fp8')."),
]
ProvidersIgnore = Annotated[
    _Names | None,
    Field(description="Never these providers: slugs or endpoint tags."),
]
MaxLatencyMs = Annotated[
    float | None,
    Field(
        gt=0,
        le=600_000,
        description="Most latency allowed: p50 time to first token over the last 30 minutes, "
        "in milliseconds (unknown latency does not qualify).",
    ),
]
MinThroughput = Annotated[
    float | None,
    Field(
        ge=0,
        le=1_000_000,
        description="Least throughput allowed: p50 output tokens per second over the last 30 "
        "minutes (unknown throughput does not qualify).",
    ),
]
DataCollection = Annotated[
    Literal["allow", "deny"] | None,
    Field(
        description="'deny' is passed on in the provider object; OpenRouter applies it when the "
        "request is routed (no public data says which endpoints it removes)."
    ),
]


@dataclass(frozen=True)
class PolicyArgs:
    """The policy arguments of one call, as the tool's signature validated them."""

    zdr: bool | None = None
    quantizations: list[str] | None = None
    providers_only: list[str] | None = None
    providers_ignore: list[str] | None = None
    max_latency_ms: float | None = None
    min_throughput: float | None = None
    data_collection: Literal["allow", "deny"] | None = None
