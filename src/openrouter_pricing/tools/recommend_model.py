"""``recommend_model``: the best models for a job, within hard constraints, ranked with reasons.

Decisions:
- The ranking is the core engine's (``core.recommend``); this module maps arguments to a
  ``RecommendRequest`` and the result to the flat output. Capabilities are free strings here, so an
  unknown one reaches the engine, whose error lists the known ones.
- When no model meets every constraint, the engine's error (naming the constraint that removed the
  most) is the tool's error.
"""

from decimal import Decimal
from typing import Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .limits import (
    KNOWN_CAPABILITIES,
    MAX_CHARACTERS,
    MAX_MEDIA_SECONDS,
    MAX_REQUESTS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
    OutputModality,
)
from .outputs import RecommendModelOutput
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

AuthorList = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]


async def recommend_model(
    ctx: AppContext,
    *,
    task: Annotated[
        str, Field(max_length=4000, description="What the model will do, in a sentence or two.")
    ] = "",
    complexity: Annotated[
        Literal["simple", "general", "complex", "reasoning"] | None,
        Field(description="How hard the task is; inferred from task when absent."),
    ] = None,
    prompt_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Input tokens per request.")
    ] = 1000,
    completion_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Output tokens per request.")
    ] = 500,
    requests: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] = 1,
    required_capabilities: Annotated[
        list[Annotated[str, Field(max_length=50)]],
        Field(
            max_length=20,
            description="Every pick must have these: " + ", ".join(KNOWN_CAPABILITIES),
        ),
    ] = [],  # noqa: B006 - pydantic copies defaults
    min_context: Annotated[int | None, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)] = None,
    max_cost_per_request_usd: Annotated[Decimal | None, Field(ge=0)] = None,
    budget_usd: Annotated[
        Decimal | None, Field(ge=0, description="Most to spend on all requests together.")
    ] = None,
    allow_free: Annotated[bool, Field(description="Allow ':free' models (rate-limited).")] = True,
    include_authors: AuthorList = [],  # noqa: B006
    exclude_authors: AuthorList = [],  # noqa: B006
    prefer: Literal["cheapest", "balanced", "quality"] = "balanced",
    limit: Annotated[int, Field(ge=1, le=20)] = 5,
    include_batch: Annotated[bool, Field(description="Also propose ':batch' variants.")] = False,
    output_modality: Annotated[
        OutputModality | None,
        Field(description="What the job produces; inferred from task when absent."),
    ] = None,
    video_seconds: Annotated[
        Decimal | None, Field(gt=0, le=MAX_MEDIA_SECONDS, description="Video seconds per request.")
    ] = None,
    resolution: Annotated[
        str | None, Field(max_length=20, description="Video resolution, e.g. '720p'.")
    ] = None,
    output_images: Annotated[
        int | None, Field(ge=0, le=MAX_UNITS_PER_REQUEST, description="Images per request.")
    ] = None,
    audio_seconds: Annotated[
        Decimal | None,
        Field(gt=0, le=MAX_MEDIA_SECONDS, description="Audio seconds to transcribe per request."),
    ] = None,
    characters: Annotated[
        int | None, Field(ge=0, le=MAX_CHARACTERS, description="Characters to speak per request.")
    ] = None,
    zdr: Zdr = None,
    quantizations: Quantizations = None,
    providers_only: ProvidersOnly = None,
    providers_ignore: ProvidersIgnore = None,
    max_latency_ms: MaxLatencyMs = None,
    min_throughput: MinThroughput = None,
    data_collection: DataCollection = None,
) -> Annotated[CallToolResult, RecommendModelOutput]:
    """Recommend the models that give the most for the money for a job, ranked, each meeting every
    hard constraint (capabilities, context, cost per request, total budget, authors), with the
    estimated cost per request and in total (USD, exact decimal strings) and why it was picked.
    Use it before choosing a model for a task or a batch; then estimate_cost for exact line items.
    prefer: cheapest (lowest cost that fits the task's quality tier), balanced, or quality.
    Routers, dynamic prices, expired models and ':batch' variants (unless include_batch) are never
    proposed. Example: {"task": "summarise support tickets into JSON", "required_capabilities":
    ["structured_outputs"], "prompt_tokens": 3000, "completion_tokens": 300, "requests": 10000,
    "budget_usd": 20}. For media jobs, output_modality (image, video, speech, transcription,
    embeddings) ranks the models that produce it by their own unit cost for video_seconds,
    output_images, audio_seconds or characters: {"task": "a 5 second product video",
    "video_seconds": 5, "resolution": "720p"}. Policy arguments (zdr, quantizations,
    providers_only, ...) keep only the text models with an endpoint that meets them, priced
    there, each with the provider object to send."""
    from ._impl.recommend_model import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        task=task,
        complexity=complexity,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        requests=requests,
        required_capabilities=required_capabilities,
        min_context=min_context,
        max_cost_per_request_usd=max_cost_per_request_usd,
        budget_usd=budget_usd,
        allow_free=allow_free,
        include_authors=include_authors,
        exclude_authors=exclude_authors,
        prefer=prefer,
        limit=limit,
        include_batch=include_batch,
        output_modality=output_modality,
        video_seconds=video_seconds,
        resolution=resolution,
        output_images=output_images,
        audio_seconds=audio_seconds,
        characters=characters,
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
