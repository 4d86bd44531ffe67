"""``compare_providers``: a model's provider endpoints side by side, priced for a job, judged by a
policy, with the provider object that makes the request land where it was priced.

Decisions:
- Every endpoint OpenRouter lists is shown, qualifying or not; ``why_not`` says which policy parts
  it fails (``core.policy``). ``cheapest`` is the tag of the cheapest endpoint that meets the
  policy for this usage (one whose context window holds it, when any does), or null.
- The ZDR list is always fetched (cached for the TTL) so that every row says whether it is ZDR;
  when it cannot be read, ``zdr`` is null and a warning says why (an error only when zdr=true).
- Latency, throughput and uptime are numbers in the units ``units`` names, or "unknown" when
  OpenRouter reports none (it reports none to unauthenticated callers at times).
- ``sort``: cost (ascending), latency (ascending), throughput and uptime (descending); unknown
  values last, ties by cost then tag. The provider object's ``sort`` is OpenRouter's name for it
  (price, latency, throughput; none for uptime, which OpenRouter cannot sort by).
"""

from datetime import datetime
from typing import Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .limits import MAX_REQUESTS, MAX_TOKENS_PER_REQUEST, MAX_UNITS_PER_REQUEST
from .outputs import CompareProvidersOutput
from .policy_args import (
    DataCollection,
    MaxLatencyMs,
    MinThroughput,
    PolicyArgs,
    ProvidersIgnore,
    ProvidersOnly,
    Quantizations,
    Zdr,
)

Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS_PER_REQUEST)]
SortBy = Literal["cost", "latency", "throughput", "uptime"]


async def compare_providers(
    ctx: AppContext,
    *,
    model: Annotated[
        str,
        Field(min_length=1, max_length=200, description="Model id, e.g. 'qwen/qwen3-coder'."),
    ],
    prompt_tokens: Annotated[Tokens, Field(description="Input tokens per request.")] = 0,
    completion_tokens: Annotated[Tokens, Field(description="Output tokens per request.")] = 0,
    reasoning_tokens: Annotated[Tokens, Field(description="Part of completion_tokens.")] = 0,
    cached_prompt_tokens: Annotated[Tokens, Field(description="Cache reads; part of prompt.")] = 0,
    cache_write_tokens: Annotated[Tokens, Field(description="Cache writes; part of prompt.")] = 0,
    images: Annotated[Units, Field(description="Input images per request.")] = 0,
    web_searches: Annotated[Units, Field(description="Web searches per request.")] = 0,
    requests: Annotated[
        int, Field(ge=1, le=MAX_REQUESTS, description="Identical requests priced together.")
    ] = 1,
    at: Annotated[
        datetime | None,
        Field(description="When the requests run (UTC, ISO 8601), for time-of-day prices."),
    ] = None,
    sort: Annotated[
        SortBy, Field(description="Order: cost, latency, throughput or uptime.")
    ] = "cost",
    zdr: Zdr = None,
    quantizations: Quantizations = None,
    providers_only: ProvidersOnly = None,
    providers_ignore: ProvidersIgnore = None,
    max_latency_ms: MaxLatencyMs = None,
    min_throughput: MinThroughput = None,
    data_collection: DataCollection = None,
) -> Annotated[CallToolResult, CompareProvidersOutput]:
    """Compare a model's provider endpoints side by side for a job: exact cost of the usage at each
    endpoint (USD decimal strings), prompt/completion USD per million tokens, context, max output,
    quantization, uptime (%), latency (p50 ms to first token), throughput (p50 tokens/s), implicit
    caching, zero data retention, and whether each meets a policy (and why not). Returns the
    cheapest endpoint that meets the policy and the `provider` object to send with the request so
    it runs where it was priced (max_price in USD per million tokens). Needs OpenRouter (or
    endpoint data fetched earlier). Example: {"model": "qwen/qwen3-coder", "prompt_tokens": 20000,
    "completion_tokens": 2000, "requests": 100, "zdr": true, "quantizations": ["fp8+"]}."""
    from ._impl.compare_providers import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        images=images,
        web_searches=web_searches,
        requests=requests,
        at=at,
        sort=sort,
        policy_args=PolicyArgs(
            zdr=zdr,
            quantizations=quantizations,
            providers_only=providers_only,
            providers_ignore=providers_ignore,
            max_latency_ms=max_latency_ms,
            min_throughput=min_throughput,
            data_collection=data_collection,
        ),
    )
