"""The work of ``compare_providers`` (its signature, contract and decisions:
``tools.compare_providers``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from mcp.types import CallToolResult

from ...core.errors import DynamicPriceError, PricingError
from ...core.money import per_million
from ...core.policy import (
    LATENCY_UNIT,
    THROUGHPUT_UNIT,
    UPTIME_UNIT,
    EndpointCost,
    cheapest_meeting,
    endpoint_key,
    judge,
    label,
    no_endpoint_error,
    p50,
    provider_object,
    rates_for,
)
from ...core.pricing import Usage, price_usage
from ..common import (
    AppContext,
    catalog_dict,
    catalog_lines,
    load_catalog,
    pricing_errors,
    result,
    stale_warning,
    table,
    usd,
    utc_moment,
)
from ..compare_providers import SortBy
from ..outputs import CompareProvidersOutput, EndpointOut, Measure
from ..policy_args import PolicyArgs
from ..under_policy import DATA_COLLECTION_NOTE, policy_of, provider_lines

OPENROUTER_SORT = {"cost": "price", "latency": "latency", "throughput": "throughput"}


def _measure(value: float | None) -> Measure:
    return "unknown" if value is None else value


def _sort_key(sort: SortBy, j: EndpointCost) -> tuple[Any, ...]:
    e = j.endpoint
    cost = j.cost.total if j.cost is not None else None
    by_cost = (cost is None, cost if cost is not None else Decimal(0), e.tag or "")
    value = {
        "cost": None,
        "latency": p50(e.latency_last_30m),
        "throughput": p50(e.throughput_last_30m),
        "uptime": e.uptime_last_30m,
    }[sort]
    if sort == "cost":
        return by_cost
    signed = value if sort == "latency" or value is None else -value
    return (value is None, signed or 0.0, *by_cost)


def _row(j: EndpointCost, zdr: frozenset[tuple[str, str]] | None, model_id: str) -> EndpointOut:
    e = j.endpoint
    prompt, completion = e.pricing.prompt, e.pricing.completion
    return EndpointOut(
        provider=e.provider_name,
        tag=e.tag,
        quantization=e.quantization or "unknown",
        cost_usd=None if j.cost is None else usd(j.cost.total),
        prompt_per_m=None if prompt is None or prompt < 0 else usd(per_million(prompt)),
        completion_per_m=None
        if completion is None or completion < 0
        else usd(per_million(completion)),
        context_length=e.context_length,
        max_completion_tokens=e.max_completion_tokens,
        uptime_30m=_measure(e.uptime_last_30m),
        latency_p50_ms=_measure(p50(e.latency_last_30m)),
        throughput_p50=_measure(p50(e.throughput_last_30m)),
        supports_implicit_caching=e.supports_implicit_caching,
        zdr=None if zdr is None else endpoint_key(model_id, e) in zdr,
        meets_policy=j.meets,
        why_not=[f"{part}: {why}" for part, why in j.reasons],
    )


def _usage(
    *,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_prompt_tokens: int,
    cache_write_tokens: int,
    images: int,
    web_searches: int,
    requests: int,
) -> Usage:
    """The usage priced at every endpoint. Media usage (output images, seconds, characters...)
    joins here when ``estimate_cost`` gains it: the same arguments, passed to ``Usage``."""
    usage = Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        images=images,
        web_searches=web_searches,
        requests=requests,
    )
    with pricing_errors():
        usage.validate()
    return usage


def _summary(out: CompareProvidersOutput, meeting: str) -> str:
    def cell(value: Any, suffix: str = "") -> str:
        return "?" if value == "unknown" else f"{value:g}{suffix}"

    rows = [
        [
            r["tag"] or r["provider"] or "?",
            r["quantization"],
            "dynamic" if r["cost_usd"] is None else f"${r['cost_usd']}",
            "-" if r["prompt_per_m"] is None else f"${r['prompt_per_m']}",
            "-" if r["completion_per_m"] is None else f"${r['completion_per_m']}",
            "-" if r["context_length"] is None else f"{r['context_length']:,}",
            cell(r["uptime_30m"], "%"),
            cell(r["latency_p50_ms"]),
            cell(r["throughput_p50"]),
            {True: "yes", False: "no", None: "?"}[r["zdr"]],
            "yes" if r["meets_policy"] else "no: " + "; ".join(r["why_not"]),
        ]
        for r in out["endpoints"]
    ]
    head = (
        f"{out['model']}: {len(rows)} endpoint(s) for {out['requests']:,} request(s); cheapest"
        f"{meeting}: {out['cheapest'] or 'none'}."
    )
    headers = ["endpoint", "quant", "cost", "in/M", "out/M", "context", "up 30m"]
    headers += ["p50 ms", "tok/s", "zdr", "meets policy"]
    parts = [head, table(headers, rows)]
    parts.extend(provider_lines(out["provider"]))
    parts.extend(f"Warning: {w}" for w in out["warnings"])
    return "\n".join(parts)


async def answer(
    ctx: AppContext,
    *,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    cached_prompt_tokens: int,
    cache_write_tokens: int,
    images: int,
    web_searches: int,
    requests: int,
    at: datetime | None,
    sort: SortBy,
    policy_args: PolicyArgs,
) -> CallToolResult:
    """``compare_providers``' answer, for the arguments its signature validated."""
    policy = policy_of(policy_args)
    state, snapshot, info = await load_catalog(ctx)
    with pricing_errors():
        resolved = snapshot.catalog.resolve(model)
    model_id = resolved.model.id
    usage = _usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        images=images,
        web_searches=web_searches,
        requests=requests,
    )
    when = utc_moment(at)  # estimate_cost's reading of `at` (UTC; out of the calendar: an error)
    warnings: list[str] = []
    if resolved.model.variant:
        warnings.append(
            f"OpenRouter publishes endpoint data for {resolved.model.base_id} only: these are its "
            f"endpoints and prices, not those of the ':{resolved.model.variant}' variant."
        )
    with pricing_errors():
        endpoints = await state.store.get_endpoints(model_id)
        try:
            zdr_list = await state.store.get_zdr_keys()
        except PricingError as exc:
            if policy.zdr:
                raise
            zdr_list = None
            warnings.append(f"The zero-data-retention list is unavailable ({exc}); zdr is null.")
        judged = judge(policy, endpoints, model_id, zdr=zdr_list, usage=usage, at=when)
        try:
            listed = price_usage(resolved.model.pricing, usage, at=when, model_hint=model_id).total
        except DynamicPriceError:
            listed = None
    best = cheapest_meeting(judged)  # before sorting: ties keep OpenRouter's order
    judged.sort(key=lambda j: _sort_key(sort, j))
    if best is None:
        warnings.append(str(no_endpoint_error(model_id, policy, judged)))
    if policy.data_collection:
        warnings.append(DATA_COLLECTION_NOTE.format(policy.data_collection))
    stale = stale_warning(info)
    if stale:
        warnings.append(stale)
    rates = None if best is None else rates_for(best.endpoint, usage, when)
    output = CompareProvidersOutput(
        model=model_id,
        requests=requests,
        listed_cost_usd=None if listed is None else usd(listed),
        endpoints=[_row(j, zdr_list, model_id) for j in judged],
        cheapest=None if best is None else label(best.endpoint),
        provider=provider_object(
            policy, sort=OPENROUTER_SORT.get(sort), pricing_rates=rates, usage=usage
        ),
        units={
            "latency_p50_ms": LATENCY_UNIT,
            "throughput_p50": THROUGHPUT_UNIT,
            "uptime_30m": UPTIME_UNIT,
            "cost_usd": f"USD for {requests:,} request(s) of this usage",
            "prompt_per_m": "USD per million tokens",
            "completion_per_m": "USD per million tokens",
        },
        warnings=warnings,
        catalog=catalog_dict(info),
    )
    meeting = " meeting the policy" if policy.active else ""
    return result(output, "\n".join([_summary(output, meeting), *catalog_lines(info)[:1]]))
