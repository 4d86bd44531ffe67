"""Pydantic models of OpenRouter's objects: models, pricing, endpoints, key, credits, generations.

Decisions:
- Tolerant by design: unknown fields are ignored (OpenRouter adds fields over time) and every field
  that older snapshots lack is optional. A model that still fails to parse is reported by
  ``parse_models`` and skipped, never fatal to the rest of the catalog.
- Prices become ``Decimal`` here, through ``money.parse_price``; a price that is not listed stays
  ``None`` (priced as zero, but "not listed" matters: a cache read that is not listed is billed at
  the prompt rate, and ``internal_reasoning`` that is not listed means reasoning is billed as
  completion).
- USD amounts that OpenRouter sends as JSON numbers (balances, generation costs) become ``Decimal``
  through ``money.parse_amount`` on the digits as written.
- Cheap to import and to use: schemas are built on first use (``defer_build``), not at import, so
  a cold start does not pay for them; a price string seen before is not parsed again (a catalog
  repeats a few hundred distinct prices thousands of times); what is derived from a model's
  fields (listed prices, dynamic, free, variant, author...) is computed once per object
  (``cached_property``; the objects are frozen, and ``model_copy(update=...)`` drops the cache).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .money import DYNAMIC_PRICE, parse_amount, parse_price

if TYPE_CHECKING:
    from .billing import BillingKind

_PARSED_PRICES: dict[str, Decimal] = {}
_PARSED_PRICES_LIMIT = 8192


def _price(value: Any) -> Decimal | None:
    """``money.parse_price``, remembering what each price string parsed to (``None`` stays)."""
    if type(value) is not str:
        return None if value is None else parse_price(value)
    price = _PARSED_PRICES.get(value)
    if price is None:
        price = parse_price(value)  # raises on a malformed price: never remembered
        if len(_PARSED_PRICES) >= _PARSED_PRICES_LIMIT:
            _PARSED_PRICES.clear()
        _PARSED_PRICES[value] = price
    return price


Price = Annotated[Decimal | None, BeforeValidator(_price)]
Amount = Annotated[Decimal | None, BeforeValidator(parse_amount)]


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, without the values cached from the old fields."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            fields = type(self).model_fields
            for name in [key for key in copied.__dict__ if key not in fields]:
                del copied.__dict__[name]
        return copied


# Per-token keys, in the order line items are shown.
TOKEN_PRICE_KEYS = (
    "prompt",
    "completion",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "audio_output",
    "input_audio_cache",
    "image_token",
)
# Per-unit keys: per input image, per output image, per web search, per request.
UNIT_PRICE_KEYS = ("image", "image_output", "web_search", "request")
PRICE_KEYS = TOKEN_PRICE_KEYS + UNIT_PRICE_KEYS


class PriceSet(_Tolerant):
    """Every price key OpenRouter lists, in USD per token or per unit; ``None`` when not listed."""

    prompt: Price = None
    completion: Price = None
    internal_reasoning: Price = None
    input_cache_read: Price = None
    input_cache_write: Price = None
    input_cache_write_1h: Price = None
    audio: Price = None
    audio_output: Price = None
    input_audio_cache: Price = None
    image_token: Price = None
    image: Price = None
    image_output: Price = None
    web_search: Price = None
    request: Price = None

    @cached_property
    def listed_rates(self) -> Mapping[str, Decimal]:
        """The prices that are listed, by key (zeros included), read-only and computed once."""
        fields = self.__dict__
        return MappingProxyType(
            {key: value for key in PRICE_KEYS if (value := fields[key]) is not None}
        )

    def listed(self) -> dict[str, Decimal]:
        """The prices that are listed, by key (zeros included)."""
        return dict(self.listed_rates)

    def _lists_dynamic(self) -> bool:
        return any(value == DYNAMIC_PRICE for value in self.listed_rates.values())

    @cached_property
    def is_dynamic(self) -> bool:
        """True when any listed price is OpenRouter's ``-1`` (decided per request by a router)."""
        return self._lists_dynamic()


def _whole(value: Any, rounding: str) -> Any:
    if isinstance(value, float | str | Decimal) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            return value  # not a number: the int validation says so
        if number.is_finite():
            return int(number.to_integral_value(rounding=rounding))
    return value


def _whole_threshold(value: Any) -> Any:
    """``min_prompt_tokens`` is a number (a double in the spec); prompts are whole tokens, so
    "more than 1000.5 tokens" is "more than 1000": the threshold is floored, never refused."""
    return _whole(value, ROUND_FLOOR)


def _whole_minute(value: Any) -> Any:
    """``utc_start``/``utc_end`` are doubles too; the clock is read to the minute (HHMM), and a
    minute is at or past 1030.5 exactly when it is at or past 1031: the bound is rounded up."""
    return _whole(value, ROUND_CEILING)


def _price_text(value: Any) -> bool:
    try:
        return isinstance(value, str) and _price(value) is not None
    except ValueError:
        return False


_CONDITION_PREFIXES = ("min_", "max_", "utc_")  # conditions, whatever their value looks like


class PricingOverride(PriceSet):
    """A conditional price set: tiered (``min_prompt_tokens``) or time-of-day (UTC HHMM window).

    Other keys are kept (``extra="allow"``): the spec applies an entry only when all of its
    conditions hold, so an entry with a condition this server does not know must not be applied
    blindly. A kept key whose value is a price string is taken for a price key the server does
    not know yet, unless its name reads as a condition (``min_``, ``max_``, ``utc_``); any other
    is an unknown condition (``unknown_conditions``).
    """

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    min_prompt_tokens: Annotated[int | None, BeforeValidator(_whole_threshold)] = None
    utc_start: Annotated[int | None, BeforeValidator(_whole_minute)] = None
    utc_end: Annotated[int | None, BeforeValidator(_whole_minute)] = None

    @cached_property
    def unknown_conditions(self) -> tuple[str, ...]:
        """The keys of conditions the server does not know (``min_completion_tokens``...), or
        cannot evaluate (a window with one bound)."""
        extra = self.__pydantic_extra__ or {}
        unknown = {
            key
            for key, value in extra.items()
            if key.startswith(_CONDITION_PREFIXES) or not _price_text(value)
        }
        if (self.utc_start is None) != (self.utc_end is None):
            unknown.add("utc_start" if self.utc_end is None else "utc_end")
        return tuple(sorted(unknown))


def _no_overrides_if_null(value: Any) -> Any:
    return () if value is None else value  # "overrides": null lists none


class Pricing(PriceSet):
    overrides: Annotated[tuple[PricingOverride, ...], BeforeValidator(_no_overrides_if_null)] = ()
    discount: Amount = None

    @cached_property
    def is_free(self) -> bool:
        """Free to use: no listed price above zero (and not dynamic)."""
        values = self.listed_rates.values()
        return not self.is_dynamic and all(value == 0 for value in values)

    @cached_property
    def is_dynamic(self) -> bool:
        return self._lists_dynamic() or any(o.is_dynamic for o in self.overrides)


class Architecture(_Tolerant):
    modality: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    tokenizer: str | None = None
    instruct_type: str | None = None


class TopProvider(_Tolerant):
    context_length: int | None = None
    max_completion_tokens: int | None = None
    is_moderated: bool | None = None


class ArtificialAnalysis(_Tolerant):
    intelligence_index: float | None = None
    coding_index: float | None = None
    agentic_index: float | None = None


class Benchmarks(_Tolerant):
    artificial_analysis: ArtificialAnalysis | None = None


class ReasoningInfo(_Tolerant):
    mandatory: bool | None = None
    default_enabled: bool | None = None
    supported_efforts: tuple[str, ...] | None = None
    default_effort: str | None = None


class AliasTarget(_Tolerant):
    """Where a ``~author/name-latest`` alias points."""

    slug: str | None = None
    name: str | None = None


class Model(_Tolerant):
    id: str
    canonical_slug: str | None = None
    name: str = ""
    created: int | None = None
    description: str | None = None
    context_length: int | None = None
    architecture: Architecture = Architecture()
    pricing: Pricing
    top_provider: TopProvider | None = None
    supported_parameters: tuple[str, ...] = ()
    expiration_date: str | None = None
    knowledge_cutoff: str | None = None
    hugging_face_id: str | None = None
    alias_target: AliasTarget | None = None
    reasoning: ReasoningInfo | None = None
    benchmarks: Benchmarks | None = None

    @cached_property
    def base_id(self) -> str:
        """The id without its ``:variant`` suffix."""
        return self.id.split(":", 1)[0]

    @cached_property
    def variant(self) -> str | None:
        """The listed variant (``free``, ``extended``, ``batch``, ...), or ``None``."""
        _, sep, variant = self.id.partition(":")
        return variant if sep else None

    @cached_property
    def author(self) -> str:
        return self.id.split("/", 1)[0]

    @cached_property
    def max_completion_tokens(self) -> int | None:
        return self.top_provider.max_completion_tokens if self.top_provider else None

    @cached_property
    def intelligence_index(self) -> float | None:
        aa = self.benchmarks.artificial_analysis if self.benchmarks else None
        return aa.intelligence_index if aa else None

    @cached_property
    def billing_kind(self) -> BillingKind:
        """How this model is billed (``billing.billing_kind``): token, image, video, ..."""
        from .billing import billing_kind

        return billing_kind(self)

    @cached_property
    def is_free(self) -> bool:
        """Free to use (``billing.is_free``): never a media model whose "0" means "billed another
        way"."""
        from .billing import is_free

        return is_free(self)


class Endpoint(_Tolerant):
    """One provider's endpoint for a model (``/models/{author}/{slug}/endpoints``)."""

    name: str | None = None
    model_id: str | None = None
    model_name: str | None = None
    provider_name: str | None = None
    tag: str | None = None
    quantization: str | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    max_prompt_tokens: int | None = None
    pricing: Pricing
    supported_parameters: tuple[str, ...] = ()
    supports_implicit_caching: bool | None = None
    status: int | None = None
    uptime_last_30m: float | None = None


class KeyInfo(_Tolerant):
    """``GET /key``: what the key in use has spent and may still spend (USD)."""

    label: str | None = None
    limit: Amount = None
    limit_remaining: Amount = None
    limit_reset: str | None = None
    include_byok_in_limit: bool | None = None
    usage: Amount = None
    usage_daily: Amount = None
    usage_weekly: Amount = None
    usage_monthly: Amount = None
    byok_usage: Amount = None
    byok_usage_daily: Amount = None
    byok_usage_weekly: Amount = None
    byok_usage_monthly: Amount = None
    is_free_tier: bool | None = None
    is_management_key: bool | None = None
    expires_at: str | None = None


class Credits(_Tolerant):
    """``GET /credits``: the account's purchased credits and usage (USD)."""

    total_credits: Amount = None
    total_usage: Amount = None


class Generation(_Tolerant):
    """``GET /generation?id=``: what one finished request really cost."""

    id: str
    model: str | None = None
    provider_name: str | None = None
    total_cost: Amount = None
    cache_discount: Amount = None
    upstream_inference_cost: Amount = None
    usage: Amount = None
    is_byok: bool | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    native_tokens_prompt: int | None = None
    native_tokens_completion: int | None = None
    native_tokens_reasoning: int | None = None
    native_tokens_cached: int | None = None
    native_tokens_completion_images: int | None = None
    num_media_prompt: int | None = None
    num_media_completion: int | None = None
    api_type: str | None = None
    num_search_results: int | None = None
    latency: float | None = None
    generation_time: float | None = None
    created_at: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    streamed: bool | None = None
    cancelled: bool | None = None


@dataclass(frozen=True)
class ParseProblem:
    """A catalog entry that could not be parsed, with why (shown in logs and catalog summaries)."""

    index: int
    model_id: str | None
    reason: str


def parse_models(raw: Any) -> tuple[list[Model], list[ParseProblem]]:
    """Parse a ``/models`` body (``{"data": [...]}`` or a bare list) model by model.

    A malformed model is reported and skipped; the rest are kept. Duplicated ids keep the first.
    Raises ``ValueError`` only when the body has no model list at all.
    """
    items = raw.get("data") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError("expected a JSON object with a 'data' list of models, or a list")
    parsed: list[tuple[int, Model]] = []
    problems: list[ParseProblem] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, Model.model_validate(item)))
        except ValidationError as exc:
            model_id = item.get("id") if isinstance(item, dict) else None
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            problems.append(ParseProblem(index, model_id, f"{where}: {first['msg']}"))
    models, duplicates = _first_of_each_id(parsed)
    return models, sorted(problems + duplicates, key=lambda problem: problem.index)


class ModelList(_Tolerant):
    """A ``/models`` body in which every model parses: what ``parse_models_json`` tries first."""

    data: list[Model]


def _first_of_each_id(
    parsed: Iterable[tuple[int, Model]],
) -> tuple[list[Model], list[ParseProblem]]:
    """The models (with their place in the body) without repeated ids: the first is kept, every
    later one reported."""
    seen: set[str] = set()
    kept: list[Model] = []
    problems: list[ParseProblem] = []
    for index, model in parsed:
        if model.id in seen:
            problems.append(ParseProblem(index, model.id, "duplicate id"))
            continue
        seen.add(model.id)
        kept.append(model)
    return kept, problems


def unique_models(models: list[Model]) -> tuple[list[Model], list[ParseProblem]]:
    """``models`` without repeated ids (the first kept), as ``parse_models`` keeps them."""
    return _first_of_each_id(enumerate(models))


def parse_models_json(body: bytes) -> tuple[list[Model], list[ParseProblem]]:
    """``parse_models`` of a ``/models`` JSON document, decoded and validated in one pass when every
    model in it parses (pydantic reads the bytes itself: no Python objects for the raw JSON), else
    model by model. Raises ``ValueError`` for bytes that are not JSON or hold no model list."""
    try:
        return unique_models(ModelList.model_validate_json(body).data)
    except ValidationError:
        pass  # a malformed model, or another shape: the tolerant path says which
    return parse_models(json.loads(body))


def parse_endpoints(raw: Any) -> list[Endpoint]:
    """Parse a ``/models/{author}/{slug}/endpoints`` body; malformed endpoints are skipped."""
    data = raw.get("data") if isinstance(raw, dict) else None
    items = data.get("endpoints") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("expected {'data': {'endpoints': [...]}}")
    endpoints = []
    for item in items:
        try:
            endpoints.append(Endpoint.model_validate(item))
        except ValidationError:
            continue
    return endpoints
