"""What each model offers a recommendation, computed once per catalog: its group (one pick per
model), capabilities in one vocabulary, context, tier, and a quality score per signal.

Decisions (the engine that uses these is ``recommend``):
- Quality signals are ``artificial_analysis`` indices. A model without the asked one borrows its
  base model's or alias target's; else another of its indices, rescaled by a least-squares line
  fitted over the catalog (the three correlate at r > 0.97); else a price-tier estimate: a line of
  the signal on log10(blended price), fitted separately for models with and without ``reasoning``
  support, minus one residual standard deviation so that a guess never outranks an equal
  measurement. Each score carries the name of its source.
- Tier, from the blended list price (prompt:completion 3:1, $ per million tokens, as in
  ``list_models``): free $0, budget < $0.50, mid < $5, premium >= $5.
- Prices of recent workloads are kept (16 at most) so an agent asking again is answered at once.
- ``ModelIndex``: the models' positions by each fact a hard constraint checks (router, batch,
  author, free tier, each capability term; context, maximum output, expiry and quality sorted
  for ``bisect``), so that a request screens the catalog by set operations, not model by model.
"""

from __future__ import annotations

import functools
import math
import statistics
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from .catalog import Catalog, context_of
from .linear_cost import Cost, Rates, VaryingRates, workload_rates
from .pricing import Usage
from .schema import Model

Signal = Literal["intelligence_index", "coding_index", "agentic_index"]
SIGNALS: tuple[Signal, ...] = get_args(Signal)
TIERS = ((Decimal("0.5"), "budget"), (Decimal(5), "mid"))  # blended $/M upper bounds; else premium


def terms(
    parameters: Sequence[str], inputs: Sequence[str], outputs: Sequence[str]
) -> frozenset[str]:
    """Parameters and modalities in one vocabulary: ``tools``, ``in:image``, ``out:audio``."""
    return frozenset((*parameters, *(f"in:{x}" for x in inputs), *(f"out:{x}" for x in outputs)))


# --- ------------------------------------------

Line = tuple[float, float, float]  # slope, intercept, residual standard deviation


@dataclass(frozen=True)
class ModelFacts:
    model: Model
    group: str  # one pick per group: the base model, or an alias's target
    author: str
    router: bool  # openrouter/* or a dynamic price: never proposed
    batch: bool
    max_output: int | None
    expires: date | None
    offers: frozenset[str]  # supported parameters and "in:"/"out:" modalities
    context: int
    tier: str
    quality: dict[str, tuple[float | None, str]]  # signal -> (score, source)
    rates: Rates | VaryingRates | None  # for ``linear_cost.workload_pricer``; None: dynamic
    media: bool = False  # billed per image, second, character or clip: ``recommend_media``'s


class _Sorted:
    """Positions sorted by a value, to take those below a bound with ``bisect``."""

    def __init__(self, pairs: Iterable[tuple[float | int | date, int]]) -> None:
        ordered = sorted(pairs)  # ties by position
        self.values = [value for value, _ in ordered]
        self.positions = [position for _, position in ordered]

    def below(self, bound: float | int | date, *, inclusive: bool = False) -> set[int]:
        cut = (bisect_right if inclusive else bisect_left)(self.values, bound)
        return set(self.positions[:cut])


class ModelIndex:
    """Positions in ``PreparedCatalog.facts`` by what the hard constraints of ``recommend`` check;
    each method returns the positions that fail a check."""

    def __init__(self, facts: Sequence[ModelFacts]) -> None:
        self.everyone = frozenset(range(len(facts)))
        self.router = frozenset(i for i, f in enumerate(facts) if f.router)
        self.batch = frozenset(i for i, f in enumerate(facts) if f.batch)
        self.media = frozenset(i for i, f in enumerate(facts) if f.media)
        self.free = frozenset(i for i, f in enumerate(facts) if f.tier == "free")
        self.listed_alias = frozenset(  # an alias whose target is listed (and so its group)
            i
            for i, f in enumerate(facts)
            if f.model.alias_target is not None and f.group != f.model.base_id.lower()
        )
        offering: dict[str, set[int]] = {}
        by_author: dict[str, set[int]] = {}
        for i, f in enumerate(facts):
            for term in f.offers:
                offering.setdefault(term, set()).add(i)
            by_author.setdefault(f.author, set()).add(i)
        self._lacking = {term: self.everyone - found for term, found in offering.items()}
        self._by_author = {author: frozenset(found) for author, found in by_author.items()}
        self._expires = _Sorted((f.expires, i) for i, f in enumerate(facts) if f.expires)
        self._context = _Sorted((f.context, i) for i, f in enumerate(facts))
        self._max_output = _Sorted((f.max_output, i) for i, f in enumerate(facts) if f.max_output)
        self._quality: dict[str, tuple[frozenset[int], _Sorted]] = {}
        for signal in SIGNALS:
            scores = [(f.quality[signal][0], i) for i, f in enumerate(facts)]
            unknown = frozenset(i for score, i in scores if score is None)
            known = _Sorted((s, i) for s, i in scores if s is not None and not math.isnan(s))
            self._quality[signal] = unknown, known

    def expired(self, today: date) -> set[int]:
        """Expiring on or before ``today``."""
        return self._expires.below(today, inclusive=True)

    def lacking(self, needs: frozenset[str]) -> set[int]:
        """Not offering every term of ``needs``."""
        return set().union(*(self._lacking.get(term, self.everyone) for term in needs))

    def by_authors(self, authors: frozenset[str]) -> set[int]:
        return set().union(*(self._by_author.get(author, ()) for author in authors))

    def context_below(self, tokens: int) -> set[int]:
        return self._context.below(tokens)

    def max_output_below(self, tokens: int) -> set[int]:
        """A maximum output (when the model states one) under ``tokens``."""
        return self._max_output.below(tokens)

    def quality_below(self, signal: str, floor: float) -> set[int]:
        """A score under ``floor``, or none at all."""
        unknown, known = self._quality[signal]
        return known.below(floor) | unknown


@dataclass(frozen=True)
class PreparedCatalog:
    facts: tuple[ModelFacts, ...]
    percentiles: dict[str, list[float]]  # signal -> its 0th..99th percentiles
    authors: frozenset[str]
    index: ModelIndex
    # By position, read for each priced model of a request: ids, groups, the place of (is an
    # alias, id) that breaks ranking ties, and the ranking score per signal (-1 when unknown).
    ids: tuple[str, ...]
    groups: tuple[str, ...]
    ties: tuple[int, ...]
    scores: dict[str, tuple[float, ...]]
    # Costs of recent workloads, by (usage, UTC HHMM: all that time-of-day prices depend on).
    costs: dict[tuple[Usage, int], dict[str, Cost | None]] = field(default_factory=dict)

    def costs_for(self, usage: Usage, at: datetime) -> dict[str, Cost | None]:
        key = (usage, at.hour * 100 + at.minute)
        if key not in self.costs and len(self.costs) >= 16:
            del self.costs[next(iter(self.costs))]  # the oldest workload
        return self.costs.setdefault(key, {})


_PREPARED: weakref.WeakKeyDictionary[Catalog, PreparedCatalog] = weakref.WeakKeyDictionary()


def prepare(catalog: Catalog) -> PreparedCatalog:
    """The facts of every model in ``catalog``, computed on first use and kept with it."""
    prepared = _PREPARED.get(catalog)
    if prepared is None:
        prepared = _PREPARED[catalog] = _prepare(catalog)
    return prepared


def _aa(model: Model | None, signal: str) -> float | None:
    aa = model.benchmarks.artificial_analysis if model and model.benchmarks else None
    return getattr(aa, signal) if aa else None


def _line(points: Sequence[tuple[float, float]]) -> Line | None:
    if len(points) < 10 or len({x for x, _ in points}) < 2:
        return None
    slope, intercept = statistics.linear_regression(*zip(*points, strict=True))
    return slope, intercept, statistics.pstdev(y - intercept - slope * x for x, y in points)


@dataclass(frozen=True)
class _Fits:
    """What one catalog's benchmarked models say, fitted once: each signal's percentiles, lines
    that rescale one benchmark to another, and lines from log price to the signal (per reasoning
    group), used to estimate the quality of models without the benchmark."""

    percentiles: dict[str, list[float]]
    rescale: dict[str, dict[Signal, Line | None]]
    by_price: dict[str, dict[bool, Line | None]]


def _alias_target(catalog: Catalog, model: Model) -> Model | None:
    """What a ``~...-latest`` alias points at, when the catalog has it."""
    return catalog.get(model.alias_target.slug or "") if model.alias_target else None


def _log_price(catalog: Catalog, model: Model | None) -> float | None:
    blended = catalog.facts(model).blended_per_m if model else None
    return math.log10(blended) if blended else None


def _pairs(
    measured: Sequence[Model],
    signal: Signal,
    x_of: Callable[[Model], float | None],
    group: bool | None = None,
) -> list[tuple[float, float]]:
    """(x, signal) over the benchmarked models, optionally of one reasoning group only."""
    return [
        (x, y)
        for m in measured
        if group in (None, "reasoning" in m.supported_parameters)
        and (x := x_of(m)) is not None
        and (y := _aa(m, signal)) is not None
    ]


def _fit(catalog: Catalog) -> _Fits:
    measured = [m for m in catalog.models if not m.variant and not m.pricing.is_dynamic]
    log_price = functools.partial(_log_price, catalog)
    percentiles: dict[str, list[float]] = {}
    rescale: dict[str, dict[Signal, Line | None]] = {}
    by_price: dict[str, dict[bool, Line | None]] = {}
    for signal in SIGNALS:
        values = sorted(v for m in measured if (v := _aa(m, signal)) is not None)
        percentiles[signal] = [0.0, *statistics.quantiles(values, n=100)] if len(values) > 1 else []
        rescale[signal] = {
            other: _line(_pairs(measured, signal, functools.partial(_aa, signal=other)))
            for other in SIGNALS
            if other != signal
        }
        by_price[signal] = {
            group: _line(_pairs(measured, signal, log_price, group)) for group in (False, True)
        }
    return _Fits(percentiles, rescale, by_price)


def _estimate(catalog: Catalog, fits: _Fits, m: Model, signal: Signal) -> tuple[float | None, str]:
    """A model's score on ``signal`` and where it comes from: its own benchmark, its alias target's
    or base model's, another benchmark rescaled, or its price tier."""
    ref = _alias_target(catalog, m) or (catalog.get(m.base_id) if m.variant else None)
    for source, suffix in ((m, ""), (ref, f" of {ref.id if ref else ''}")):
        if (value := _aa(source, signal)) is not None:
            return value, f"artificial_analysis.{signal}{suffix}"
    for other, line in fits.rescale[signal].items():
        if line and (x := _first(_aa(m, other), _aa(ref, other))) is not None:
            return _score(line, x), f"artificial_analysis.{other} rescaled to {signal}"
    line = fits.by_price[signal]["reasoning" in m.supported_parameters]
    if line and (lp := _first(_log_price(catalog, m), _log_price(catalog, ref))) is not None:
        return _score(line, lp, -line[2]), "fallback: price-tier estimate (no benchmark)"
    return None, "none: no benchmark and no price to estimate from"


def _facts_of(catalog: Catalog, fits: _Fits, m: Model) -> ModelFacts:
    return ModelFacts(
        model=m,
        group=(_alias_target(catalog, m) or m).base_id.lower(),
        author=m.author.lstrip("~").lower(),
        router=m.id.startswith("openrouter/") or m.pricing.is_dynamic,
        batch=m.variant == "batch",
        max_output=m.max_completion_tokens,
        expires=_parse_date(m.expiration_date),
        offers=terms(
            m.supported_parameters,
            m.architecture.input_modalities,
            m.architecture.output_modalities,
        ),
        context=context_of(m),
        tier=_tier(m, catalog),
        quality={signal: _estimate(catalog, fits, m, signal) for signal in SIGNALS},
        rates=workload_rates(m.pricing),
        media=m.billing_kind != "token",
    )


def _ties(facts: Sequence[ModelFacts]) -> tuple[int, ...]:
    """Each model's place in the order that breaks ranking ties: (is an alias, id), then
    catalog order."""
    order = sorted(
        range(len(facts)),
        key=lambda i: (facts[i].model.alias_target is not None, facts[i].model.id, i),
    )
    ties = [0] * len(facts)
    for place, i in enumerate(order):
        ties[i] = place
    return tuple(ties)


def _prepare(catalog: Catalog) -> PreparedCatalog:
    fits = _fit(catalog)
    facts = [_facts_of(catalog, fits, m) for m in catalog.models]
    scores: dict[str, tuple[float, ...]] = {
        signal: tuple(-1.0 if (q := f.quality[signal][0]) is None else q for f in facts)
        for signal in SIGNALS
    }
    return PreparedCatalog(
        facts=tuple(facts),
        percentiles=fits.percentiles,
        authors=frozenset(f.author for f in facts),
        index=ModelIndex(facts),
        ids=tuple(f.model.id for f in facts),
        groups=tuple(f.group for f in facts),
        ties=_ties(facts),
        scores=scores,
    )


def _tier(model: Model, catalog: Catalog) -> str:
    if model.is_free:
        return "free"
    blended = catalog.facts(model).blended_per_m or Decimal(0)
    return next((name for bound, name in TIERS if blended < bound), "premium")


def _score(line: Line, x: float, shift: float = 0.0) -> float:
    """A point on a fitted line, moved by ``shift``, on the 0-100 scale to one decimal."""
    return round(min(100.0, max(0.0, line[1] + line[0] * x + shift)), 1)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
