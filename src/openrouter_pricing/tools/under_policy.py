"""Applying an endpoint policy (``core.policy``) for the tools: making it from the policy arguments
(``policy_args``), fetching what it needs, pricing an estimate at the cheapest endpoint that meets
it, and screening recommendations by it.

Decisions:
- Endpoints and the ZDR list come from the store (cached for the catalog's TTL, one fetch per
  model at a time). The ZDR list is fetched only when ``zdr=true`` is asked (and by
  ``compare_providers``, which shows it for every endpoint).
- ``estimate_cost`` under a policy prices the cheapest endpoint that meets it (``:floor`` is
  then implied); ``provider=`` together with a policy is an error, since ``providers_only`` says
  the same within the policy.
- ``recommend_model`` under a policy checks the candidates that meet every other constraint, best
  first, at most ``MAX_POLICY_CANDIDATES``, fetching their endpoints in parallel (at most
  ``POLICY_FETCH_CONCURRENCY`` at once) within ``POLICY_DEADLINE_SECONDS``. A candidate without a
  qualifying endpoint is dropped and counted under ``policy:<part>``; one whose endpoints could
  not be read in time or at all, under ``policy:unchecked``. The survivors are priced at their
  qualifying endpoint; the cost caps are checked again at that price; ``prefer=cheapest`` is
  re-sorted by it, the other preferences keep the engine's order (ranked on listed prices).
"""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import anyio

from ..core.catalog import Resolved
from ..core.errors import NotFoundError, PricingError, RecommendationError
from ..core.money import format_usd
from ..core.policy import (
    EndpointCost,
    Policy,
    cheapest_meeting,
    expand_quantizations,
    judge,
    label,
    last_removed_by,
    no_endpoint_error,
    premium_note,
    provider_object,
    rates_for,
)
from ..core.pricing import Usage, price_usage
from ..core.recommend import Recommendation, RecommendRequest, RecommendResult
from ..core.schema import Endpoint, Pricing
from ..state import AppState
from .common import fail, pricing_errors
from .endpoints import discount_warning
from .policy_args import PolicyArgs

MAX_POLICY_CANDIDATES = 20  # the engine's most picks per call
POLICY_FETCH_CONCURRENCY = 8
POLICY_DEADLINE_SECONDS = 10.0
DATA_COLLECTION_NOTE = (
    "data_collection={} is passed on in the provider object and applied by OpenRouter when the "
    "request is routed: no public data says which endpoints it removes, so no price changes here."
)

MEDIA_POLICY_NOTE = (
    "The policy arguments were not applied: this model is priced in its media units from its "
    "own listing, not per provider endpoint; compare_providers shows its endpoints."
)


def policy_of(args: PolicyArgs) -> Policy:
    """The policy the arguments describe (a bad quantization is the tool's error)."""
    with pricing_errors():
        levels = expand_quantizations(args.quantizations or ())
    return Policy(
        zdr=args.zdr,
        quantizations=levels,
        providers_only=tuple(args.providers_only or ()),
        providers_ignore=tuple(args.providers_ignore or ()),
        max_latency_ms=args.max_latency_ms,
        min_throughput=args.min_throughput,
        data_collection=args.data_collection,
    )


async def policy_inputs(
    state: AppState, model_id: str, *, want_zdr: bool
) -> tuple[list[Endpoint], frozenset[tuple[str, str]] | None]:
    """The model's endpoints and, when asked, the ZDR list; errors are the tool's."""
    with pricing_errors():
        endpoints = await state.store.get_endpoints(model_id)
        zdr = await state.store.get_zdr_keys() if want_zdr else None
    return endpoints, zdr


def provider_lines(provider: dict[str, Any] | None) -> list[str]:
    """The text-summary line with the provider object to send, if there is one."""
    return [] if provider is None else [f"Provider object to send: {json.dumps(provider)}"]


@dataclass(frozen=True)
class PolicyPricing:
    """What an estimate under a policy prices: the endpoint's prices and what to tell."""

    pricing: Pricing
    endpoint: Endpoint
    label: str
    warnings: list[str]
    provider: dict[str, Any]


def _judged(
    policy: Policy,
    model_id: str,
    endpoints: Sequence[Endpoint],
    *,
    zdr: frozenset[tuple[str, str]] | None,
    usage: Usage,
    at: datetime,
) -> list[EndpointCost]:
    with pricing_errors():
        return judge(policy, endpoints, model_id, zdr=zdr, usage=usage, at=at)


async def price_under_policy(
    state: AppState,
    resolved: Resolved,
    usage: Usage,
    at: datetime,
    policy: Policy,
    *,
    provider_given: bool,
) -> PolicyPricing:
    """The cheapest endpoint of the model that meets ``policy`` for this usage, or the error
    naming the policy part that removed the last one."""
    if provider_given:
        fail(
            "Give provider or the policy arguments, not both; to price one provider under a "
            "policy, pass providers_only=['that-provider']."
        )
    model = resolved.model
    if model.variant:
        fail(
            f"OpenRouter publishes endpoint data for {model.base_id} only, not for its "
            f"':{model.variant}' variant, so a policy cannot be checked on {model.id}; estimate "
            f"{model.base_id} under the policy instead."
        )
    endpoints, zdr = await policy_inputs(state, model.id, want_zdr=bool(policy.zdr))
    judged = _judged(policy, model.id, endpoints, zdr=zdr, usage=usage, at=at)
    best = cheapest_meeting(judged)
    if best is None or best.cost is None:
        with pricing_errors():
            raise no_endpoint_error(model.id, policy, judged)
    name = label(best.endpoint)
    meeting = sum(1 for j in judged if j.meets)
    warnings = [
        f"Policy ({policy.describe()}): priced at {name}, the cheapest of the {meeting} of "
        f"{len(judged)} endpoints that meet it."
    ]
    with pricing_errors():
        listed = price_usage(model.pricing, usage, at=at, model_hint=model.id).total
    warnings.append(premium_note(listed, best.cost.total, f"The endpoint {name}"))
    warnings.extend(discount_warning(best.endpoint, name))
    if not best.fits:
        warnings.append("No endpoint that meets the policy has a context window for this usage.")
    if policy.data_collection:
        warnings.append(DATA_COLLECTION_NOTE.format(policy.data_collection))
    provider = provider_object(
        policy, sort="price", pricing_rates=rates_for(best.endpoint, usage, at), usage=usage
    )
    return PolicyPricing(best.endpoint.pricing, best.endpoint, name, warnings, provider)


@dataclass(frozen=True)
class PolicyPick:
    """A recommendation's endpoint under the policy."""

    endpoint: str
    provider: dict[str, Any]


def candidates_request(request: RecommendRequest) -> RecommendRequest:
    """The engine request whose picks the policy screens: up to ``MAX_POLICY_CANDIDATES``, and no
    ':free' variants (their endpoints are not published apart from the paid ones)."""
    return replace(request, limit=MAX_POLICY_CANDIDATES, allow_free=False)


@dataclass
class _Fetched:
    """The candidates' endpoints as read within the time bound, and what could not be read."""

    endpoints: dict[str, list[Endpoint]]
    failures: dict[str, str]
    zdr: frozenset[tuple[str, str]] | None
    stopped_early: bool


async def _fetch_endpoints(
    state: AppState, candidates: Sequence[Recommendation], policy: Policy
) -> _Fetched:
    """Each candidate's endpoints (and the ZDR list when asked), in parallel within the bound; an
    error when none could be read."""
    fetched: dict[str, list[Endpoint]] = {}
    failures: dict[str, str] = {}
    zdr: frozenset[tuple[str, str]] | None = None
    if policy.zdr:
        with pricing_errors():
            zdr = await state.store.get_zdr_keys()
    limiter = anyio.Semaphore(POLICY_FETCH_CONCURRENCY)

    async def fetch(model_id: str) -> None:
        async with limiter:
            try:
                fetched[model_id] = await state.store.get_endpoints(model_id)
            except NotFoundError:  # OpenRouter lists no endpoint for it
                fetched[model_id] = []
            except PricingError as exc:  # counted as unchecked; the others go on
                failures[model_id] = str(exc)

    with anyio.move_on_after(POLICY_DEADLINE_SECONDS) as scope:
        async with anyio.create_task_group() as group:
            for rec in candidates:
                group.start_soon(fetch, rec.model.id)
    if candidates and not fetched:
        why = (
            "the server is offline, and endpoint data needs the network or data fetched earlier"
            if state.settings.offline
            else f"OpenRouter did not answer in time or failed for all {len(candidates)}"
        )
        fail(
            f"The policy needs each candidate's endpoints, and none could be read ({why}); try "
            "again, or recommend without the policy arguments."
        )
    return _Fetched(fetched, failures, zdr, scope.cancelled_caught)


def _pick_under_policy(  # noqa: PLR0917 (private: one candidate and what judges it)
    rec: Recommendation,
    endpoints: list[Endpoint],
    policy: Policy,
    request: RecommendRequest,
    usage: Usage,
    at: datetime,
    zdr: frozenset[tuple[str, str]] | None,
) -> tuple[Recommendation, PolicyPick] | str:
    """The candidate priced at its cheapest endpoint that meets the policy, or why it is dropped
    (the ``rejected`` key)."""
    judged = _judged(policy, rec.model.id, endpoints, zdr=zdr, usage=usage, at=at)
    best = cheapest_meeting(judged)
    if best is None or best.cost is None:
        part = last_removed_by([j.reasons for j in judged]) if judged else "no_endpoints"
        return f"policy:{part or 'dynamic_price'}"
    per, total = best.cost.per_request, best.cost.total
    cap, budget = request.max_cost_per_request_usd, request.budget_usd
    if cap is not None and per > cap:
        return "cost_per_request"
    if budget is not None and total > budget:
        return "budget"
    name = label(best.endpoint)
    why = f"under the policy at {name}, ${format_usd(per)} per request"
    if per != rec.estimated_cost_per_request:
        why += f" (listed price ${format_usd(rec.estimated_cost_per_request)})"
    why += f"; without the policy: {rec.why}"
    provider = provider_object(
        policy, sort="price", pricing_rates=rates_for(best.endpoint, usage, at), usage=usage
    )
    updated = replace(rec, estimated_cost_per_request=per, estimated_total=total, why=why)
    return updated, PolicyPick(name, provider)


def _policy_notes(
    policy: Policy, request: RecommendRequest, checked: int, fetched: _Fetched
) -> list[str]:
    """What the assumptions say of the policy screen."""
    notes = [
        f"policy ({policy.describe()}): checked the best {checked} candidates that meet "
        f"the other constraints (at most {MAX_POLICY_CANDIDATES}, endpoints fetched in parallel "
        f"within {POLICY_DEADLINE_SECONDS:g} s); each pick is priced at its cheapest endpoint "
        "that meets the policy"
        + (
            "; re-sorted by that price."
            if request.prefer == "cheapest"
            else "; ranked on listed prices."
        )
    ]
    if fetched.stopped_early:
        notes.append(
            f"stopped early: {POLICY_DEADLINE_SECONDS:g} s passed before the endpoints of every "
            "candidate were read; those not read are counted under policy:unchecked and not "
            "proposed."
        )
    if fetched.failures:
        first = next(iter(fetched.failures.values()))
        notes.append(
            f"the endpoints of {len(fetched.failures)} candidate(s) could not be read (e.g. "
            f"{first}); they are counted under policy:unchecked and not proposed."
        )
    notes.append(
        "listed variants (':free', ':extended', ...) are not proposed under a policy: OpenRouter "
        "publishes endpoint data for the base model only."
    )
    if policy.data_collection:
        notes.append(DATA_COLLECTION_NOTE.format(policy.data_collection))
    return notes


async def recommend_under_policy(
    state: AppState,
    found: RecommendResult,
    request: RecommendRequest,
    policy: Policy,
    limit: int,
) -> tuple[RecommendResult, dict[str, PolicyPick]]:
    """``found`` (the engine's picks for up to ``MAX_POLICY_CANDIDATES``) screened by ``policy``:
    the first ``limit`` that have a qualifying endpoint, priced there, with the drops counted."""
    at = request.at or datetime.now(UTC)
    usage = Usage(
        prompt_tokens=request.prompt_tokens,
        completion_tokens=request.completion_tokens,
        web_searches=int(any(_is_web_search(c) for c in request.required_capabilities)),
        requests=request.requests,
    )
    candidates = [r for r in found.recommendations[:MAX_POLICY_CANDIDATES] if not r.model.variant]
    rejected: Counter[str] = Counter()
    if listed_variants := len(found.recommendations[:MAX_POLICY_CANDIDATES]) - len(candidates):
        rejected["policy:listed_variant"] = listed_variants
    fetched = await _fetch_endpoints(state, candidates, policy)
    kept: list[tuple[Recommendation, PolicyPick]] = []
    for rec in candidates:
        endpoints = fetched.endpoints.get(rec.model.id)
        if endpoints is None:
            rejected["policy:unchecked"] += 1
            continue
        picked = _pick_under_policy(rec, endpoints, policy, request, usage, at, fetched.zdr)
        if isinstance(picked, str):
            rejected[picked] += 1
        else:
            kept.append(picked)
    if not kept:
        with pricing_errors():
            raise RecommendationError(_none_qualify(policy, rejected, len(candidates)))
    if request.prefer == "cheapest":
        kept.sort(key=lambda pair: pair[0].estimated_cost_per_request)  # stable: ties keep rank
    kept = kept[:limit]
    recommendations = tuple(replace(rec, rank=i + 1) for i, (rec, _) in enumerate(kept))
    merged = Counter(found.rejected) + rejected
    notes = [*found.assumptions, *_policy_notes(policy, request, len(candidates), fetched)]
    result = replace(
        found,
        recommendations=recommendations,
        rejected=dict(merged.most_common()),
        assumptions=tuple(notes),
    )
    picks = {rec.model.id: pick for rec, (_, pick) in zip(recommendations, kept, strict=True)}
    return result, picks


def _is_web_search(capability: str) -> bool:
    """As the engine reads a capability name (it prices one search per request for it)."""
    return capability.strip().lower().replace("-", "_").replace(" ", "_") == "web_search"


def _none_qualify(policy: Policy, rejected: Counter[str], checked: int) -> str:
    counts = ", ".join(f"{reason} {n}" for reason, n in rejected.most_common())
    top = rejected.most_common(1)[0][0] if rejected else "policy"
    return (
        f"No model meets every constraint and the policy ({policy.describe()}): of the "
        f"{checked} best candidates, none has a qualifying endpoint ({counts}); relax "
        f"{top.removeprefix('policy:')} or the other constraints."
    )
