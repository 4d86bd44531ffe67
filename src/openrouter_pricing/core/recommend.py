"""The recommendation engine behind ``recommend_model``: the best models for a job, within hard
constraints, ranked by cost, quality or value, each with a one-line reason.

Decisions:
- Hard constraints are never traded off: the capabilities in ``CAPABILITIES`` (one table:
  supported parameters and input/output modalities), a window that holds prompt plus completion
  (and ``min_context``), ``max_completion_tokens``, authors, ``allow_free``, the per-request cap
  and the total budget. Never proposed: ``openrouter/*`` routers, any ``-1`` price, expired models
  (``expiration_date`` on or before today), ``:batch`` unless asked, models that do not output
  text (unless image or audio output is asked for), models billed per image, second, character or
  clip (``recommend_media`` ranks those in their own units). One pick per model: variants and
  ``~...-latest`` aliases form one group, and the group's best entry for the preference stands
  for it. Never an alias of a model the catalog lists (``alias_of_listed_model``): it may be
  listed at another price than that model, which may be what is billed; an alias of a model not
  listed may be picked, and its ``why`` says it is one. The checks are set operations on
  ``quality.ModelIndex`` in a fixed order (a rejection counts under the first failed); only the
  models left are priced.
- Cost is ``pricing.price_totals``, the sums of the ``estimate_cost`` engine (overrides, time of
  day at ``at``), computed by ``linear_cost`` from rates read once per catalog. A ``web_search``
  requirement prices one search per request.
- Complexity, when not given, is inferred from words in ``task``: reasoning (prove, math, logic,
  puzzle...), complex (code, agent, analysis, research, legal...), simple (classify, extract, tag,
  sentiment...), else general. The highest level matched wins: a floor set too high costs a
  little, one set too low fails the job. ``assumptions`` names the word.
- Quality signal: ``artificial_analysis.coding_index`` when the task is about code,
  ``agentic_index`` when tools are required or the task is agentic, else ``intelligence_index``;
  stand-ins for models without it, and the price tiers, are in ``quality``. Floors are
  percentiles of the signal over the catalog's benchmarked models, so they follow the index's own
  scale: simple none, general 25th, complex 50th, reasoning 50th plus ``reasoning`` support. An
  unknown quality passes only the "simple" floor.
- Ranking: ``cheapest`` by cost per request, then quality; ``quality`` by quality, then cost;
  ``balanced`` by Pareto layers on (cost, quality), the first being the front that no model beats
  on both; each layer is ordered by value = normalised quality minus normalised log cost (log,
  because a 10x price step weighs the same at any price level). Ties fall to the id.
- Nothing qualifies: the error names the constraint that removed the most candidates and what to
  change, then the one that removed the most of the candidates that pass it, and so on, so that
  the caller sees every wall at once (routers, media-billed and expired models and output kinds
  are not counted).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal, NamedTuple, get_args

from .catalog import Catalog
from .errors import PricingError, RecommendationError
from .limits import KNOWN_CAPABILITIES
from .linear_cost import Cost, Pricer, workload_pricer
from .moments import as_utc
from .money import format_usd
from .pricing import Usage
from .quality import ModelFacts, ModelIndex, PreparedCatalog, Signal, prepare, terms
from .schema import Model
from .text import plural

Complexity = Literal["simple", "general", "complex", "reasoning"]
Preference = Literal["cheapest", "balanced", "quality"]
MAX_LIMIT = 20
# The quality floor per complexity, as a percentile of the signal over benchmarked models.
FLOOR_PERCENTILE: dict[Complexity, int] = {
    "simple": 0,
    "general": 25,
    "complex": 50,
    "reasoning": 50,
}


@dataclass(frozen=True)
class Requirement:
    """What a capability asks of a model: all of these parameters and modalities."""

    parameters: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    @property
    def needs(self) -> frozenset[str]:
        return terms(self.parameters, self.inputs, self.outputs)


CAPABILITIES: dict[str, Requirement] = {
    "tools": Requirement(parameters=("tools",)),
    "tool_choice": Requirement(parameters=("tool_choice",)),
    "parallel_tool_calls": Requirement(parameters=("parallel_tool_calls",)),
    "structured_outputs": Requirement(parameters=("structured_outputs",)),
    "json_mode": Requirement(parameters=("response_format",)),
    "response_format": Requirement(parameters=("response_format",)),
    "reasoning": Requirement(parameters=("reasoning",)),
    "reasoning_effort": Requirement(parameters=("reasoning_effort",)),
    "logprobs": Requirement(parameters=("logprobs",)),
    "seed": Requirement(parameters=("seed",)),
    "web_search": Requirement(parameters=("web_search_options",)),  # native search
    "image_input": Requirement(inputs=("image",)),
    "audio_input": Requirement(inputs=("audio",)),
    "file_input": Requirement(inputs=("file",)),
    "video_input": Requirement(inputs=("video",)),
    "image_output": Requirement(outputs=("image",)),
    "audio_output": Requirement(outputs=("audio",)),
}
_ALIASES = {"function_calling": "tools", "vision": "image_input", "pdf_input": "file_input"}
_MEDIA = frozenset(name for name, need in CAPABILITIES.items() if need.inputs or need.outputs)

_WORDS_OF: dict[Complexity, str] = {  # checked in this order: the highest level matched wins
    "reasoning": r"prove|proofs?|theorems?|math\w*|olympiad|puzzles?|riddles?|logic\w*|deriv\w*|"
    r"step[- ]by[- ]step|reasoning|calculus|algebra|physics|chain[- ]of[- ]thought",
    "complex": r"cod(e|es|ing|er)|program\w*|refactor\w*|debug\w*|software|agents?|agentic|"
    r"architect\w*|analy[sz]\w*|research\w*|legal|contracts?|medical|financ\w*|reports?|"
    r"essays?|long[- ]form|multi[- ]step|planning|strategy|complex",
    "simple": r"classif\w*|categori[sz]\w*|label\w*|tag|tagging|extract\w*|sentiment|spam|"
    r"moderat\w*|detect\w*|routing|keywords?|reformat\w*|convert\w*|pars(e|ing)|spell\w*|"
    r"grammar|autocomplete|intent|entit(y|ies)|yes/no|simple|short",
}
_LEVEL_WORDS = tuple((level, re.compile(rf"\b({words})\b")) for level, words in _WORDS_OF.items())
_CODING = re.compile(
    r"\b(cod(e|es|ing|er)|program\w*|refactor\w*|debug\w*|software|bugs?|python|javascript|"
    r"typescript|rust|sql|repo\w*|pull requests?|unit tests?|compil\w*)\b"
)
_AGENTIC = re.compile(r"\b(agents?|agentic|tool[- ]?(use|calling|calls)|function[- ]calling)\b")


@dataclass(frozen=True)
class RecommendRequest:
    task: str = ""
    complexity: Complexity | None = None
    prompt_tokens: int = 1000
    completion_tokens: int = 500
    requests: int = 1
    required_capabilities: tuple[str, ...] = ()
    min_context: int | None = None
    max_cost_per_request_usd: Decimal | None = None
    budget_usd: Decimal | None = None
    allow_free: bool = True
    include_authors: tuple[str, ...] = ()
    exclude_authors: tuple[str, ...] = ()
    prefer: Preference = "balanced"
    limit: int = 5
    include_batch: bool = False
    at: datetime | None = None  # UTC, for time-of-day prices; default now


@dataclass(frozen=True)
class Recommendation:
    rank: int
    model: Model
    estimated_cost_per_request: Decimal
    estimated_total: Decimal
    quality_index: float | None  # the score used for ranking, on the signal's 0-100 scale
    quality_source: str
    tier: str
    context_length: int
    why: str


@dataclass(frozen=True)
class RecommendResult:
    recommendations: tuple[Recommendation, ...]
    considered: int
    rejected: dict[str, int]  # reason -> models, each counted once, by its first failed check
    assumptions: tuple[str, ...]
    complexity: Complexity


# --- one request --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    """A validated request, in the terms the per-model checks use."""

    request: RecommendRequest
    needs: tuple[tuple[str, frozenset[str]], ...]  # capability -> what it asks of ``offers``
    outputs: frozenset[str]  # "out:text" unless a capability asks for image or audio output
    include: frozenset[str]
    exclude: frozenset[str]
    signal: Signal
    floor: float | None
    now: datetime
    at: datetime
    price: Pricer  # (pricing, rates, model id) -> the workload's cost
    costs: dict[str, Cost | None]  # by model id, shared by requests with the same workload

    def cost(self, f: ModelFacts) -> Cost | None:
        """The workload's cost on this model, by the ``estimate_cost`` engine; None if dynamic."""
        model_id = f.model.id
        cost = self.costs.get(model_id, _UNPRICED)
        if cost is _UNPRICED:
            cost = self.costs[model_id] = self.price(f.model.pricing, f.rates, model_id)
        return cost

    def price_failures(self, cost: Cost | None) -> list[str]:
        """The price checks a model of this ``cost`` fails: the last, as pricing is the dearest."""
        r = self.request
        if cost is None:
            return ["dynamic_price"]
        cap, budget = r.max_cost_per_request_usd, r.budget_usd
        over = cap is not None and cost[0] > cap
        if budget is not None and cost[1] > budget:
            return ["cost_per_request", "budget"] if over else ["budget"]
        return ["cost_per_request"] if over else []


_UNPRICED: Cost | None = (Decimal(-1), Decimal(-1))  # a marker: not in the costs yet


def _capabilities(names: Sequence[str]) -> tuple[str, ...]:
    caps: list[str] = []
    for raw in (names,) if isinstance(names, str) else names:
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        name = _ALIASES.get(name, name)
        if name not in CAPABILITIES:
            known = ", ".join(KNOWN_CAPABILITIES)
            raise RecommendationError(f"Unknown capability {raw[:60]!r}; use any of: {known}.")
        caps += [name] if name not in caps else []
    return tuple(caps)


def _validate(r: RecommendRequest) -> None:
    if r.prefer not in get_args(Preference):
        raise RecommendationError(f"prefer must be cheapest, balanced or quality: {r.prefer!r}.")
    if r.complexity not in (None, *get_args(Complexity)):
        raise RecommendationError(f"complexity must be {', '.join(get_args(Complexity))}.")
    if not 1 <= r.limit <= MAX_LIMIT:
        raise RecommendationError(f"limit must be between 1 and {MAX_LIMIT}, got {r.limit}.")
    if r.min_context is not None and r.min_context < 0:
        raise RecommendationError(f"min_context cannot be negative (got {r.min_context}).")
    for name in ("max_cost_per_request_usd", "budget_usd"):
        value = getattr(r, name)
        if value is not None and not (Decimal(value).is_finite() and value >= 0):
            raise RecommendationError(f"{name} must be an amount of USD, 0 or more; got {value}.")


def _complexity(r: RecommendRequest) -> tuple[Complexity, str]:
    if r.complexity is not None:
        return r.complexity, f"complexity '{r.complexity}' as given."
    task = (r.task or "")[:5000].lower()
    for level, words in _LEVEL_WORDS:
        if match := words.search(task):
            said = f"inferred from '{match.group(0)}' in the task"
            return level, f"complexity '{level}' {said}; pass complexity to override."
    said = "no telling words in the task" if task.strip() else "no task or complexity given"
    return "general", f"complexity 'general' assumed ({said}); pass complexity to override."


def _signal(task: str, caps: Sequence[str]) -> tuple[Signal, str]:
    text = (task or "")[:5000].lower()
    if match := _CODING.search(text):
        return "coding_index", f"the task mentions '{match.group(0)}'"
    if "tools" in caps:
        return "agentic_index", "tools are required"
    if match := _AGENTIC.search(text):
        return "agentic_index", f"the task mentions '{match.group(0)}'"
    return "intelligence_index", "no coding or agentic work named"


class _Row(NamedTuple):
    """A priced candidate that sorts in rank order: ``(cost, -score)`` as ``first, second`` when
    cost leads, ``(-score, cost)`` when quality does, then the tie-break. The score is the quality,
    or -1 when unknown (below any known one); the tie is the place of (is an alias, id): an alias
    yields to the id it points at. Ties are unique, so the fields after it are never compared."""

    first: Decimal | float
    second: Decimal | float
    tie: int
    position: int  # in the prepared catalog
    per_request: Decimal
    total: Decimal


@dataclass(frozen=True)
class _Candidate:
    """A pick, in the terms ``_why`` and ``Recommendation`` use."""

    facts: ModelFacts
    per_request: Decimal
    total: Decimal
    quality: float | None
    source: str


def _balanced(
    rows: Sequence[_Row], limit: int, scores: Sequence[float], ids: Sequence[str]
) -> tuple[list[_Row], int]:
    """Pareto layers on (cost, quality), each ordered by value, until ``limit`` models are placed;
    returns them and the size of the first layer (the front)."""
    paid = [r.per_request for r in rows if r.per_request > 0] or [Decimal(1)]
    low = min(paid)
    span = math.log10(max(paid) / low) or 1.0  # a ratio of costs: only the ranking score is float
    score = [scores[r.position] for r in rows]
    q_low = min(score)
    q_span = (max(score) - q_low) or 1.0
    # By (cost, -score, id); the place in ``rows`` keeps equal keys in order, as a stable sort.
    remaining = sorted(
        (r.per_request, -s, ids[r.position], k, s, r)
        for k, (r, s) in enumerate(zip(rows, score, strict=True))
    )
    order: list[_Row] = []
    front = 0
    while remaining and len(order) < limit:
        layer: list[tuple[Decimal, float, str, int, float, _Row]] = []
        rest: list[tuple[Decimal, float, str, int, float, _Row]] = []
        for c in remaining:  # in cost order: on the layer when better than all cheaper ones
            (layer if not layer or c[4] > layer[-1][4] else rest).append(c)
        valued = (  # by value = normalised quality minus normalised log cost, then id
            (-((s - q_low) / q_span - math.log10(max(per, low) / low) / span), name, j, r)
            for j, (per, _, name, _, s, r) in enumerate(layer)
        )
        order += [r for *_, r in sorted(valued)]
        front, remaining = front or len(layer), rest
    return order, front


def _vs(cost: Decimal, other: Decimal) -> str:
    """``cost`` against ``other`` in words: "40% cheaper than", "3.2x the price of"."""
    if 0 in (cost, other) or cost == other:
        return "same price as" if cost == other else "paid, unlike" if cost else "free, unlike"
    percent = (abs(cost - other) * 100 / other).quantize(Decimal(1))
    if cost < other or percent < 100:
        return f"{percent or '<1'}% {'cheaper' if cost < other else 'pricier'} than"
    return f"{(cost / other).quantize(Decimal('0.1'))}x the price of"


def _why(q: _Query, picks: Sequence[_Candidate], i: int, front: int) -> str:
    """One line: the pick's place, what it offers, its quality, how it compares with a neighbour."""
    c, prefer = picks[i], q.request.prefer
    first, nth = _LEADS[prefer]
    lead = first if i == 0 else f"#{i + 1} {nth}"
    lead += " (on the cost/quality front)" if prefer == "balanced" and i < front else ""
    size = c.facts.context
    offers = [cap for cap, _ in q.needs]
    offers.append(f"{size // 1000}k context" if size < 10**6 else f"{size / 10**6:.3g}M context")
    parts = [f"{lead} with {' and '.join(filter(None, (', '.join(offers[:-1]), offers[-1])))}"]
    if c.quality is not None:
        estimated = "" if c.source.startswith(f"artificial_analysis.{q.signal}") else " (estimated)"
        parts.append(f"{q.signal.removesuffix('_index')} {c.quality:.1f}{estimated}")
    if len(picks) > 1:
        other, name = (picks[1], "the next") if i == 0 else (picks[i - 1], f"#{i}")
        compare = f"{_vs(c.per_request, other.per_request)} {name}"
        if prefer != "cheapest" and c.quality is not None and other.quality is not None:
            compare += f" ({c.quality - other.quality:+.1f} quality)"
        parts.append(compare)
    if (target := c.facts.model.alias_target) is not None:
        parts.append(
            f"an alias of {target.slug or target.name}: its listed price may not be billed"
        )
    if c.facts.tier == "free":
        parts.append("free models are rate-limited")
    if c.facts.expires and (c.facts.expires - q.now.date()).days <= 90:
        parts.append(f"expires {c.facts.expires.isoformat()}")
    return "; ".join(parts)


_LEADS = {
    "cheapest": ("cheapest", "cheapest"),
    "quality": ("best quality", "by quality"),
    "balanced": ("best value", "by value"),
}


def recommend(
    catalog: Catalog, request: RecommendRequest, *, now: datetime | None = None
) -> RecommendResult:
    """The best models in ``catalog`` for ``request``. Raises ``RecommendationError`` for an invalid
    request or when nothing qualifies, ``UsageError`` for token counts that cannot be priced."""
    _validate(request)
    caps = _capabilities(request.required_capabilities)
    now = as_utc(now or datetime.now(UTC))
    complexity, complexity_note = _complexity(request)
    signal, signal_why = _signal(request.task, caps)
    needed = (*caps, "reasoning") if complexity == "reasoning" and "reasoning" not in caps else caps
    usage = Usage(
        prompt_tokens=request.prompt_tokens,
        completion_tokens=request.completion_tokens,
        web_searches=int("web_search" in caps),
        requests=request.requests,
    )
    usage.validate()
    prepared = prepare(catalog)
    table = prepared.percentiles[signal]
    floor = table[FLOOR_PERCENTILE[complexity]] if table and complexity != "simple" else None
    output_caps = any(CAPABILITIES[cap].outputs for cap in caps)
    at = as_utc(request.at or now)
    query = _Query(
        request=request,
        needs=tuple((cap, CAPABILITIES[cap].needs) for cap in needed),
        outputs=frozenset() if output_caps else frozenset({"out:text"}),
        include=frozenset(a.strip().lower() for a in request.include_authors),
        exclude=frozenset(a.strip().lower() for a in request.exclude_authors),
        signal=signal,
        floor=floor,
        now=now,
        at=at,
        price=workload_pricer(usage, at),
        costs=prepared.costs_for(usage, at),
    )
    eligible, rejected = _screen(query, prepared)
    if not eligible:
        raise _nothing_qualifies(query, prepared, complexity)

    facts, groups = prepared.facts, prepared.groups
    best: dict[str, _Row] = {}
    for row in sorted(eligible):
        best.setdefault(groups[row.position], row)  # one pick per model: its best variant or alias
    ranked, front = list(best.values()), 0
    if request.prefer == "balanced":
        ranked, front = _balanced(ranked, request.limit, prepared.scores[signal], prepared.ids)
    picks = [
        _Candidate(
            facts[row.position], row.per_request, row.total, *facts[row.position].quality[signal]
        )
        for row in ranked[: request.limit]
    ]
    recommendations = tuple(
        Recommendation(
            rank=i + 1,
            model=c.facts.model,
            estimated_cost_per_request=c.per_request,
            estimated_total=c.total,
            quality_index=c.quality,
            quality_source=c.source,
            tier=c.facts.tier,
            context_length=c.facts.context,
            why=_why(query, picks, i, front),
        )
        for i, c in enumerate(picks)
    )
    notes = _notes(query, complexity, complexity_note, signal_why, prepared.authors)
    if any(r.tier == "free" for r in recommendations):
        notes.append("free models are rate-limited; set allow_free=false for volume work.")
    return RecommendResult(recommendations, len(prepared.facts), rejected, tuple(notes), complexity)


def _cheap_failures(q: _Query, index: ModelIndex) -> Iterator[tuple[str, AbstractSet[int]]]:
    """The checks before the price, in the order that names a rejection, with the failing models."""
    r = q.request
    yield "router", index.router
    yield "media_billing", index.media  # priced in their own units by ``recommend_media``
    yield "batch_variant", set() if r.include_batch else index.batch
    yield "expired", index.expired(q.now.date())
    yield "alias_of_listed_model", index.listed_alias
    yield "output_modality", index.lacking(q.outputs)
    yield from ((f"capability:{cap}", index.lacking(need)) for cap, need in q.needs)
    if q.include:
        yield "author_not_included", index.everyone - index.by_authors(q.include)
    yield "author_excluded", index.by_authors(q.exclude)
    yield "free_not_allowed", set() if r.allow_free else index.free
    yield "context_window", index.context_below(r.prompt_tokens + r.completion_tokens)
    yield "min_context", index.context_below(r.min_context or 0)
    yield "max_output_tokens", index.max_output_below(r.completion_tokens)
    yield "quality_floor", set() if q.floor is None else index.quality_below(q.signal, q.floor)


def _screen(q: _Query, prepared: PreparedCatalog) -> tuple[list[_Row], dict[str, int]]:
    """The priced candidates that pass every check, in catalog order, and the models rejected per
    reason, each under its first failed check (most first; ties in the order the catalog meets
    them). Only the models that pass the cheap checks are priced."""
    alive = set(prepared.index.everyone)
    rejected: Counter[str] = Counter()
    first: dict[str, int] = {}  # reason -> the position of its first model
    for reason, fails in _cheap_failures(q, prepared.index):
        if failing := alive & fails:
            rejected[reason], first[reason] = len(failing), min(failing)
            alive -= failing
    eligible: list[_Row] = []
    facts, scores, ties = prepared.facts, prepared.scores[q.signal], prepared.ties
    by_cost = q.request.prefer != "quality"
    for i in sorted(alive):
        cost = q.cost(facts[i])
        failures = q.price_failures(cost)
        if failures:  # the first failed price check names the rejection
            rejected[failures[0]] += 1
            first.setdefault(failures[0], i)
            continue
        assert cost is not None  # a dynamic price is a failure above
        per, total = cost
        eligible.append(
            _Row(per, -scores[i], ties[i], i, per, total)
            if by_cost
            else _Row(-scores[i], per, ties[i], i, per, total)
        )
    return eligible, dict(sorted(rejected.items(), key=lambda kv: (-kv[1], first[kv[0]])))


def _notes(
    q: _Query,
    complexity: Complexity,
    complexity_note: str,
    signal_why: str,
    authors: frozenset[str],
) -> list[str]:
    r, caps = q.request, {cap for cap, _ in q.needs}
    floor = (
        f"quality floor for '{complexity}': {q.signal} >= {q.floor:.1f} (the catalog's "
        f"{FLOOR_PERCENTILE[complexity]}th percentile)."
        if q.floor is not None
        else f"no quality floor for '{complexity}'."
    )
    notes = [
        complexity_note,
        f"quality = artificial_analysis.{q.signal} ({signal_why}); quality_source names stand-ins.",
        floor,
        f"cost per request: {r.prompt_tokens:,} prompt + {r.completion_tokens:,} completion "
        f"tokens (reasoning within completion), no cache hits, at {q.at:%Y-%m-%d %H:%M} UTC; "
        f"total for {r.requests:,} request{'s' if r.requests != 1 else ''}.",
    ]
    if complexity == "reasoning":
        notes.append("complexity 'reasoning' admits only models that support reasoning.")
    if "web_search" in caps:
        notes.append("web_search: one native search per request, at each model's price.")
    if _MEDIA & caps:
        notes.append("per-image, per-audio and per-file charges are not in the estimate.")
    if unknown := sorted(q.include - authors):
        notes.append(f"no models by {', '.join(unknown)} in the catalog.")
    return notes


_FIXED = frozenset(  # not relaxable
    {
        "router",
        "media_billing",
        "expired",
        "alias_of_listed_model",
        "output_modality",
        "dynamic_price",
    }
)
_RELAX = {  # rejection reason -> (the constraint as the caller set it, what to change)
    "batch_variant": ("include_batch=false", "set include_batch=true"),
    "author_not_included": ("include_authors", "widen include_authors"),
    "author_excluded": ("exclude_authors", "shorten exclude_authors"),
    "free_not_allowed": ("allow_free=false", "set allow_free=true"),
    "context_window": ("the context window", "shorten the prompt or the completion"),
    "min_context": ("min_context", "lower min_context"),
    "max_output_tokens": ("the maximum output", "lower completion_tokens"),
    "quality_floor": ("the quality floor", "pass a lower complexity"),
    "cost_per_request": ("max_cost_per_request_usd", "raise max_cost_per_request_usd"),
    "budget": ("budget_usd", "raise budget_usd or lower requests"),
}


def _nothing_qualifies(
    q: _Query, prepared: PreparedCatalog, complexity: Complexity
) -> PricingError:
    """Name the constraint that removed the most candidates, then, among those that pass it, the
    one that removed the most of them, and so on until every candidate is accounted for."""
    failed_at, fails, cheapest = _failures(q, prepared)
    if not fails:
        if any("media_billing" in failed for failed in failed_at):
            return RecommendationError(
                "No model billed per token meets these constraints; models billed per image, "
                "second of video or audio, character or clip are ranked by output_modality "
                "(image, video, speech, transcription): pass that instead."
            )
        return RecommendationError("The catalog holds no model that can be recommended.")
    context = _Blockers(q, prepared, complexity, cheapest)
    key, text = context.clause(fails, f"{len(fails)} candidates")
    clauses = [text]
    while fails := [failed for failed in fails if key not in failed]:  # the next blocker
        key, text = context.clause(fails, "them")
        clauses.append(f"of the {len(fails)} that pass that, {text}")
    return RecommendationError("No model meets every constraint: " + "; ".join(clauses) + ".")


def _failures(
    q: _Query, prepared: PreparedCatalog
) -> tuple[list[set[str]], list[set[str]], dict[str, Decimal]]:
    """Every check each model fails; the failure sets of the models that could be relaxed into
    qualifying (no fixed failure); and, for models that fail only on price, the least they cost."""
    failed_at: list[set[str]] = [set() for _ in prepared.facts]
    for reason, failing in _cheap_failures(q, prepared.index):
        for i in failing:
            failed_at[i].add(reason)
    fails: list[set[str]] = []
    cheapest: dict[str, Decimal] = {}
    for f, failed in zip(prepared.facts, failed_at, strict=True):
        if _FIXED.isdisjoint(failed):
            failed.update(q.price_failures(q.cost(f)))
        if _FIXED.isdisjoint(failed):
            fails.append(failed)
            if failed in ({"cost_per_request"}, {"budget"}) and (priced := q.cost(f)):
                [key] = failed
                amount = priced[1] if key == "budget" else priced[0]
                cheapest[key] = min(amount, cheapest.get(key, amount))
    return failed_at, fails, cheapest


@dataclass(frozen=True)
class _Blockers:
    """What the "nothing qualifies" error says of each blocking constraint."""

    q: _Query
    prepared: PreparedCatalog
    complexity: Complexity
    cheapest: dict[str, Decimal]

    def clause(self, sets: list[set[str]], whole: str) -> tuple[str, str]:
        """The constraint that removed the most of ``sets``, and one clause on it."""
        removed = Counter(key for failed in sets for key in failed)
        key = max(removed, key=lambda k: (removed[k], k))
        cap = key.partition(":")[2]
        label, advice = _RELAX.get(
            key, (f"capability '{cap}'", f"drop '{cap}' from required_capabilities")
        )
        return key, f"{label} removed {removed[key]} of {whole}: {self.advice(key, advice)}"

    def advice(self, key: str, advice: str) -> str:
        q, complexity, cheapest = self.q, self.complexity, self.cheapest
        cap = key.partition(":")[2]
        if cap == "reasoning" and complexity == "reasoning":
            return "use complexity 'complex' (only 'reasoning' demands reasoning support)"
        if key == "quality_floor":
            return advice + f" than '{complexity}' (its floor: {q.signal} >= {q.floor:.1f})"
        if key == "author_not_included" and (unknown := sorted(q.include - self.prepared.authors)):
            return advice + f" (no models by {', '.join(unknown)})"
        if key == "capability:image_output":
            return advice + (
                ", or pass output_modality 'image' to rank image models by their price per image"
            )
        if key in cheapest:
            requests = plural(q.request.requests, "request")
            scope = f"for {requests}" if key == "budget" else "per request"
            least = format_usd(cheapest[key])
            return advice + f" (the cheapest model that fits otherwise costs ${least} {scope})"
        return advice
