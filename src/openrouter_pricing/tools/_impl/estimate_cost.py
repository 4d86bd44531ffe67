"""The work of ``estimate_cost`` (its signature, contract and decisions: ``tools.estimate_cost``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import anyio
import anyio.to_thread
from mcp.types import CallToolResult

from ...core.aliases import alias_warning
from ...core.catalog import Catalog, Resolved, context_of
from ...core.media import check_arguments
from ...core.money import display_usd, per_million
from ...core.policy import Policy
from ...core.pricing import AppliedOverride, CostBreakdown, Usage, with_online_search
from ...core.schema import Endpoint, Pricing
from ...core.store import CatalogInfo
from ...core.tokens import count_tokens
from ...state import AppState
from ..common import (
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
    utc_moment,
)
from ..cpu_bound import cpu_slot
from ..endpoints import (
    discount_warning,
    endpoint_for_provider,
    endpoint_label,
    price_at_floor,
    priced,
)
from ..limits import VideoMode
from ..media_estimate import media_usage, price_media_request, video_listing_note
from ..outputs import AppliedOverrideOut, EstimateCostOutput, LineItemOut
from ..policy_args import PolicyArgs
from ..under_policy import MEDIA_POLICY_NOTE, policy_of, price_under_policy, provider_lines


def _override_out(applied: tuple[AppliedOverride, ...]) -> AppliedOverrideOut | None:
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
    resolved: Resolved, usage: Usage, endpoint: Endpoint | None, pricing: Pricing
) -> list[str]:
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


def _summary(output: EstimateCostOutput, breakdown: CostBreakdown) -> str:
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
    prompt_tokens: int | None, prompt_text: str | None, resolved: Resolved, warnings: list[str]
) -> tuple[int, str | None]:
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


def _resolve(catalog: Catalog, model: str) -> Resolved:
    with pricing_errors():
        return catalog.resolve(model)


async def answer(
    ctx: AppContext,
    *,
    model: str,
    prompt_tokens: int | None,
    prompt_text: str | None,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_prompt_tokens: int,
    cache_write_tokens: int,
    cache_write_ttl: Literal["5m", "1h"],
    images: int,
    web_searches: int,
    requests: int,
    at: datetime | None,
    provider: str | None,
    output_images: int | None,
    image_size: str | None,
    video_seconds: Decimal | None,
    resolution: str | None,
    audio: bool | None,
    video_mode: VideoMode | None,
    audio_seconds: Decimal | None,
    characters: int | None,
    speech_text: str | None,
    policy_args: PolicyArgs,
) -> CallToolResult:
    """``estimate_cost``'s answer, for the arguments its signature validated."""
    policy = policy_of(policy_args)
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
    when = utc_moment(at)
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
    aliased = resolved.model.alias_target is not None and routed.endpoint is None
    if aliased and (alias := alias_warning(snapshot.catalog, resolved.model, routed.usage, when)):
        warnings.append(alias)
    return _estimate_result(
        resolved, routed.breakdown, method, warnings, routed.label, info, routed.provider
    )


@dataclass(frozen=True)
class _Routed:
    """A per-token request priced where it would run: the usage as priced (``:online`` adds a
    search), the prices and endpoint used, the endpoint's label and, under a policy, the provider
    object to send."""

    breakdown: CostBreakdown
    usage: Usage
    pricing: Pricing
    endpoint: Endpoint | None
    label: str | None
    provider: dict[str, Any] | None


async def _route(  # noqa: PLR0917 (private: one request's routing inputs)
    state: AppState,
    resolved: Resolved,
    usage: Usage,
    when: datetime,
    policy: Policy,
    provider: str | None,
    warnings: list[str],
) -> _Routed:
    """The variant and provider routing of a per-token request: a policy's cheapest qualifying
    endpoint, else ``provider=``'s endpoint, else the listed price; ``:online`` adds a search,
    ``:floor`` prices the cheapest endpoint, ``:nitro`` warns that the fastest may cost more."""
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
    resolved: Resolved,
    breakdown: CostBreakdown,
    method: str | None,
    warnings: list[str],
    label: str | None,
    info: CatalogInfo,
    sent: dict[str, Any] | None = None,
) -> CallToolResult:
    """The tool result for a priced request: structured output and its text summary (``sent``:
    the provider object, under a policy)."""
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
