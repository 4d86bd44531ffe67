"""The model catalog: indexes built once, lookup by any spelling of an id, filter, sort and page.

Decisions:
- Lookup accepts the exact ``id``, the ``canonical_slug``, any letter case, with or without a
  ``:variant`` suffix. A variant that the catalog lists (``:free``, ``:extended``, ``:thinking``,
  ``:exacto``, ``:batch``) resolves to that listed model and its own prices; a routing variant
  (``:floor``, ``:nitro``, ``:online``) resolves to the base model and is returned for the pricing
  layer to apply. Anything else is an error that lists the variants the model has.
- An unknown id answers with up to five close ids (edit distance on ids, then shared words).
- Every sort has a deterministic tie-break on the id, so paging never repeats or skips a model.
- Indexes and the per-million prices used by filters and sorts are computed once per catalog, on
  first use rather than at load (a catalog that only prices never pays for them): filters
  intersect per-author, per-modality and per-parameter sets of model positions before looking at
  any model, and each sort order (per key and direction) is ranked once, so a search costs set
  operations and one sort of the matches by rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from .errors import UnknownModelError, UnknownVariantError
from .limits import SortKey
from .money import ONE_MILLION, ZERO, exactly
from .schema import Model

if TYPE_CHECKING:
    from .video import VideoListing, VideoModel

ROUTING_VARIANTS = frozenset({"floor", "nitro", "online"})
# Blended price weighs prompt and completion 3:1, the usual input/output mix of chat workloads.
BLEND_PROMPT_WEIGHT = Decimal(3)
BLEND_COMPLETION_WEIGHT = Decimal(1)


@dataclass(frozen=True)
class Resolved:
    """A model reference resolved against the catalog."""

    model: Model
    routing_variant: str | None  # floor, nitro or online; None for a plain or listed-variant id

    @property
    def variant(self) -> str | None:
        """The variant in effect: the routing one, or the listed model's own suffix."""
        return self.routing_variant or self.model.variant


@dataclass(frozen=True)
class ModelFilter:
    query: str | None = None
    author: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ("text",)
    supports: tuple[str, ...] = ()
    min_context: int | None = None
    max_prompt_per_m: Decimal | None = None
    max_completion_per_m: Decimal | None = None
    free_only: bool = False
    exclude_free: bool = False
    sort: SortKey = "name"
    descending: bool = False
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Page:
    models: tuple[Model, ...]
    total: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True)
class _Facts:
    """What filters and sorts need of one model, computed once."""

    prompt_per_m: Decimal | None  # None when dynamic
    completion_per_m: Decimal | None
    blended_per_m: Decimal | None
    search_text: str
    is_free: bool


def _facts(model: Model) -> _Facts:
    pricing = model.pricing
    if pricing.is_dynamic:
        prompt = completion = blended = None
    else:
        with exactly():  # a filter at a price boundary compares exact values
            prompt = (pricing.prompt or ZERO) * ONE_MILLION
            completion = (pricing.completion or ZERO) * ONE_MILLION
            blended = (prompt * BLEND_PROMPT_WEIGHT + completion * BLEND_COMPLETION_WEIGHT) / (
                BLEND_PROMPT_WEIGHT + BLEND_COMPLETION_WEIGHT
            )
    text = " ".join((model.id, model.name, model.description or "")).lower()
    return _Facts(prompt, completion, blended, text, model.is_free)


def context_of(model: Model) -> int:
    """The model's context window (the top provider's when the model lists none)."""
    if model.context_length:
        return model.context_length
    top = model.top_provider
    return (top.context_length or 0) if top else 0


class _Index:
    """What filters and sorts read, by model position in the catalog."""

    def __init__(self, models: Sequence[Model], facts: Mapping[str, _Facts]) -> None:
        self.everyone = frozenset(range(len(models)))
        self.facts = [facts[model.id] for model in models]
        self.context = [context_of(model) for model in models]
        self.authors: dict[str, set[int]] = {}
        self.inputs: dict[str, set[int]] = {}
        self.outputs: dict[str, set[int]] = {}
        self.parameters: dict[str, set[int]] = {}
        for position, model in enumerate(models):
            self.authors.setdefault(model.author.lower(), set()).add(position)
            for modality in model.architecture.input_modalities:
                self.inputs.setdefault(modality.lower(), set()).add(position)
            for modality in model.architecture.output_modalities:
                self.outputs.setdefault(modality.lower(), set()).add(position)
            for parameter in model.supported_parameters:
                self.parameters.setdefault(parameter, set()).add(position)
        # position -> rank, per (sort key, descending); filled in on first use of each
        self.ranks: dict[tuple[SortKey, bool], list[int]] = {}


_NONE: frozenset[int] = frozenset()


def _at_most(price: Decimal | None, most: Decimal) -> bool:
    return price is not None and price <= most


class Catalog:
    """An immutable, indexed set of models."""

    def __init__(self, models: Iterable[Model], videos: VideoListing | None = None) -> None:
        self.models: tuple[Model, ...] = tuple(models)
        self.videos = videos  # /videos/models: the prices of the video models
        self._by_key: dict[str, Model] = {}
        for model in self.models:
            self._by_key.setdefault(model.id.lower(), model)
        for model in self.models:
            if model.canonical_slug:
                slug = model.canonical_slug.lower()
                suffix = f":{model.variant}" if model.variant else ""
                self._by_key.setdefault(slug + suffix, model)

    @cached_property
    def _facts(self) -> dict[str, _Facts]:
        return {model.id: _facts(model) for model in self.models}

    @cached_property
    def _lower_ids(self) -> list[str]:
        return [model.id.lower() for model in self.models]

    @cached_property
    def _index(self) -> _Index:
        return _Index(self.models, self._facts)

    @cached_property
    def _position(self) -> dict[str, int]:
        return {model.id: position for position, model in enumerate(self.models)}

    def __len__(self) -> int:
        return len(self.models)

    def video_of(self, model: Model) -> VideoModel | None:
        """The video listing's entry for ``model`` (its prices), when the listing has it."""
        if self.videos is None:
            return None
        return self.videos.get(model.id, model.canonical_slug)

    def get(self, model_id: str) -> Model | None:
        """The model with exactly this id or canonical slug (any case), else ``None``."""
        return self._by_key.get(model_id.strip().lower())

    def variants_of(self, base_id: str) -> list[str]:
        prefix = base_id.lower() + ":"
        return sorted(m.variant or "" for m in self.models if m.id.lower().startswith(prefix))

    def resolve(self, reference: str) -> Resolved:
        """Resolve an id as an agent might write it; raises ``UnknownModelError`` with close
        matches, or ``UnknownVariantError`` naming the variants the model has."""
        ref = reference.strip()
        exact = self.get(ref)
        if exact is not None:
            return Resolved(exact, None)
        base_ref, sep, variant = ref.rpartition(":")
        if not sep or not base_ref:
            raise UnknownModelError(ref, self.suggest(ref))
        variant = variant.lower()
        base = self.get(base_ref)
        if base is None:
            raise UnknownModelError(ref, self.suggest(base_ref))
        if variant in ROUTING_VARIANTS:
            return Resolved(base, variant)
        listed = self.variants_of(base.id)
        have = ", ".join(f":{v}" for v in listed) if listed else "none listed"
        routing = ", ".join(f":{v}" for v in sorted(ROUTING_VARIANTS))
        raise UnknownVariantError(
            f"{base.id} has no ':{variant}' variant (its listed variants: {have}; routing "
            f"variants for any model: {routing}); use one of those or the plain id."
        )

    def suggest(self, reference: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` ids close to ``reference``: by spelling first, then by shared words."""
        import difflib  # only an unknown id needs it: not paid at start-up

        needle = reference.strip().lower()[:200]
        if not needle:
            return []
        close = difflib.get_close_matches(needle, self._lower_ids, n=limit, cutoff=0.6)
        found = [self.models[self._lower_ids.index(c)].id for c in close]
        if len(found) < limit:
            words = [w for w in needle.replace("/", " ").replace("-", " ").split() if len(w) > 2]
            for model in self.models:
                if len(found) >= limit:
                    break
                if model.id not in found and words and all(w in model.id.lower() for w in words):
                    found.append(model.id)
        return found[:limit]

    def facts(self, model: Model) -> _Facts:
        return self._facts.get(model.id) or _facts(model)

    def filter(self, spec: ModelFilter) -> list[Model]:
        """Every model that meets ``spec`` (no sorting or paging)."""
        return [self.models[position] for position in self._matching(spec)]

    def _matching(self, spec: ModelFilter) -> list[int]:
        """The positions of the models that meet ``spec``, in catalog order."""
        return sorted(self._matches(spec))

    def _matches(self, spec: ModelFilter) -> list[int]:
        """The positions of the models that meet ``spec``, in no particular order: set operations
        on the indexes first, then one pass per filter that was given (most calls give none)."""
        index = self._index
        query = (spec.query or "").strip().lower()
        author = (spec.author or "").strip().lower()
        required: list[Set[int]] = [index.authors.get(author, _NONE)] if author else []
        required += [index.inputs.get(m.lower(), _NONE) for m in spec.input_modalities]
        required += [index.outputs.get(m.lower(), _NONE) for m in spec.output_modalities]
        required += [index.parameters.get(p.lower(), _NONE) for p in spec.supports]
        found = list(index.everyone.intersection(*sorted(required, key=len)))
        facts = index.facts
        if query:
            found = [p for p in found if query in facts[p].search_text]
        if spec.min_context is not None:
            context, least = index.context, spec.min_context
            found = [p for p in found if context[p] >= least]
        if spec.free_only:
            found = [p for p in found if facts[p].is_free]
        if spec.exclude_free:
            found = [p for p in found if not facts[p].is_free]
        if (most := spec.max_prompt_per_m) is not None:
            found = [p for p in found if _at_most(facts[p].prompt_per_m, most)]
        if (most := spec.max_completion_per_m) is not None:
            found = [p for p in found if _at_most(facts[p].completion_per_m, most)]
        return found

    def _sort_value(self, model: Model, key: SortKey) -> Decimal | int | float | str | None:
        facts = self._facts[model.id]
        match key:
            case "prompt_price":
                return facts.prompt_per_m
            case "completion_price":
                return facts.completion_per_m
            case "blended_price":
                return facts.blended_per_m
            case "context":
                return context_of(model)
            case "newest":
                return model.created
            case "intelligence":
                return model.intelligence_index
            case _:
                return (model.name or model.id).lower()

    def _ranks(self, key: SortKey, descending: bool) -> list[int]:
        """Position -> rank in the catalog sorted by ``key``: models without a value last in
        either direction, ties (and the models without a value) by id."""
        ranks = self._index.ranks.get((key, descending))
        if ranks is None:
            models = self.models
            values = [self._sort_value(model, key) for model in models]
            present = [i for i, value in enumerate(values) if value is not None]
            missing = sorted(
                (i for i, v in enumerate(values) if v is None), key=lambda i: models[i].id
            )
            present.sort(key=lambda i: models[i].id)
            present.sort(key=values.__getitem__, reverse=descending)  # type: ignore[arg-type]
            ranks = [0] * len(models)
            for rank, position in enumerate(present + missing):
                ranks[position] = rank
            self._index.ranks[(key, descending)] = ranks
        return ranks

    def sort(self, models: Sequence[Model], key: SortKey, descending: bool = False) -> list[Model]:
        """Sorted by ``key``; models without a value for it (dynamic prices, no benchmark) go last
        in either direction, and ties are broken by id."""
        ranks, position = self._ranks(key, descending), self._position
        return sorted(models, key=lambda model: ranks[position[model.id]])

    def vocabulary(self) -> dict[str, frozenset[str]]:
        """Every value the list filters can match, by filter name (lower case)."""
        index = self._index
        return {
            "author": frozenset(index.authors),
            "input_modalities": frozenset(index.inputs),
            "output_modalities": frozenset(index.outputs),
            "supports": frozenset(p.lower() for p in index.parameters),
        }

    def search(self, spec: ModelFilter) -> Page:
        """Filter, sort and page. With a ``query``, models whose id or name holds it come before
        those that hold it only in their description; each group in the asked order."""
        matches = self._matches(spec)  # the ranks order them totally: no catalog order needed
        ranks = self._ranks(spec.sort, spec.descending)
        query = (spec.query or "").strip().lower()
        if query:
            models = self.models

            def in_description_only(position: int) -> bool:
                model = models[position]
                return query not in model.id.lower() and query not in model.name.lower()

            matches.sort(key=lambda p: (in_description_only(p), ranks[p]))
        else:
            matches.sort(key=ranks.__getitem__)
        window = matches[spec.offset : spec.offset + spec.limit]
        end = spec.offset + len(window)
        return Page(
            models=tuple(self.models[position] for position in window),
            total=len(matches),
            offset=spec.offset,
            next_offset=end if end < len(matches) else None,
        )
