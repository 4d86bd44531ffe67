"""The pricing engine: a usage times a model's pricing gives an exact, itemised cost.

Decisions:
- Usage is priced the way OpenRouter bills it: cached reads and cache writes are parts of the
  prompt, reasoning is part of the completion. Each part is priced at its own rate and only the
  remainder at the base rate, so nothing is counted twice; a part larger than its parent is an
  error, never a negative remainder.
- A part whose own price is not listed falls back to its parent's rate: a cache read without
  ``input_cache_read`` costs the prompt rate; reasoning without a positive ``internal_reasoning``
  costs the completion rate (2025 snapshots list ``internal_reasoning: "0"`` for models that bill
  reasoning as completion, so zero means "not separately priced" for this one key).
- Overrides apply in list order, later entries winning per key: ``min_prompt_tokens`` when the
  prompt has strictly more tokens than the threshold, a ``utc_start``/``utc_end`` HHMM window
  (start inclusive, end exclusive, wrapping midnight when start > end). An entry with a condition
  the server does not know is never applied; when its known conditions hold, a warning names it.
- A ``-1`` (dynamic) rate that the usage would need is an error: a router has no fixed price.
- A listing without a ``completion`` price (the spec requires one) makes completion tokens an
  error, not $0.
- Money is ``Decimal`` throughout and never rounded (``money.exactly``, not the default 28-digit
  context); N requests cost exactly N times one request.
- Hot path (``recommend_model`` prices every eligible model per call): a ``Usage`` is validated
  once (it is frozen, so it stays valid), the listed rates are the pricing's cached mapping,
  copied only when an override applies, and ``price_totals`` gives the same two sums as
  ``price_usage``, digit for digit (one shared ``_priced_parts``), without building line items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from .errors import DynamicPriceError, MissingPriceError, UsageError
from .limits import MAX_REQUESTS, MAX_TOKENS_PER_REQUEST, MAX_UNITS_PER_REQUEST
from .money import DYNAMIC_PRICE, ZERO, exactly
from .schema import PRICE_KEYS, Pricing, PricingOverride

CacheWriteTTL = Literal["5m", "1h"]


# OpenRouter's web plugin (":online" on a model without native search) uses Exa: $4 per 1,000
# results, 5 results per request by default.
EXA_PRICE_PER_RESULT = Decimal("0.004")
EXA_DEFAULT_RESULTS = 5


_VALIDATED = "_validated"  # set on a Usage (outside its fields) once it passed ``validate``


@dataclass(frozen=True)
class Usage:
    """What one request uses; ``requests`` identical requests are priced together."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0  # part of completion_tokens
    cached_prompt_tokens: int = 0  # part of prompt_tokens (cache reads)
    cache_write_tokens: int = 0  # part of prompt_tokens
    cache_write_ttl: CacheWriteTTL = "5m"
    images: int = 0  # input images, priced per image
    web_searches: int = 0
    requests: int = 1

    def validate(self) -> None:
        """Raise ``UsageError`` with one actionable sentence when this usage cannot be priced."""
        if self.__dict__.get(_VALIDATED):
            return
        self._check_counts()
        self._check_parts()
        object.__setattr__(self, _VALIDATED, True)  # frozen: valid once, valid for good

    def _check_counts(self) -> None:
        """Every count a whole number, at least 0, and within its bound."""
        token_counts = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
            "cache_write_tokens": self.cache_write_tokens,
        }
        unit_counts = {"images": self.images, "web_searches": self.web_searches}
        for name, value in {**token_counts, **unit_counts, "requests": self.requests}.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise UsageError(f"{name} must be a whole number, got {value!r}.")
            if value < 0:
                raise UsageError(f"{name} cannot be negative (got {value}); use 0 or more.")
        for name, value in token_counts.items():
            if value > MAX_TOKENS_PER_REQUEST:
                raise UsageError(
                    f"{name}={value} is beyond any model's context; "
                    f"give at most {MAX_TOKENS_PER_REQUEST:,} per request."
                )
        for name, value in unit_counts.items():
            if value > MAX_UNITS_PER_REQUEST:
                raise UsageError(
                    f"{name}={value} is too many; give at most {MAX_UNITS_PER_REQUEST:,}."
                )
        if self.requests < 1 or self.requests > MAX_REQUESTS:
            raise UsageError(
                f"requests must be between 1 and {MAX_REQUESTS:,}, got {self.requests}."
            )

    def _check_parts(self) -> None:
        """Each part within its parent (reasoning in completion, cache reads and writes in the
        prompt), and a cache TTL OpenRouter prices."""
        if self.reasoning_tokens > self.completion_tokens:
            raise UsageError(
                f"reasoning_tokens ({self.reasoning_tokens}) is part of completion_tokens "
                f"({self.completion_tokens}) and cannot exceed it; raise completion_tokens."
            )
        cached_parts = self.cached_prompt_tokens + self.cache_write_tokens
        if cached_parts > self.prompt_tokens:
            raise UsageError(
                f"cached_prompt_tokens + cache_write_tokens ({cached_parts}) are parts of "
                f"prompt_tokens ({self.prompt_tokens}) and cannot exceed it; raise prompt_tokens."
            )
        if self.cache_write_ttl not in ("5m", "1h"):
            raise UsageError(f"cache_write_ttl must be '5m' or '1h', got {self.cache_write_ttl!r}.")


@dataclass(frozen=True)
class LineItem:
    """One priced part of the usage, for all requests together."""

    component: str  # prompt, cache_read, cache_write, completion, reasoning, image, web_search, ...
    quantity: int | Decimal  # whole units, or a Decimal for seconds of media
    unit: str  # token, image, search, request; media: second, video_token, image_token, ...
    unit_price: Decimal  # USD per unit
    cost: Decimal  # quantity x unit_price, exactly


@dataclass(frozen=True)
class AppliedOverride:
    """An override that changed the rates for this usage."""

    kind: Literal["tier", "time_window"]
    description: str
    min_prompt_tokens: int | None = None
    utc_start: str | None = None  # "HH:MM"
    utc_end: str | None = None


@dataclass(frozen=True)
class CostBreakdown:
    line_items: tuple[LineItem, ...]
    total: Decimal
    per_request: Decimal
    requests: int
    applied_overrides: tuple[AppliedOverride, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def _hhmm(value: int) -> str:
    return f"{value // 100:02d}:{value % 100:02d}"


def _in_window(start: int, end: int, at: datetime) -> bool:
    now = at.hour * 100 + at.minute
    if start == end:
        return True
    if start < end:
        return start <= now < end
    return now >= start or now < end  # wraps midnight


def _override_applies(
    override: PricingOverride, prompt_tokens: int, at: datetime, *, known_only: bool = False
) -> bool:
    """Whether every condition of ``override`` holds; never for one with a condition the server
    does not know, unless ``known_only`` asks whether the known conditions hold."""
    if override.unknown_conditions and not known_only:
        return False
    if override.min_prompt_tokens is not None and prompt_tokens <= override.min_prompt_tokens:
        return False
    if override.utc_start is not None and override.utc_end is not None:
        return _in_window(override.utc_start, override.utc_end, at)
    return True


def _describe(override: PricingOverride) -> AppliedOverride:
    if override.utc_start is not None and override.utc_end is not None:
        start, end = _hhmm(override.utc_start), _hhmm(override.utc_end)
        return AppliedOverride(
            kind="time_window",
            description=f"time-of-day price for {start}-{end} UTC",
            utc_start=start,
            utc_end=end,
        )
    threshold = override.min_prompt_tokens or 0
    return AppliedOverride(
        kind="tier",
        description=f"long-prompt tier: prompts over {threshold:,} tokens",
        min_prompt_tokens=threshold,
    )


def _rates_at(
    pricing: Pricing, prompt_tokens: int, at: datetime
) -> tuple[Mapping[str, Decimal], tuple[AppliedOverride, ...]]:
    """``effective_rates`` without copying the pricing's own (read-only) rates when no override
    applies."""
    rates: Mapping[str, Decimal] = pricing.listed_rates
    merged: dict[str, Decimal] | None = None
    applied = []
    for override in pricing.overrides:
        if _override_applies(override, prompt_tokens, at):
            merged = dict(rates) if merged is None else merged
            merged.update(override.listed_rates)
            applied.append(_describe(override))
    return (rates if merged is None else merged), tuple(applied)


def effective_rates(
    pricing: Pricing, prompt_tokens: int, at: datetime
) -> tuple[dict[str, Decimal], tuple[AppliedOverride, ...]]:
    """The listed rates after the overrides that apply to this prompt size and time."""
    rates, applied = _rates_at(pricing, prompt_tokens, at)
    return dict(rates), applied


def _rate(rates: Mapping[str, Decimal], key: str, model_hint: str) -> Decimal:
    value = rates.get(key, ZERO)
    if value == DYNAMIC_PRICE:
        raise DynamicPriceError(
            f"{model_hint} has a dynamic price (OpenRouter lists -1: a router picks the model per "
            "request), so no fixed estimate exists; estimate the model you expect it to route to."
        )
    return value


Part = tuple[str, int, str, Decimal]  # component, quantity per request, unit, unit price


@dataclass(frozen=True)
class _PartRates:
    """The rate each part of a request is priced at, after overrides and fallbacks."""

    prompt: Decimal
    completion: Decimal
    cache_read: Decimal
    cache_write: Decimal
    reasoning: Decimal
    image: Decimal
    web_search: Decimal
    request: Decimal


def _unknown_condition_warnings(
    pricing: Pricing, usage: Usage, at: datetime, model_hint: str
) -> list[str]:
    """A warning for each override left unapplied because a condition of it is unknown, when its
    known conditions hold."""
    return [
        f"An override of {model_hint}'s prices has a condition this server does not know or "
        f"cannot evaluate ({', '.join(override.unknown_conditions)}), so it was not applied; the "
        "real price may differ when that condition holds."
        for override in pricing.overrides
        if override.unknown_conditions
        and _override_applies(override, usage.prompt_tokens, at, known_only=True)
    ]


def _part_rates(
    pricing: Pricing,
    rates: Mapping[str, Decimal],
    usage: Usage,
    model_hint: str,
    warnings: list[str],
) -> _PartRates:
    """Each part's rate: its own where listed, else its parent's (see the module's decisions)."""
    listed = rates.get
    if pricing.is_dynamic:

        def rate(key: str) -> Decimal:
            return _rate(rates, key, model_hint)

    else:  # no -1 anywhere, overrides included: no rate to refuse

        def rate(key: str) -> Decimal:
            return listed(key, ZERO)

    prompt_rate = rate("prompt")
    completion_rate = rate("completion")
    cache_read_rate = rate("input_cache_read") if "input_cache_read" in rates else prompt_rate
    if usage.cache_write_ttl == "1h" and "input_cache_write_1h" in rates:
        cache_write_rate = rate("input_cache_write_1h")
    elif "input_cache_write" in rates:
        cache_write_rate = rate("input_cache_write")
        if usage.cache_write_ttl == "1h" and usage.cache_write_tokens:
            warnings.append(
                "No 1-hour cache-write price is listed; cache writes were priced at the "
                "5-minute rate."
            )
    else:
        cache_write_rate = prompt_rate
    listed_reasoning = listed("internal_reasoning", ZERO)
    reasoning_rate = rate("internal_reasoning") if listed_reasoning != 0 else completion_rate
    if "completion" not in rates and (
        usage.completion_tokens > usage.reasoning_tokens
        or (usage.reasoning_tokens and listed_reasoning == 0)
    ):
        raise MissingPriceError(
            f"{model_hint} lists no completion price, so its completion tokens cannot be "
            "priced (never as $0): it is billed another way or its listing is incomplete; "
            "estimate it without completion_tokens, or pick another model."
        )
    return _PartRates(
        prompt_rate,
        completion_rate,
        cache_read_rate,
        cache_write_rate,
        reasoning_rate,
        rate("image") if usage.images else ZERO,
        rate("web_search") if usage.web_searches else ZERO,
        rate("request"),
    )


def _parts(usage: Usage, r: _PartRates) -> list[Part]:
    """The parts of one request that have a quantity (a per-request fee when one is listed)."""
    uncached_prompt = usage.prompt_tokens - usage.cached_prompt_tokens - usage.cache_write_tokens
    visible_completion = usage.completion_tokens - usage.reasoning_tokens
    candidates: list[Part] = [
        ("prompt", uncached_prompt, "token", r.prompt),
        ("cache_read", usage.cached_prompt_tokens, "token", r.cache_read),
        (f"cache_write_{usage.cache_write_ttl}", usage.cache_write_tokens, "token", r.cache_write),
        ("completion", visible_completion, "token", r.completion),
        ("reasoning", usage.reasoning_tokens, "token", r.reasoning),
        ("image", usage.images, "image", r.image),
        ("web_search", usage.web_searches, "search", r.web_search),
        ("request", 1 if r.request else 0, "request", r.request),
    ]
    return [part for part in candidates if part[1]]


def _priced_parts(
    pricing: Pricing, usage: Usage, at: datetime | None, model_hint: str
) -> tuple[list[Part], tuple[AppliedOverride, ...], list[str]]:
    """The priced parts of one request (those with a quantity), the overrides applied, warnings."""
    usage.validate()
    at = (at or datetime.now(UTC)).astimezone(UTC)
    rates, applied = _rates_at(pricing, usage.prompt_tokens, at)
    warnings = _unknown_condition_warnings(pricing, usage, at, model_hint)
    part_rates = _part_rates(pricing, rates, usage, model_hint, warnings)
    return _parts(usage, part_rates), applied, warnings


def price_usage(
    pricing: Pricing,
    usage: Usage,
    *,
    at: datetime | None = None,
    model_hint: str = "This model",
) -> CostBreakdown:
    """Price ``usage`` at ``pricing`` (as of ``at``, UTC, for time-of-day prices)."""
    parts, applied, warnings = _priced_parts(pricing, usage, at, model_hint)
    requests = usage.requests
    items = []
    per_request = ZERO
    with exactly():  # never rounded, at any count the usage allows
        for component, quantity, unit, unit_price in parts:
            cost_one = unit_price * quantity
            per_request += cost_one
            items.append(
                LineItem(component, quantity * requests, unit, unit_price, cost_one * requests)
            )
        total = per_request * requests
    return CostBreakdown(
        line_items=tuple(items),
        total=total,
        per_request=per_request,
        requests=requests,
        applied_overrides=applied,
        warnings=tuple(warnings),
    )


def price_totals(
    pricing: Pricing,
    usage: Usage,
    *,
    at: datetime | None = None,
    model_hint: str = "This model",
) -> tuple[Decimal, Decimal]:
    """``(per_request, total)`` of ``price_usage``, the same amounts to the last digit, without
    the itemisation: for callers that price many models and keep only the sums."""
    parts, _, _ = _priced_parts(pricing, usage, at, model_hint)
    per_request = ZERO
    with exactly():
        for _, quantity, _, unit_price in parts:
            per_request += unit_price * quantity
        return per_request, per_request * usage.requests


def with_online_search(pricing: Pricing, usage: Usage) -> tuple[Pricing, Usage, str]:
    """The ``:online`` variant: one web search per request, at the model's native search price
    when it lists one, else OpenRouter's Exa plugin price (5 results at $0.004 each)."""
    native = pricing.web_search
    if native is not None and native > 0:
        note = f"':online' adds one native web search per request at ${native} each."
        return pricing, replace(usage, web_searches=usage.web_searches + 1), note
    plugin_price = EXA_PRICE_PER_RESULT * EXA_DEFAULT_RESULTS
    note = (
        f"':online' adds the web plugin per request: {EXA_DEFAULT_RESULTS} results at "
        f"${EXA_PRICE_PER_RESULT} each (${plugin_price})."
    )
    priced = pricing.model_copy(update={"web_search": plugin_price})
    return priced, replace(usage, web_searches=usage.web_searches + 1), note


def cheapest(
    candidates: Iterable[tuple[str, Pricing]], usage: Usage, *, at: datetime | None = None
) -> tuple[str, CostBreakdown] | None:
    """The cheapest of named price sets for this usage (``:floor`` routing); dynamic ones and
    those missing a price the usage needs are skipped.

    Ties keep the first candidate, so the answer is stable for a given endpoint order.
    """
    best: tuple[str, CostBreakdown] | None = None
    for name, pricing in candidates:
        try:
            breakdown = price_usage(pricing, usage, at=at, model_hint=name)
        except (DynamicPriceError, MissingPriceError):
            continue
        if best is None or breakdown.total < best[1].total:
            best = (name, breakdown)
    return best


__all__ = [
    "PRICE_KEYS",
    "AppliedOverride",
    "CostBreakdown",
    "LineItem",
    "Usage",
    "cheapest",
    "effective_rates",
    "price_totals",
    "price_usage",
    "with_online_search",
]
