"""Every tool's output contract, in one place: the structured result each tool sends.

Decisions:
- The contracts are ``TypedDict``s, not pydantic models. A tool builds its result by calling one
  (``EstimateCostOutput(model=..., ...)``) or writing a dict literal of its type, so the type
  checker (mypy --strict) verifies every key and every value's type where the result is made,
  and nothing is validated or copied per call. The SDK derives the published output schema from
  the same class (through pydantic), so the schema and the code cannot drift apart.
- Each class is closed (``extra="forbid"``: the schema lists exactly what is sent) and keeps the
  name of the contract it published before, which is the schema's title. Field descriptions go
  in ``Annotated[..., Field(description=...)]``; a key that may be left out is ``NotRequired``
  and keeps its ``default`` so the schema says what its absence means.
- Money is an exact decimal string (``Usd``), never a float; the schema says so with a pattern.
- Nested blocks (rows, line items, the catalog block) are contracts too and live here with the
  tools that send them; tests/test_output_contract.py checks every tool publishes one of these
  and that none is left unused.
"""

from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict  # pydantic needs this one's, not typing's, below 3.12

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

# An exact USD amount as a decimal string: "0.0105", "3", "-0.0002".
Usd = Annotated[str, Field(pattern=DECIMAL_PATTERN)]

# An endpoint measurement (uptime, latency, throughput), or "unknown" when OpenRouter has none.
Measure = float | Literal["unknown"]

_CLOSED = ConfigDict(extra="forbid")


# --- shared -------------------------------------------------------------------------------------


@with_config(_CLOSED)
class CatalogBlock(TypedDict):
    """Where the prices came from and how fresh they are."""

    source: Literal["live", "cache", "file", "builtin"]
    fetched_at: Annotated[str, Field(description="When the catalog was fetched (UTC, ISO 8601).")]
    age_seconds: float
    stale: Annotated[
        bool, Field(description="Older than the TTL; a background refresh is attempted.")
    ]
    model_count: int
    live_fetch_error: NotRequired[
        Annotated[
            str | None,
            Field(
                default=None,
                description="Present when the last live fetch from OpenRouter failed: why. The "
                "prices then come from the disk cache or the built-in catalog (see source).",
            ),
        ]
    ]


# --- list_models --------------------------------------------------------------------------------


@with_config(_CLOSED)
class ModelRow(TypedDict):
    id: str
    name: str
    context_length: int
    max_completion_tokens: int | None
    prompt_per_m: Usd | None
    completion_per_m: Usd | None
    cache_read_per_m: Usd | None
    cache_write_per_m: Usd | None
    reasoning_per_m: Usd | None
    request_usd: Usd | None
    image_usd: Usd | None
    web_search_usd: Usd | None
    input_modalities: list[str]
    output_modalities: list[str]
    supports: list[str]
    is_free: bool
    is_dynamic: bool
    intelligence_index: float | None
    created: str | None
    billing: Annotated[
        Literal["token", "image", "video", "transcription", "speech", "clip", "unknown"],
        Field(
            description="How the model is billed; prompt_per_m/completion_per_m are null "
            "for video, transcription, speech, clip and unknown, whose prices are in unit_prices."
        ),
    ]
    unit_prices: Annotated[
        dict[str, Usd],
        Field(
            description="A media model's own prices in USD by unit (second, video_token, "
            "image_token, character, generation, ...); empty for per-token models."
        ),
    ]
    alias_of: Annotated[
        str | None,
        Field(
            description="For a '~...-latest' alias, the model it points at (its prices may differ)."
        ),
    ]


@with_config(_CLOSED)
class ListModelsOutput(TypedDict):
    models: list[ModelRow]
    total: Annotated[int, Field(description="Models matching the filters, before paging.")]
    offset: int
    next_offset: Annotated[
        int | None, Field(description="Pass as offset for the next page; null at the end.")
    ]
    catalog: CatalogBlock


# --- estimate_cost ------------------------------------------------------------------------------


@with_config(_CLOSED)
class LineItemOut(TypedDict):
    component: Annotated[
        str,
        Field(
            description="prompt, cache_read, cache_write_5m, completion, ...; media: "
            "output_image, video_output (SKU), input_image, audio_input, speech_input, clip, "
            "minimum_charge."
        ),
    ]
    quantity: Annotated[
        int | Usd,
        Field(description="Units over all requests; a decimal string for fractional seconds."),
    ]
    unit: Annotated[
        str,
        Field(
            description="token, image, search or request; media: second, video_token, "
            "image_token, character, byte, generation."
        ),
    ]
    unit_price_usd: Annotated[Usd, Field(description="USD per unit (per token for tokens).")]
    cost_usd: Usd


@with_config(_CLOSED)
class AppliedOverrideOut(TypedDict):
    kind: Literal["tier", "time_window", "tier_and_time_window"]
    description: str
    min_prompt_tokens: int | None
    utc_start: str | None
    utc_end: str | None


@with_config(_CLOSED)
class EstimateCostOutput(TypedDict):
    model: Annotated[str, Field(description="The catalog id that was priced.")]
    variant: str | None
    total_usd: Usd
    per_request_usd: Usd
    requests: int
    line_items: list[LineItemOut]
    applied_override: AppliedOverrideOut | None
    token_count_method: Annotated[
        str | None, Field(description="How prompt_text was counted, if given.")
    ]
    warnings: list[str]
    endpoint: Annotated[
        str | None, Field(description="The endpoint priced (':floor' or provider).")
    ]
    provider: Annotated[
        dict[str, Any] | None,
        Field(
            description="Under a policy: the provider object to send, so the request runs where "
            "it was priced (max_price in USD per million tokens for prompt and completion)."
        ),
    ]
    catalog: CatalogBlock


# --- check_balance ------------------------------------------------------------------------------


@with_config(_CLOSED)
class AccountOut(TypedDict):
    total_credits_usd: Usd
    total_usage_usd: Usd
    remaining_usd: Usd


@with_config(_CLOSED)
class CheckBalanceOutput(TypedDict):
    label: str | None
    usage_usd: Annotated[Usd | None, Field(description="All-time spend of this key.")]
    limit_usd: Annotated[
        Usd | None, Field(description="The key's spending cap; null means no cap.")
    ]
    limit_remaining_usd: Usd | None
    limit_reset: Annotated[
        str | None, Field(description="How often the cap resets (daily, ...), if it does.")
    ]
    usage_daily_usd: Usd | None
    usage_weekly_usd: Usd | None
    usage_monthly_usd: Usd | None
    byok_usage_usd: Usd | None
    byok_usage_daily_usd: Usd | None
    byok_usage_weekly_usd: Usd | None
    byok_usage_monthly_usd: Usd | None
    is_free_tier: bool | None
    account: AccountOut | None
    account_note: Annotated[str | None, Field(description="Why account is null, when it is.")]
    spendable_usd: Annotated[
        Usd | None, Field(description="min(key remaining, account remaining), known.")
    ]
    spendable_note: str | None
    free_model_daily_limit: Annotated[
        int | None, Field(description="Daily requests to ':free' models.")
    ]
    warnings: list[str]


# --- get_generation_cost ------------------------------------------------------------------------


@with_config(_CLOSED)
class TokensOut(TypedDict):
    prompt: int | None
    completion: int | None
    native_prompt: int | None
    native_completion: int | None
    native_reasoning: int | None
    native_cached: int | None


@with_config(_CLOSED)
class EstimateOut(TypedDict):
    total_usd: Annotated[Usd | None, Field(description="Catalog price of the same native tokens.")]
    difference_usd: Annotated[Usd | None, Field(description="total_cost_usd minus the estimate.")]
    note: str


@with_config(_CLOSED)
class GenerationOut(TypedDict):
    id: str
    model: str | None
    provider_name: str | None
    total_cost_usd: Usd | None
    cache_discount_usd: Usd | None
    upstream_inference_cost_usd: Usd | None
    is_byok: bool | None
    tokens: TokensOut
    latency_ms: float | None
    generation_time_ms: float | None
    created_at: str | None
    finish_reason: str | None
    streamed: bool | None
    cancelled: bool | None
    estimate: EstimateOut


@with_config(_CLOSED)
class GetGenerationCostOutput(TypedDict):
    id: Annotated[
        str | None, Field(description="Set (with the fields below) when one id was asked.")
    ]
    model: str | None
    provider_name: str | None
    total_cost_usd: Annotated[
        Usd, Field(description="Sum of total_cost_usd over the generations found.")
    ]
    cache_discount_usd: Usd | None
    upstream_inference_cost_usd: Usd | None
    is_byok: bool | None
    tokens: TokensOut | None
    latency_ms: float | None
    generation_time_ms: float | None
    created_at: str | None
    finish_reason: str | None
    streamed: bool | None
    cancelled: bool | None
    estimate: EstimateOut | None
    generations: list[GenerationOut]
    not_found: list[str]
    ledger: Annotated[
        str, Field(description="Whether the generations were recorded in the spend ledger.")
    ]
    catalog: CatalogBlock


# --- recommend_model ----------------------------------------------------------------------------


@with_config(_CLOSED)
class RecommendationOut(TypedDict):
    rank: int
    model: str
    name: str
    estimated_cost_per_request_usd: Usd
    estimated_total_usd: Usd
    quality_index: float | None
    quality_source: Annotated[
        str,
        Field(
            description="Where quality_index comes from: the benchmark used, or the stated "
            "stand-in."
        ),
    ]
    tier: str
    context_length: int
    why: str
    alias_of: NotRequired[
        Annotated[
            str | None,
            Field(default=None, description="For a '~...-latest' alias, the model it points at."),
        ]
    ]
    endpoint: NotRequired[
        Annotated[
            str | None,
            Field(
                default=None,
                description="Under a policy: the endpoint priced (the cheapest meeting it).",
            ),
        ]
    ]
    provider: NotRequired[
        Annotated[
            dict[str, Any] | None,
            Field(
                default=None,
                description="Under a policy: the provider object to send with the request.",
            ),
        ]
    ]


@with_config(_CLOSED)
class RecommendModelOutput(TypedDict):
    recommendations: list[RecommendationOut]
    considered: Annotated[int, Field(description="Models looked at.")]
    rejected: Annotated[dict[str, int], Field(description="Models removed, by reason.")]
    assumptions: list[str]
    catalog: CatalogBlock


# --- compare_providers --------------------------------------------------------------------------


@with_config(_CLOSED)
class EndpointOut(TypedDict):
    provider: Annotated[str | None, Field(description="The provider's name.")]
    tag: Annotated[str | None, Field(description="The endpoint tag, e.g. 'deepinfra/fp8'.")]
    quantization: str
    cost_usd: Annotated[
        Usd | None, Field(description="Exact cost of the usage here; null: dynamic price.")
    ]
    prompt_per_m: Annotated[Usd | None, Field(description="USD per million prompt tokens.")]
    completion_per_m: Annotated[Usd | None, Field(description="USD per million completion tokens.")]
    context_length: int | None
    max_completion_tokens: int | None
    uptime_30m: Annotated[Measure, Field(description="Percent, last 30 minutes, or 'unknown'.")]
    latency_p50_ms: Annotated[
        Measure, Field(description="Milliseconds to first token (p50), or 'unknown'.")
    ]
    throughput_p50: Annotated[Measure, Field(description="Tokens per second (p50), or 'unknown'.")]
    supports_implicit_caching: bool | None
    zdr: Annotated[
        bool | None, Field(description="In the ZDR list; null when the list is unavailable.")
    ]
    meets_policy: bool
    why_not: Annotated[list[str], Field(description="The policy parts it fails, e.g. 'zdr: ...'.")]


@with_config(_CLOSED)
class CompareProvidersOutput(TypedDict):
    model: str
    requests: int
    listed_cost_usd: Annotated[
        Usd | None, Field(description="The usage at the model's listed price.")
    ]
    endpoints: list[EndpointOut]
    cheapest: Annotated[
        str | None, Field(description="Tag of the cheapest endpoint meeting the policy.")
    ]
    provider: Annotated[
        dict[str, Any],
        Field(
            description="The provider object to send with the request (OpenRouter's provider "
            "preferences; max_price in USD per million tokens for prompt and completion)."
        ),
    ]
    units: dict[str, str]
    warnings: list[str]
    catalog: CatalogBlock


# --- check_budget -------------------------------------------------------------------------------


@with_config(_CLOSED)
class BudgetOut(TypedDict):
    name: str
    kind: Literal["budget", "key_limit", "account"]
    limit_usd: Usd
    spent_usd: Annotated[Usd, Field(description="Spent in the current period.")]
    held_usd: Annotated[Usd, Field(description="Held by unexpired reservations.")]
    remaining_usd: Usd
    remaining_after_usd: Annotated[
        Usd, Field(description="What remains once the planned spend is made.")
    ]
    resets_at: Annotated[
        str | None, Field(description="When the period restarts (UTC); null: never.")
    ]
    runway_days: Annotated[
        str | None, Field(description="Days left at the recent pace; null: no pace.")
    ]


@with_config(_CLOSED)
class TopUpOut(TypedDict):
    credits_usd: Annotated[
        Usd, Field(description="Credits to buy to cover the account's shortfall.")
    ]
    card_charge_usd: Annotated[
        Usd, Field(description="What a card pays for them (5.5%, $0.80 minimum).")
    ]
    crypto_charge_usd: Annotated[Usd, Field(description="What crypto pays for them (5%).")]


@with_config(_CLOSED)
class CheckBudgetOutput(TypedDict):
    allowed: bool
    planned_usd: Usd
    model: Annotated[str | None, Field(description="The model priced, when one was given.")]
    budgets: list[BudgetOut]
    shortfall_usd: Usd
    top_up: TopUpOut | None
    max_price: Annotated[
        dict[str, Usd] | None,
        Field(
            description="provider.max_price for the request: prompt/completion USD per million "
            "tokens, request USD per request, image USD per image."
        ),
    ]
    reservation_id: str | None
    hold_expires_at: str | None
    notes: list[str]


# --- spend_report -------------------------------------------------------------------------------


@with_config(_CLOSED)
class SavingOut(TypedDict):
    model: str
    spend_usd: Usd
    generations: int
    floor_endpoint: str | None
    floor_usd: Usd | None
    floor_saving_usd: Usd | None
    floor_saving_percent: str | None
    alternative_model: str | None
    alternative_usd: Usd | None
    alternative_saving_usd: Usd | None
    alternative_saving_percent: str | None
    note: str


@with_config(_CLOSED)
class GroupOut(TypedDict):
    keys: Annotated[list[str | None], Field(description="One value per group_by entry, in order.")]
    spend_usd: Usd
    generations: int


@with_config(_CLOSED)
class SpendReportOutput(TypedDict):
    since: str
    until: str
    group_by: list[str]
    total_usd: Usd
    generations: int
    groups: list[GroupOut]
    activity_total_usd: Annotated[
        Usd | None, Field(description="OpenRouter's GET /activity total.")
    ]
    unrecorded_usd: Annotated[Usd | None, Field(description="Activity the ledger never saw.")]
    savings: list[SavingOut]
    notes: list[str]


# --- price_changes ------------------------------------------------------------------------------


@with_config(_CLOSED)
class ChangeOut(TypedDict):
    model: str
    price_key: Annotated[
        str, Field(description="prompt, completion, input_cache_read, image, request...")
    ]
    old: Annotated[
        str | None, Field(description="As OpenRouter lists it: USD per token or per unit.")
    ]
    new: str | None
    first_seen: Annotated[str, Field(description="When the new price was first seen (UTC).")]


@with_config(_CLOSED)
class PriceChangesOutput(TypedDict):
    changes: list[ChangeOut]
    total: Annotated[int, Field(description="Changes matching, before the limit.")]
