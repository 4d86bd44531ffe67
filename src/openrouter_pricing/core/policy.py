"""A team's endpoint policy: which provider endpoints of a model a request may land on, the cheapest
of them for a usage, why each other one does not qualify, and the provider object to send.

Decisions:
- The parts of a policy are checked in a fixed order: ``providers_only``, ``providers_ignore``,
  ``zdr``, ``quantizations``, ``max_latency_ms``, ``min_throughput``. When no endpoint is left, the
  part that removed the last one names the failure (``policy:zdr`` in ``recommend_model``'s
  ``rejected``).
- Providers match by slug or endpoint tag, case-insensitively: ``deepinfra`` matches the tags
  ``deepinfra`` and ``deepinfra/turbo``; ``deepinfra/turbo`` only that endpoint; the provider's
  display name ("Amazon Bedrock") and its slug form ("amazon-bedrock") match too.
- ``zdr``: an endpoint qualifies when ``GET /endpoints/zdr`` lists it, matched by
  ``endpoint_key``: the model id with the endpoint's tag (or provider name when it has no tag).
- ``quantizations`` lists the levels allowed, as OpenRouter names them. A level followed by ``+``
  ("fp8+") means that level or better, where better is more bits per weight (assumed order:
  4-bit int4, fp4, mxfp4, nvfp4 < fp6 < 8-bit int8, fp8, mxfp8 < 16-bit fp16, bf16 < fp32); it is
  expanded to the levels it stands for, and those are sent. "unknown" qualifies only when listed.
- Latency is ``latency_last_30m.p50`` in milliseconds (time to first token; OpenRouter's spec says
  milliseconds and the recorded values read as such); throughput is ``throughput_last_30m.p50``
  in tokens per second. An endpoint for which OpenRouter reports none does not meet a latency or
  throughput bound: it cannot be shown to.
- ``data_collection`` filters nothing here: no public data says which endpoints collect data, so
  it is passed on in the provider object and OpenRouter applies it when the request is routed.
- The provider object carries the policy as given (quantizations expanded), ``sort``, the latency
  and throughput bounds as OpenRouter's ``preferred_max_latency`` (seconds) and
  ``preferred_min_throughput`` (tokens/s; both are preferences at OpenRouter, not filters), and
  ``max_price`` at the priced endpoint's rates for this usage: prompt and completion in USD per
  million tokens, request and image in USD per unit, as decimal strings. OpenRouter then routes
  only to endpoints no dearer than the one priced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from .errors import DynamicPriceError, PolicyError
from .money import format_usd, per_million
from .pricing import CostBreakdown, Usage, effective_rates, price_usage
from .schema import Endpoint, Percentiles

PolicyPart = Literal[
    "providers_only", "providers_ignore", "zdr", "quantizations", "max_latency_ms", "min_throughput"
]
PARTS: tuple[PolicyPart, ...] = (
    "providers_only",
    "providers_ignore",
    "zdr",
    "quantizations",
    "max_latency_ms",
    "min_throughput",
)
# Bits per weight of each level OpenRouter names (its Quantization enum, "unknown" aside).
QUANTIZATION_BITS: dict[str, int] = {
    "int4": 4,
    "fp4": 4,
    "mxfp4": 4,
    "nvfp4": 4,
    "fp6": 6,
    "int8": 8,
    "fp8": 8,
    "mxfp8": 8,
    "fp16": 16,
    "bf16": 16,
    "fp32": 32,
}
KNOWN_QUANTIZATIONS = (*QUANTIZATION_BITS, "unknown")
LATENCY_UNIT = "milliseconds to the first token, median (p50) over the last 30 minutes"
THROUGHPUT_UNIT = "output tokens per second, median (p50) over the last 30 minutes"
UPTIME_UNIT = "percent of requests that succeeded over the last 30 minutes"


def expand_quantizations(values: Sequence[str]) -> tuple[str, ...]:
    """The levels ``values`` allow, in the order given, "fp8+" expanded; an unknown level is an
    error listing the known ones."""
    levels: list[str] = []
    for raw in values:
        name = raw.strip().lower()
        at_least = name.endswith("+")
        name = name.rstrip("+").strip()
        if name not in QUANTIZATION_BITS and not (name == "unknown" and not at_least):
            known = ", ".join(KNOWN_QUANTIZATIONS)
            raise PolicyError(
                f"Unknown quantization {raw[:40]!r}; use any of {known}, or a level with '+' "
                "for that level or better (e.g. 'fp8+')."
            )
        if at_least:
            floor = QUANTIZATION_BITS[name]
            found = [q for q, bits in QUANTIZATION_BITS.items() if bits >= floor]
        else:
            found = [name]
        levels += [q for q in found if q not in levels]
    return tuple(levels)


@dataclass(frozen=True)
class Policy:
    """What an endpoint must offer; empty fields ask nothing."""

    zdr: bool | None = None
    quantizations: tuple[str, ...] = ()  # expanded: the levels allowed
    providers_only: tuple[str, ...] = ()
    providers_ignore: tuple[str, ...] = ()
    max_latency_ms: float | None = None
    min_throughput: float | None = None
    data_collection: Literal["allow", "deny"] | None = None

    @property
    def active(self) -> bool:
        """True when any argument was given (data_collection alone included)."""
        return self != Policy()

    @property
    def filters(self) -> bool:
        """True when some part removes endpoints (all but data_collection and zdr=false)."""
        return bool(
            self.zdr
            or self.quantizations
            or self.providers_only
            or self.providers_ignore
            or self.max_latency_ms is not None
            or self.min_throughput is not None
        )

    def describe(self) -> str:
        """The policy in words, for summaries and errors."""
        parts = []
        if self.providers_only:
            parts.append("providers " + ", ".join(self.providers_only))
        if self.providers_ignore:
            parts.append("not " + ", ".join(self.providers_ignore))
        if self.zdr:
            parts.append("zero data retention")
        if self.quantizations:
            parts.append("quantization " + "/".join(self.quantizations))
        if self.max_latency_ms is not None:
            parts.append(f"latency p50 <= {self.max_latency_ms:g} ms")
        if self.min_throughput is not None:
            parts.append(f"throughput p50 >= {self.min_throughput:g} tokens/s")
        if self.data_collection:
            parts.append(f"data_collection={self.data_collection}")
        return "; ".join(parts) or "no policy"


def endpoint_key(model_id: str, endpoint: Endpoint | Mapping[str, Any]) -> tuple[str, str]:
    """What identifies an endpoint across ``/endpoints`` and ``/endpoints/zdr``: the model id and
    the tag (the provider name, or the endpoint name, when there is no tag), lower-cased."""
    get = endpoint.get if isinstance(endpoint, Mapping) else endpoint.__dict__.get
    model = get("model_id") or model_id
    ident = get("tag") or get("provider_name") or get("name") or ""
    return str(model).split(":", 1)[0].lower(), str(ident).lower()


def zdr_keys(items: Iterable[Any]) -> frozenset[tuple[str, str]]:
    """The ``endpoint_key``s of a ``GET /endpoints/zdr`` list (entries without a model id are
    skipped: they cannot be matched)."""
    return frozenset(
        endpoint_key("", item) for item in items if isinstance(item, dict) and item.get("model_id")
    )


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def provider_names(endpoint: Endpoint) -> frozenset[str]:
    """The names a caller may use for this endpoint's provider: tag, slug, display name."""
    tag = (endpoint.tag or "").lower()
    names = {tag, tag.split("/", 1)[0]}
    if endpoint.provider_name:
        names |= {endpoint.provider_name.lower(), _slug(endpoint.provider_name)}
    return frozenset(names - {""})


def _wanted(values: Sequence[str]) -> frozenset[str]:
    return frozenset(_slug(v) for v in values if v.strip()) | frozenset(
        v.strip().lower() for v in values if v.strip()
    )


def p50(stats: Percentiles | None) -> float | None:
    return None if stats is None else stats.p50


def why_not(
    policy: Policy, endpoint: Endpoint, model_id: str, zdr: frozenset[tuple[str, str]] | None
) -> list[tuple[PolicyPart, str]]:
    """The parts of ``policy`` this endpoint fails, in ``PARTS`` order, each with a short reason.
    ``zdr`` is the ZDR list (``None`` when it is not known: only asked for when ``policy.zdr``)."""
    reasons: list[tuple[PolicyPart, str]] = []
    names = provider_names(endpoint)
    if policy.providers_only and not names & _wanted(policy.providers_only):
        reasons.append(("providers_only", "provider not in providers_only"))
    if policy.providers_ignore and names & _wanted(policy.providers_ignore):
        reasons.append(("providers_ignore", "provider in providers_ignore"))
    if policy.zdr and (zdr is None or endpoint_key(model_id, endpoint) not in zdr):
        reasons.append(("zdr", "not in OpenRouter's zero-data-retention list"))
    quant = (endpoint.quantization or "unknown").lower()
    if policy.quantizations and quant not in policy.quantizations:
        reasons.append(("quantizations", f"quantization {quant} not allowed"))
    latency = p50(endpoint.latency_last_30m)
    if policy.max_latency_ms is not None:
        if latency is None:
            reasons.append(("max_latency_ms", "latency unknown"))
        elif latency > policy.max_latency_ms:
            reasons.append(("max_latency_ms", f"latency p50 {latency:g} ms"))
    speed = p50(endpoint.throughput_last_30m)
    if policy.min_throughput is not None:
        if speed is None:
            reasons.append(("min_throughput", "throughput unknown"))
        elif speed < policy.min_throughput:
            reasons.append(("min_throughput", f"throughput p50 {speed:g} tokens/s"))
    return reasons


def last_removed_by(verdicts: Sequence[Sequence[tuple[PolicyPart, str]]]) -> PolicyPart | None:
    """The part that removed the last endpoint when the parts are applied in order (``None``
    when some endpoint meets every part)."""
    alive = list(verdicts)
    for part in PARTS:
        left = [v for v in alive if all(p != part for p, _ in v)]
        if not left:
            return part if alive else None
        alive = left
    return None


ADVICE: dict[str, str] = {
    "providers_only": "widen providers_only",
    "providers_ignore": "shorten providers_ignore",
    "zdr": "drop zdr or pick a model with a zero-data-retention endpoint",
    "quantizations": "allow more quantizations",
    "max_latency_ms": "raise max_latency_ms (latency unknown counts as too slow)",
    "min_throughput": "lower min_throughput (throughput unknown counts as too slow)",
}


@dataclass(frozen=True)
class EndpointCost:
    """One endpoint judged against a policy and priced at a usage (``cost`` None: not priceable,
    a dynamic price)."""

    endpoint: Endpoint
    reasons: tuple[tuple[PolicyPart, str], ...]
    cost: CostBreakdown | None
    fits: bool  # its context window holds the usage

    @property
    def meets(self) -> bool:
        return not self.reasons


def judge(
    policy: Policy,
    endpoints: Sequence[Endpoint],
    model_id: str,
    *,
    zdr: frozenset[tuple[str, str]] | None,
    usage: Usage,
    at: datetime,
) -> list[EndpointCost]:
    """Every endpoint, judged and priced, in OpenRouter's order."""
    used = usage.prompt_tokens + usage.completion_tokens
    judged = []
    for endpoint in endpoints:
        try:
            cost: CostBreakdown | None = price_usage(
                endpoint.pricing, usage, at=at, model_hint=model_id
            )
        except DynamicPriceError:
            cost = None
        window = endpoint.context_length
        judged.append(
            EndpointCost(
                endpoint,
                tuple(why_not(policy, endpoint, model_id, zdr)),
                cost,
                window is None or used <= window,
            )
        )
    return judged


def cheapest_meeting(judged: Sequence[EndpointCost]) -> EndpointCost | None:
    """The cheapest priced endpoint that meets the policy, preferring one whose context window
    holds the usage (as OpenRouter would not route there otherwise); ties keep the first."""
    meeting = [j for j in judged if j.meets and j.cost is not None]
    pool = [j for j in meeting if j.fits] or meeting
    best: EndpointCost | None = None
    for j in pool:
        assert j.cost is not None
        if best is None or j.cost.total < best.cost.total:  # type: ignore[union-attr]
            best = j
    return best


def no_endpoint_error(model_id: str, policy: Policy, judged: Sequence[EndpointCost]) -> PolicyError:
    """The error for a model none of whose endpoints meets ``policy``, naming the part that
    removed the last one."""
    if not judged:
        return PolicyError(
            f"OpenRouter lists no endpoint for {model_id}, so no policy can be checked.", "none"
        )
    part = last_removed_by([j.reasons for j in judged])
    if part is None:  # some meet the policy, none has a fixed price
        return PolicyError(
            f"No endpoint of {model_id} that meets the policy has a fixed price.", "dynamic_price"
        )
    return PolicyError(
        f"No endpoint of {model_id} meets the policy ({policy.describe()}): {part} removed the "
        f"last of its {len(judged)} endpoint(s); {ADVICE[part]}, or compare_providers to see "
        "each endpoint.",
        part,
    )


def provider_object(
    policy: Policy,
    *,
    sort: str | None,
    pricing_rates: Mapping[str, Decimal] | None,
    usage: Usage | None,
) -> dict[str, Any]:
    """The ``provider`` object to send with the request (see the module's decisions)."""
    provider: dict[str, Any] = {}
    if policy.providers_only:
        provider["only"] = list(policy.providers_only)
    if policy.providers_ignore:
        provider["ignore"] = list(policy.providers_ignore)
    if policy.quantizations:
        provider["quantizations"] = list(policy.quantizations)
    if policy.zdr is not None:
        provider["zdr"] = policy.zdr
    if policy.data_collection:
        provider["data_collection"] = policy.data_collection
    if sort:
        provider["sort"] = sort
    if policy.max_latency_ms is not None:
        provider["preferred_max_latency"] = policy.max_latency_ms / 1000
    if policy.min_throughput is not None:
        provider["preferred_min_throughput"] = policy.min_throughput
    if pricing_rates is not None:
        zero = Decimal(0)
        cap = {
            "prompt": format_usd(per_million(pricing_rates.get("prompt", zero))),
            "completion": format_usd(per_million(pricing_rates.get("completion", zero))),
        }
        if pricing_rates.get("request", zero) > 0:
            cap["request"] = format_usd(pricing_rates["request"])
        if usage is not None and usage.images and pricing_rates.get("image", zero) > 0:
            cap["image"] = format_usd(pricing_rates["image"])
        provider["max_price"] = cap
    return provider


def rates_for(endpoint: Endpoint, usage: Usage, at: datetime) -> dict[str, Decimal]:
    """The endpoint's rates that apply to this usage (overrides applied): what ``max_price``
    caps."""
    rates, _ = effective_rates(endpoint.pricing, usage.prompt_tokens, at)
    return rates


def label(endpoint: Endpoint) -> str:
    """How an endpoint is named in results: its tag, else its provider, else its name."""
    return endpoint.tag or endpoint.provider_name or endpoint.name or "unknown endpoint"


def premium_note(listed: Decimal, priced: Decimal, what: str) -> str:
    """How much more (or less) ``priced`` costs than the listed price, in words."""
    difference = priced - listed
    if difference == 0:
        return f"{what} costs the same as the listed price (${format_usd(listed)})."
    word = "more" if difference > 0 else "less"
    percent = "" if listed == 0 else f", {abs(difference) * 100 / listed:.1f}%"
    return (
        f"{what} costs ${format_usd(abs(difference))} {word} than the listed price "
        f"(${format_usd(listed)}{percent})."
    )
