"""``estimate_cost``: the exact price of a request (or of N identical ones) before it is sent.

Decisions:
- The prompt is given as ``prompt_tokens`` or as ``prompt_text`` (counted offline; the result says
  how in ``token_count_method``). Giving both is an error; giving neither prices a prompt of 0
  tokens and says so in ``warnings`` (useful for image-only or per-request prices).
- The model is resolved by the catalog (any case, canonical slug, listed variants). Routing
  variants: ``:floor`` and ``provider`` price at an endpoint (see ``endpoints``); ``:online``
  adds one web search per request; ``:nitro`` is priced at the listed price with a warning that
  the fastest endpoint may cost more. ``:free`` and other listed variants have their own prices.
- Line items come from the core pricing engine, in USD per unit (per token for tokens); nothing is
  rounded. Subsets larger than their parent and absurd counts are errors, not numbers.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import anyio.to_thread
from mcp.types import CallToolResult
from pydantic import Field

from ..core.moments import as_utc
from ..core.money import display_usd, per_million
from ..state import AppState
from .common import (
    AppContext,
    catalog_dict,
    catalog_lines,
    fail,
    load_catalog,
    pricing_errors,
    result,
    stale_warning,
    table,
    usd,
)
from .cpu_bound import cpu_slot
from .limits import (
    MAX_CHARACTERS,
    MAX_MEDIA_SECONDS,
    MAX_REQUESTS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
    VideoMode,
)
from .outputs import AppliedOverrideOut, EstimateCostOutput, LineItemOut
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
    from ..core.catalog import Catalog, Resolved
    from ..core.policy import Policy
    from ..core.pricing import AppliedOverride, CostBreakdown, Usage
    from ..core.schema import Endpoint, Pricing
    from ..core.store import CatalogInfo

MAX_PROMPT_TEXT_CHARS = 2_000_000
Tokens = Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS_PER_REQUEST)]


def _override_out(applied: "tuple[AppliedOverride, ...]") -> AppliedOverrideOut | None:
    """The overrides applied, as one block, or None."""
    if not applied:
        return None
    kinds = {a.kind for a in applied}
    kind: Literal["tier", "time_window", "tier_and_time_window"] = (
        "tier_and_time_window" if len(kinds) > 1 else applied[-1].kind
    )
    tier = next((a for a in reversed(applied) if a.kind == "tier"), None)
    window = next((a for a in reversed(applied) if a.kind == "time_window"), None)
    return AppliedOverrideOut(
        kind=kind,
        description="; ".join(a.description for a in applied),
        min_prompt_tokens=tier.min_prompt_tokens if tier else None,
        utc_start=window.utc_start if window else None,
        utc_end=window.utc_end if window else None,
    )


def _usage_warnings(
    resolved: "Resolved", usage: "Usage", endpoint: "Endpoint | None", pricing: "Pricing"
) -> list[str]:
    from ..core.catalog import context_of

    model = resolved.model
    warnings = []
    window = (endpoint.context_length if endpoint else None) or context_of(model)
    used = usage.prompt_tokens + usage.completion_tokens
    if window and used > window:
        warnings.append(
            f"prompt + completion ({used:,} tokens) exceed the context window of {window:,} "
            "tokens: such a request would be rejected; shorten it or pick a longer-context model."
        )
    max_out = (endpoint.max_completion_tokens if endpoint else None) or model.max_completion_tokens
    if max_out and usage.completion_tokens > max_out:
        warnings.append(
            f"completion_tokens ({usage.completion_tokens:,}) exceed this model's "
            f"max_completion_tokens ({max_out:,}); the output would be cut off there."
        )
    if usage.images and "image" not in model.architecture.input_modalities:
        warnings.append(f"{model.id} does not list image input; images may be rejected.")
    if usage.images and pricing.image is None:
        warnings.append(
            "No per-image price is listed; images were priced at 0 here, but their tokens are "
            "billed as prompt tokens, so count them in prompt_tokens."
        )
    if usage.web_searches and pricing.web_search is None and resolved.routing_variant != "online":
        warnings.append("No web-search price is listed for this model; searches priced at 0.")
    if resolved.variant == "free":
        warnings.append(
            "':free' models are rate-limited: 20 requests a minute and 50 a day (1000 a day "
            "once $10 of credits were bought)."
        )
    if model.expiration_date:
        warnings.append(f"{model.id} is scheduled to expire on {model.expiration_date}.")
    return warnings


def _summary(output: EstimateCostOutput, breakdown: "CostBreakdown") -> str:
    model, variant = output["model"], output["variant"]
    if variant and not model.endswith(f":{variant}"):  # a routing variant: keep it in view
        model += f":{variant}"
    head = model + (f" at endpoint {output['endpoint']}" if output["endpoint"] else "")
    requests = breakdown.requests
    if requests == 1:
        head += f": {display_usd(breakdown.total)} for one request (exact: ${output['total_usd']})."
    else:
        head += (
            f": {display_usd(breakdown.total)} for {requests:,} requests, "
            f"{display_usd(breakdown.per_request)} each (exact: ${output['total_usd']})."
        )
    rows = [
        [
            item.component,
            f"{item.quantity:,}",
            f"{display_usd(per_million(item.unit_price), places=4)}/M"
            if item.unit in ("token", "image_token", "video_token")
            else f"{display_usd(item.unit_price)}/{item.unit}",
            display_usd(item.cost),
        ]
        for item in breakdown.line_items
    ]
    parts = [head]
    if rows:
        parts.append(table(["component", "quantity", "price", "cost"], rows))
    if output["applied_override"]:
        parts.append(f"Override applied: {output['applied_override']['description']}.")
    if output["token_count_method"]:
        parts.append(f"Prompt tokens counted from text: {output['token_count_method']}.")
    parts.extend(f"Warning: {w}" for w in output["warnings"])
    return "\n".join(parts)


async def _count_prompt(
    prompt_tokens: int | None, prompt_text: str | None, resolved: "Resolved", warnings: list[str]
) -> tuple[int, str | None]:
    from ..core.tokens import count_tokens

    if prompt_tokens is not None and prompt_text is not None:
        fail("Give prompt_tokens or prompt_text, not both; prompt_text is counted for you.")
    if prompt_text is not None:
        model = resolved.model
        with pricing_errors():  # counting can take a moment: keep it off the event loop
            counted = await anyio.to_thread.run_sync(
                count_tokens,
                prompt_text,
                model.id,
                model.architecture.tokenizer,
                limiter=cpu_slot(),
            )
        if not counted.exact:
            warnings.append(
                "The prompt tokens were counted approximately (see token_count_method); the "
                "model's own tokenizer may count differently."
            )
        return counted.tokens, counted.method
    if prompt_tokens is None:
        warnings.append("No prompt_tokens or prompt_text given: the prompt was priced as 0 tokens.")
        return 0, None
    return prompt_tokens, None


def _moment(at: datetime | None) -> datetime:
    """``at`` in UTC (naive means UTC), or now; a time that leaves the calendar is an error."""
    if at is None:
        return datetime.now(UTC)
    try:
        return as_utc(at)
    except OverflowError:
        fail(
            f"at={at.isoformat()} falls outside the years 1 to 9999 once converted to UTC; give "
            "a time such as '2026-08-20T23:00:00Z'."
        )


def _resolve(catalog: "Catalog", model: str) -> "Resolved":
    with pricing_errors():
        return catalog.resolve(model)


async def estimate_cost(
    ctx: AppContext,
    *,
    model: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="Model id, e.g. 'openai/gpt-4o-mini'; ':floor', ':nitro', ':online' and "
            "listed variants such as ':free' are accepted.",
        ),
    ],
    prompt_tokens: Annotated[
        int | None, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Input tokens per request.")
    ] = None,
    prompt_text: Annotated[
        str | None,
        Field(
            max_length=MAX_PROMPT_TEXT_CHARS,
            description="The prompt itself, counted offline instead of prompt_tokens.",
        ),
    ] = None,
    completion_tokens: Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)] = 0,
    reasoning_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Part of completion_tokens.")
    ] = 0,
    cached_prompt_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Cache reads; part of the prompt.")
    ] = 0,
    cache_write_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Cache writes; part of the prompt.")
    ] = 0,
    cache_write_ttl: Literal["5m", "1h"] = "5m",
    images: Annotated[Units, Field(description="Input images per request.")] = 0,
    web_searches: Annotated[Units, Field(description="Web searches per request.")] = 0,
    requests: Annotated[
        int, Field(ge=1, le=MAX_REQUESTS, description="Identical requests priced together.")
    ] = 1,
    at: Annotated[
        datetime | None,
        Field(description="When the request runs (UTC, ISO 8601), for time-of-day prices."),
    ] = None,
    provider: Annotated[
        str | None,
        Field(max_length=100, description="Price at this provider's endpoint, e.g. 'deepinfra'."),
    ] = None,
    output_images: Annotated[
        int | None,
        Field(ge=0, le=MAX_UNITS_PER_REQUEST, description="Images generated per request."),
    ] = None,
    image_size: Annotated[
        str | None,
        Field(max_length=20, description="Output image size WIDTHxHEIGHT; default 1024x1024."),
    ] = None,
    video_seconds: Annotated[
        Decimal | None,
        Field(gt=0, le=MAX_MEDIA_SECONDS, description="Seconds of video generated per request."),
    ] = None,
    resolution: Annotated[
        str | None,
        Field(max_length=20, description="Video resolution: '480p', '720p', '1080p', '4K' or WxH."),
    ] = None,
    audio: Annotated[
        bool | None, Field(description="Video with generated audio (true) or silent (false).")
    ] = None,
    video_mode: Annotated[
        VideoMode | None,
        Field(
            description="text_to_video or image_to_video (or video_to_video), where prices differ."
        ),
    ] = None,
    audio_seconds: Annotated[
        Decimal | None,
        Field(
            gt=0,
            le=MAX_MEDIA_SECONDS,
            description="Seconds of audio to transcribe (or of speech produced, where so billed).",
        ),
    ] = None,
    characters: Annotated[
        int | None,
        Field(ge=0, le=MAX_CHARACTERS, description="Characters of text to speak per request."),
    ] = None,
    speech_text: Annotated[
        str | None,
        Field(max_length=MAX_CHARACTERS, description="The text to speak, counted for you."),
    ] = None,
    zdr: Zdr = None,
    quantizations: Quantizations = None,
    providers_only: ProvidersOnly = None,
    providers_ignore: ProvidersIgnore = None,
    max_latency_ms: MaxLatencyMs = None,
    min_throughput: MinThroughput = None,
    data_collection: DataCollection = None,
) -> Annotated[CallToolResult, EstimateCostOutput]:
    """Estimate what a request to a model will cost before sending it, exactly, with a line item
    per priced part (prompt, cache reads/writes, completion, reasoning, images, web search,
    per-request fee) and long-prompt tiers or time-of-day prices applied. Token counts are per
    request; reasoning_tokens are part of completion_tokens and cached_prompt_tokens /
    cache_write_tokens are parts of prompt_tokens (never counted twice). Money is USD as exact
    decimal strings; unit_price_usd is per token for token items. Example: {"model":
    "openai/gpt-4o-mini", "prompt_tokens": 12000, "completion_tokens": 800, "requests": 1000}.
    Use ':floor' to price the cheapest provider endpoint, or provider='name' for one endpoint.
    Policy arguments (zdr, quantizations, providers_only, ...) price the cheapest endpoint that
    meets them and return the provider object to send.
    Media models are priced in their own units: output_images and image_size for image
    generation; video_seconds, resolution, audio and video_mode for video (images = input frames);
    audio_seconds for transcription; characters or speech_text for speech; music per clip.
    Example: {"model": "google/veo-3.1", "video_seconds": 8, "resolution": "1080p"}."""
    from ..core.media import check_arguments
    from ..core.pricing import Usage
    from .media_estimate import media_usage, price_media_request, video_listing_note
    from .under_policy import MEDIA_POLICY_NOTE

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
    resolved = _resolve(snapshot.catalog, model)
    kind = resolved.model.billing_kind
    media = media_usage(
        resolved,
        output_images,
        image_size,
        video_seconds,
        resolution,
        audio,
        video_mode,
        audio_seconds,
        characters,
        speech_text,
    )
    warnings: list[str] = []
    media_only = kind not in ("token", "image") or output_images is not None
    if media_only and prompt_tokens is None and prompt_text is None:
        prompt_tokens = 0  # priced by its media units: no "priced as 0 tokens" warning
    prompt, method = await _count_prompt(prompt_tokens, prompt_text, resolved, warnings)
    usage = Usage(
        prompt_tokens=prompt,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_ttl=cache_write_ttl,
        images=images,
        web_searches=web_searches,
        requests=requests,
    )
    with pricing_errors():
        usage.validate()
        if kind == "token":
            check_arguments(resolved.model, kind, usage, media)
    when = _moment(at)
    if kind != "token":
        breakdown = price_media_request(
            snapshot.catalog, resolved, usage, media, at=when, provider=provider
        )
        warnings.extend(breakdown.warnings)
        if kind == "image":  # tokens too: the context window and output limits apply
            warnings.extend(_usage_warnings(resolved, usage, None, resolved.model.pricing))
        note = video_listing_note(snapshot.catalog) if kind == "video" else None
        warnings.extend([note] if note else [])
        warnings.extend([MEDIA_POLICY_NOTE] if policy.active else [])
        return _estimate_result(resolved, breakdown, method, warnings, None, info)
    routed = await _route(state, resolved, usage, when, policy, provider, warnings)
    warnings.extend(routed.breakdown.warnings)
    warnings.extend(_usage_warnings(resolved, routed.usage, routed.endpoint, routed.pricing))
    if resolved.model.alias_target is not None and routed.endpoint is None:
        from ..core.aliases import alias_warning

        if alias := alias_warning(snapshot.catalog, resolved.model, routed.usage, when):
            warnings.append(alias)
    return _estimate_result(
        resolved, routed.breakdown, method, warnings, routed.label, info, routed.provider
    )


@dataclass(frozen=True)
class _Routed:
    """A per-token request priced where it would run: the usage as priced (``:online`` adds a
    search), the prices and endpoint used, the endpoint's label and, under a policy, the provider
    object to send."""

    breakdown: "CostBreakdown"
    usage: "Usage"
    pricing: "Pricing"
    endpoint: "Endpoint | None"
    label: str | None
    provider: dict[str, Any] | None


async def _route(  # noqa: PLR0917 (private: one request's routing inputs)
    state: AppState,
    resolved: "Resolved",
    usage: "Usage",
    when: datetime,
    policy: "Policy",
    provider: str | None,
    warnings: list[str],
) -> _Routed:
    """The variant and provider routing of a per-token request: a policy's cheapest qualifying
    endpoint, else ``provider=``'s endpoint, else the listed price; ``:online`` adds a search,
    ``:floor`` prices the cheapest endpoint, ``:nitro`` warns that the fastest may cost more."""
    from ..core.pricing import with_online_search
    from .endpoints import (
        discount_warning,
        endpoint_for_provider,
        endpoint_label,
        price_at_floor,
        priced,
    )
    from .under_policy import price_under_policy

    variant = resolved.routing_variant
    pricing = resolved.model.pricing
    endpoint: Endpoint | None = None
    label: str | None = None
    sent: dict[str, Any] | None = None
    if policy.active:  # the cheapest endpoint that meets it (see under_policy)
        chosen = await price_under_policy(
            state, resolved, usage, when, policy, provider_given=bool(provider)
        )
        pricing, endpoint, label, sent = (
            chosen.pricing,
            chosen.endpoint,
            chosen.label,
            chosen.provider,
        )
        warnings.extend(chosen.warnings)
    elif provider:
        if variant == "floor":
            warnings.append("provider was given, so ':floor' routing was not applied.")
        pricing, endpoint = await endpoint_for_provider(
            state, resolved, provider, usage=usage, at=when, warnings=warnings
        )
        label = endpoint_label(endpoint)
        warnings.extend(discount_warning(endpoint, label))
    if variant == "online":
        pricing, usage, note = with_online_search(pricing, usage)
        warnings.append(note)
    if variant == "floor" and not provider and not policy.active:
        breakdown, label = await price_at_floor(state, resolved, usage, when, warnings)
    else:
        breakdown = priced(pricing, usage, when, resolved.model.id)
    if variant == "nitro":
        warnings.append(
            "':nitro' routes to the fastest endpoint, which may cost more than the listed "
            "(cheapest) price shown here; use provider= to price a specific endpoint."
        )
    return _Routed(breakdown, usage, pricing, endpoint, label, sent)


def _quantity(quantity: int | Decimal) -> int | str:
    """A whole quantity as a number; fractional seconds of media as an exact decimal string."""
    if isinstance(quantity, int):
        return quantity
    return int(quantity) if quantity == quantity.to_integral_value() else usd(quantity)


def _estimate_result(  # noqa: PLR0917 (private: the parts of one estimate)
    resolved: "Resolved",
    breakdown: "CostBreakdown",
    method: str | None,
    warnings: list[str],
    label: str | None,
    info: "CatalogInfo",
    sent: dict[str, Any] | None = None,
) -> CallToolResult:
    """The tool result for a priced request: structured output and its text summary (``sent``:
    the provider object, under a policy)."""
    from .under_policy import provider_lines

    stale = stale_warning(info)
    if stale:
        warnings.append(stale)
    output = EstimateCostOutput(
        model=resolved.model.id,
        variant=resolved.variant,
        total_usd=usd(breakdown.total),
        per_request_usd=usd(breakdown.per_request),
        requests=breakdown.requests,
        line_items=[
            LineItemOut(
                component=item.component,
                quantity=_quantity(item.quantity),
                unit=item.unit,
                unit_price_usd=usd(item.unit_price),
                cost_usd=usd(item.cost),
            )
            for item in breakdown.line_items
        ],
        applied_override=_override_out(breakdown.applied_overrides),
        token_count_method=method,
        warnings=warnings,
        endpoint=label,
        provider=sent,
        catalog=catalog_dict(info),
    )
    text = "\n".join([_summary(output, breakdown), *provider_lines(sent), *catalog_lines(info)[:1]])
    return result(output, text)
