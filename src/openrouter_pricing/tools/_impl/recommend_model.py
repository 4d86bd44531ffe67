"""The work of ``recommend_model`` (its signature, contract and decisions:
``tools.recommend_model``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from dataclasses import replace
from decimal import Decimal
from typing import Literal

from mcp.types import CallToolResult

from ...core.aliases import alias_of
from ...core.media import MediaUsage
from ...core.recommend import RecommendRequest, RecommendResult, recommend
from ...core.recommend_media import infer_output_modality, recommend_media
from ..common import (
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
from ..limits import OutputModality
from ..outputs import RecommendationOut, RecommendModelOutput
from ..policy_args import PolicyArgs
from ..under_policy import (
    MEDIA_POLICY_NOTE,
    PolicyPick,
    candidates_request,
    policy_of,
    recommend_under_policy,
)


def _summary(out: RecommendModelOutput, found: RecommendResult, modality: str) -> str:
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


async def answer(
    ctx: AppContext,
    *,
    task: str,
    complexity: Literal["simple", "general", "complex", "reasoning"] | None,
    prompt_tokens: int,
    completion_tokens: int,
    requests: int,
    required_capabilities: list[str],
    min_context: int | None,
    max_cost_per_request_usd: Decimal | None,
    budget_usd: Decimal | None,
    allow_free: bool,
    include_authors: list[str],
    exclude_authors: list[str],
    prefer: Literal["cheapest", "balanced", "quality"],
    limit: int,
    include_batch: bool,
    output_modality: OutputModality | None,
    video_seconds: Decimal | None,
    resolution: str | None,
    output_images: int | None,
    audio_seconds: Decimal | None,
    characters: int | None,
    policy_args: PolicyArgs,
) -> CallToolResult:
    """``recommend_model``'s answer, for the arguments its signature validated."""
    policy = policy_of(policy_args)
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
