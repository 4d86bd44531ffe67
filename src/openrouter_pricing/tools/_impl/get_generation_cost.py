"""The work of ``get_generation_cost`` (its signature, contract and decisions:
``tools.get_generation_cost``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from mcp.types import CallToolResult

from ...core.billing import clip_price
from ...core.catalog import Catalog
from ...core.errors import NotFoundError, PricingError
from ...core.moments import as_utc
from ...core.money import EXACT, display_usd, exactly
from ...core.pricing import CostBreakdown, Usage, price_usage
from ...core.schema import Generation, Model
from ...core.text import plural
from ..common import (
    AppContext,
    caller_key,
    catalog_block,
    catalog_lines,
    fail,
    load_catalog,
    require_online,
    result,
    state_of,
    table,
    usd,
    usd_or_none,
)
from ..generation_lookup import lookup_generations
from ..ledger_calls import checked_tags, key_in_use
from ..ledger_record import prices_then, pricing_then, record_generations
from ..outputs import EstimateOut, GenerationOut, GetGenerationCostOutput, TokensOut

RELATIVE_TOLERANCE = Decimal("0.000001")
ABSOLUTE_TOLERANCE = Decimal("0.000000001")


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= max(ABSOLUTE_TOLERANCE, abs(b) * RELATIVE_TOLERANCE)


def _created(gen: Generation) -> datetime | None:
    if not gen.created_at:
        return None
    try:
        moment = datetime.fromisoformat(gen.created_at.replace("Z", "+00:00"))
        return as_utc(moment)
    except (ValueError, OverflowError):  # not a time, or one that leaves the calendar in UTC
        return None


def _usage(gen: Generation) -> tuple[Usage, list[str]]:
    notes = []
    prompt = gen.native_tokens_prompt or gen.tokens_prompt or 0
    completion = gen.native_tokens_completion or gen.tokens_completion or 0
    reasoning = gen.native_tokens_reasoning or 0
    cached = gen.native_tokens_cached or 0
    if reasoning > completion:  # reported apart from the completion: add them up
        completion += reasoning
        notes.append("reasoning tokens were reported apart from completion tokens and added")
    cached = min(cached, prompt)
    usage = Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        reasoning_tokens=reasoning,
        cached_prompt_tokens=cached,
    )
    return usage, notes


def _estimate(
    gen: Generation, catalog: Catalog, past: Mapping[str, str | None] | None = None
) -> EstimateOut:
    if not gen.model:
        return EstimateOut(total_usd=None, difference_usd=None, note="No model was reported.")
    try:
        model = catalog.resolve(gen.model).model
        if model.billing_kind != "token":
            return media_estimate(gen, model)
        usage, notes = _usage(gen)
        pricing = pricing_then(model.pricing, past)
        breakdown = price_usage(pricing, usage, at=_created(gen), model_hint=model.id)
    except PricingError as exc:
        return EstimateOut(total_usd=None, difference_usd=None, note=f"No estimate: {exc}")
    estimate = breakdown.total
    charged = gen.total_cost
    notes += _pricing_notes(gen, breakdown, past)
    if charged is None:
        return EstimateOut(
            total_usd=usd(estimate), difference_usd=None, note=_join(["No cost reported", *notes])
        )
    difference = EXACT.subtract(charged, estimate)  # never rounded
    why = _why_it_differs(gen, model.id, charged, estimate, difference)
    return EstimateOut(
        total_usd=usd(estimate), difference_usd=usd(difference), note=_join([why, *notes])
    )


def _pricing_notes(
    gen: Generation, breakdown: CostBreakdown, past: Mapping[str, str | None] | None
) -> list[str]:
    """What the estimate took into account: past prices, overrides, fees it leaves out."""
    notes = []
    if past:
        notes.append(f"priced at the {', '.join(sorted(past))} price(s) in force when it ran")
    if breakdown.applied_overrides:
        notes.append("; ".join(o.description for o in breakdown.applied_overrides) + " applied")
    extras = []
    if gen.num_search_results:
        extras.append(f"{gen.num_search_results} web search results")
    if gen.num_media_prompt:
        extras.append(f"{gen.num_media_prompt} media inputs")
    if extras:
        notes.append(f"{' and '.join(extras)} are billed apart from tokens and not estimated")
    return notes


def _why_it_differs(
    gen: Generation, model_id: str, charged: Decimal, estimate: Decimal, difference: Decimal
) -> str:
    """Why the charge and the listed price of the same tokens agree or differ."""
    if gen.is_byok:
        return (
            "BYOK: the provider billed your own key (upstream_inference_cost_usd) and "
            "total_cost_usd is OpenRouter's fee, so the two are not comparable"
        )
    if _close(charged, estimate):
        return f"Matches the listed price of {model_id} for these tokens"
    if difference > 0:
        return (
            f"Charged {display_usd(difference)} more than the listed price: the serving endpoint "
            f"({gen.provider_name or 'unknown'}) can cost more than the listed (cheapest) "
            "price, and non-token fees (web search, files, tools) are not in the estimate"
        )
    return (
        f"Charged {display_usd(-difference)} less than the listed price: cache discounts, "
        "implicit caching or a cheaper endpoint"
    )


def media_estimate(gen: Generation, model: Model) -> EstimateOut:
    """The estimate of a media generation, by the rules ``estimate_cost`` prices it with, or why
    the record does not carry the usage that would give one."""
    kind, charged, provider = model.billing_kind, gen.total_cost, gen.provider_name or "unknown"
    estimate: Decimal | None = None
    why: str
    if kind == "image" and gen.native_tokens_completion_images and model.pricing.image_output:
        images = gen.native_tokens_completion_images
        text_completion = max((gen.native_tokens_completion or 0) - images, 0)
        estimate = (
            (gen.native_tokens_prompt or 0) * (model.pricing.prompt or 0)
            + text_completion * (model.pricing.completion or 0)
            + images * model.pricing.image_output
        )
        why = f"{images:,} image tokens at the listed image_output price"
    elif kind == "clip" and (price := clip_price(model)) is not None:
        estimate, why = price, f"one clip at the ${price} its listing states"
    elif kind == "video":
        why = (
            "video is billed on the seconds actually produced, at the price of the resolution and "
            "audio chosen; the record carries neither, so price it with estimate_cost "
            "(video_seconds, resolution, audio)"
        )
    elif kind == "speech":
        why = (
            f"speech is billed per character at the price of the provider that served it "
            f"({provider}), which may differ from the listed (cheapest) one; the record gives no "
            "character count, so price it with estimate_cost (characters or speech_text)"
        )
    elif kind == "transcription":
        why = (
            "transcription is billed per second of audio; the record does not carry the audio's "
            "length, so price it with estimate_cost (audio_seconds)"
        )
    else:
        why = f"{model.id} is billed in a unit this server cannot read from its listing"
    if estimate is None:
        return EstimateOut(total_usd=None, difference_usd=None, note=_join([f"No estimate: {why}"]))
    if charged is None:
        return EstimateOut(total_usd=usd(estimate), difference_usd=None, note=_join([why]))
    difference = charged - estimate
    verdict = "Matches" if _close(charged, estimate) else "Differs from"
    note = f"{verdict} the listed price of {model.id}: {why}"
    return EstimateOut(total_usd=usd(estimate), difference_usd=usd(difference), note=_join([note]))


def _join(parts: list[str]) -> str:
    return "; ".join(parts) + "."


def _generation_out(
    gen: Generation, catalog: Catalog, past: Mapping[str, str | None] | None = None
) -> GenerationOut:
    return GenerationOut(
        id=gen.id,
        model=gen.model,
        provider_name=gen.provider_name,
        total_cost_usd=usd_or_none(gen.total_cost),
        cache_discount_usd=usd_or_none(gen.cache_discount),
        upstream_inference_cost_usd=usd_or_none(gen.upstream_inference_cost),
        is_byok=gen.is_byok,
        tokens=TokensOut(
            prompt=gen.tokens_prompt,
            completion=gen.tokens_completion,
            native_prompt=gen.native_tokens_prompt,
            native_completion=gen.native_tokens_completion,
            native_reasoning=gen.native_tokens_reasoning,
            native_cached=gen.native_tokens_cached,
        ),
        latency_ms=gen.latency,
        generation_time_ms=gen.generation_time,
        created_at=gen.created_at,
        finish_reason=gen.finish_reason,
        streamed=gen.streamed,
        cancelled=gen.cancelled,
        estimate=_estimate(gen, catalog, past),
    )


def _summary(out: GetGenerationCostOutput) -> str:
    rows = [
        [
            g["id"],
            g["model"] or "-",
            g["provider_name"] or "-",
            f"{(g['tokens']['native_prompt'] or 0):,}/{(g['tokens']['native_completion'] or 0):,}",
            "-" if g["total_cost_usd"] is None else display_usd(Decimal(g["total_cost_usd"])),
            "-"
            if g["estimate"]["total_usd"] is None
            else display_usd(Decimal(g["estimate"]["total_usd"])),
        ]
        for g in out["generations"]
    ]
    parts = []
    if rows:
        parts.append(table(["id", "model", "provider", "tokens in/out", "cost", "listed"], rows))
    if len(out["generations"]) == 1:
        parts.append(out["generations"][0]["estimate"]["note"])
    else:
        parts.append(
            f"Total: {display_usd(Decimal(out['total_cost_usd']))} over "
            f"{plural(len(out['generations']), 'generation')}."
        )
    if out["not_found"]:
        parts.append(f"Not found (yet): {', '.join(out['not_found'])}.")
    return "\n".join(parts)


async def answer(
    ctx: AppContext,
    *,
    generation_id: str | list[str],
    wait_seconds: float,
    tags: dict[str, str] | None,
    reservation_id: str | None,
) -> CallToolResult:
    """``get_generation_cost``'s answer, for the arguments its signature validated."""
    require_online(state_of(ctx), "for generation costs")
    ledger_tags = checked_tags(tags)
    state, snapshot, info = await load_catalog(ctx)
    single = isinstance(generation_id, str)
    ids = [generation_id] if isinstance(generation_id, str) else list(dict.fromkeys(generation_id))
    found = await lookup_generations(state.client, ids, caller_key(ctx), wait_seconds)
    returned = [g for g in found.values() if not isinstance(g, PricingError)]
    history = await prices_then(state, snapshot.catalog, returned)
    generations: list[GenerationOut] = []
    not_found: list[str] = []
    for generation_id_ in ids:
        outcome = found[generation_id_]
        if isinstance(outcome, NotFoundError) and not single:
            not_found.append(generation_id_)
        elif isinstance(outcome, PricingError):
            fail(str(outcome))
        else:
            generations.append(_generation_out(outcome, snapshot.catalog, history.get(outcome.id)))
    with exactly():
        total = sum(
            (Decimal(cost) for g in generations if (cost := g["total_cost_usd"]) is not None),
            Decimal(0),
        )
    ledger_note = await record_generations(
        state, key_in_use(ctx, state), returned, ledger_tags, reservation_id
    )
    one = generations[0] if single and generations else None
    out = GetGenerationCostOutput(
        id=one["id"] if one else None,
        model=one["model"] if one else None,
        provider_name=one["provider_name"] if one else None,
        total_cost_usd=usd(total),
        cache_discount_usd=one["cache_discount_usd"] if one else None,
        upstream_inference_cost_usd=one["upstream_inference_cost_usd"] if one else None,
        is_byok=one["is_byok"] if one else None,
        tokens=one["tokens"] if one else None,
        latency_ms=one["latency_ms"] if one else None,
        generation_time_ms=one["generation_time_ms"] if one else None,
        created_at=one["created_at"] if one else None,
        finish_reason=one["finish_reason"] if one else None,
        streamed=one["streamed"] if one else None,
        cancelled=one["cancelled"] if one else None,
        estimate=one["estimate"] if one else None,
        generations=generations,
        not_found=not_found,
        ledger=ledger_note,
        catalog=catalog_block(info),
    )
    return result(out, "\n".join([_summary(out), ledger_note, *catalog_lines(info)]))
