"""``recommend_model``: the best models for a job, within hard constraints, ranked with reasons.

Decisions:
- The ranking is the core engine's (``core.recommend``); this module maps arguments to a
  ``RecommendRequest`` and the result to the flat output. Capabilities are free strings here, so an
  unknown one reaches the engine, whose error lists the known ones.
- When no model meets every constraint, the engine's error (naming the constraint that removed the
  most) is the tool's error.
"""

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from .common import (
    AppContext,
    catalog_block,
    catalog_lines,
    fail,
    load_catalog,
    money_text,
    pricing_errors,
    result,
    table,
    usd,
)
from .limits import (
    KNOWN_CAPABILITIES,
    MAX_CHARACTERS,
    MAX_MEDIA_SECONDS,
    MAX_REQUESTS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
    OutputModality,
)
from .outputs import RecommendationOut, RecommendModelOutput
from .policy_args import (
    DataCollection,
    MaxLatencyMs,
    MinThroughput,
    ProvidersIgnore,
    ProvidersOnly,
    Quantizations,
    Zdr,
    policy_of,
)

if TYPE_CHECKING:
    from ..core.recommend import RecommendResult
    from .under_policy import PolicyPick

AuthorList = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]


def _summary(out: RecommendModelOutput, found: "RecommendResult", modality: str) -> str:
    rows = [
        [
            str(r["rank"]),
            r["model"],
            money_text(rec.estimated_cost_per_request),
            money_text(rec.estimated_total),
            "" if r["quality_index"] is None else f"{r['quality_index']:g}",
            r["tier"],
        ]
        for r, rec in zip(out["recommendations"], found.recommendations, strict=True)
    ]
    job = f"a {found.complexity} task" if modality == "text" else f"a {modality} job"
    parts = [f"{len(rows)} recommendation(s) for {job}, of {out['considered']} models considered."]
    if rows:
        parts.append(table(["#", "model", "per request", "total", "quality", "tier"], rows))
        parts.extend(
            f"{r['rank']}. {r['model']}: {r['why']}" for r in out["recommendations"] if r["why"]
        )
    if out["rejected"]:
        parts.append(
            "Rejected: " + ", ".join(f"{reason} {n}" for reason, n in out["rejected"].items()) + "."
        )
    parts.extend(f"Assumption: {a}" for a in out["assumptions"])
    return "\n".join(parts)


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
    from ..core.aliases import alias_of
    from ..core.media import MediaUsage
    from ..core.recommend import RecommendRequest, recommend
    from ..core.recommend_media import infer_output_modality, recommend_media
    from .under_policy import MEDIA_POLICY_NOTE, candidates_request, recommend_under_policy

    policy = policy_of(
        zdr=zdr,
        quantizations=quantizations,
        providers_only=providers_only,
        providers_ignore=providers_ignore,
        max_latency_ms=max_latency_ms,
        min_throughput=min_throughput,
        data_collection=data_collection,
    )
    state, snapshot, info = await load_catalog(ctx)
    request = RecommendRequest(
        task=task,
        complexity=complexity,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        requests=requests,
        required_capabilities=tuple(required_capabilities),
        min_context=min_context,
        max_cost_per_request_usd=max_cost_per_request_usd,
        budget_usd=budget_usd,
        allow_free=allow_free,
        include_authors=tuple(include_authors),
        exclude_authors=tuple(exclude_authors),
        prefer=prefer,
        limit=limit,
        include_batch=include_batch,
    )
    if output_modality is None:
        modality, modality_note = infer_output_modality(task)
    else:
        modality, modality_note = output_modality, f"output_modality {output_modality}, as given"
    media = MediaUsage(
        output_images=output_images,
        video_seconds=video_seconds,
        resolution=resolution,
        audio_seconds=audio_seconds,
        characters=characters,
    )
    picks: dict[str, PolicyPick] = {}
    if policy.active and modality == "text":  # more candidates, for the policy to screen
        request = candidates_request(request)
    with pricing_errors():
        if modality == "text":
            if not media.is_empty:
                given = ", ".join(media.given())
                fail(f"{given} describe a media job; give output_modality (or a task naming it).")
            found = recommend(snapshot.catalog, request)
            found = replace(found, assumptions=(modality_note, *found.assumptions))
        else:
            found = recommend_media(
                snapshot.catalog, modality, request, media, modality_note=modality_note
            )
    if policy.active and modality == "text":
        found, picks = await recommend_under_policy(state, found, request, policy, limit)
    elif policy.active:
        found = replace(found, assumptions=(*found.assumptions, MEDIA_POLICY_NOTE))
    out = RecommendModelOutput(
        recommendations=[
            RecommendationOut(
                rank=rec.rank,
                model=rec.model.id,
                name=rec.model.name or rec.model.id,
                estimated_cost_per_request_usd=usd(rec.estimated_cost_per_request),
                estimated_total_usd=usd(rec.estimated_total),
                quality_index=None if rec.quality_index is None else float(rec.quality_index),
                quality_source=rec.quality_source,
                tier=rec.tier,
                context_length=rec.context_length,
                why=rec.why,
                alias_of=alias_of(rec.model),
                endpoint=picks[rec.model.id].endpoint if picks else None,
                provider=picks[rec.model.id].provider if picks else None,
            )
            for rec in found.recommendations
        ],
        considered=found.considered,
        rejected=dict(found.rejected),
        assumptions=list(found.assumptions),
        catalog=catalog_block(info),
    )
    return result(out, "\n".join([_summary(out, found, modality), *catalog_lines(info)]))
