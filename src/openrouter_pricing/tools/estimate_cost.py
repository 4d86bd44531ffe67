"""``estimate_cost``: the exact price of a request (or of N identical ones) before it is sent.

Decisions:
- The prompt is given as ``prompt_tokens`` or as ``prompt_text`` (counted offline; the result says
  how in ``token_count_method``). Giving both is an error; giving neither prices a prompt of 0
  tokens and says so in ``warnings`` (useful for image-only or per-request prices).
- The model is resolved by the catalog (any case, canonical slug, listed variants). Routing
  variants: ``:floor`` and ``provider`` price at an endpoint (see ``endpoints``); ``:online``
  adds one web search per request; ``:nitro`` is priced at the listed price with a warning that
  the fastest endpoint may cost more. ``:free`` and other listed variants have their own prices.
- Line items come from the core pricing engine, in USD per unit (per token for tokens); nothing is
  rounded. Subsets larger than their parent and absurd counts are errors, not numbers.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .limits import (
    MAX_CHARACTERS,
    MAX_MEDIA_SECONDS,
    MAX_REQUESTS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
    VideoMode,
)
from .outputs import EstimateCostOutput
from .policy_args import (
    DataCollection,
    MaxLatencyMs,
    MinThroughput,
    PolicyArgs,
    ProvidersIgnore,
    ProvidersOnly,
    Quantizations,
    Zdr,
)

MAX_PROMPT_TEXT_CHARS = 2_000_000
Units = Annotated[int, Field(ge=0, le=MAX_UNITS_PER_REQUEST)]


async def estimate_cost(
    ctx: AppContext,
    *,
    model: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="Model id, e.g. 'openai/gpt-4o-mini'; ':floor', ':nitro', ':online' and "
            "listed variants such as ':free' are accepted.",
        ),
    ],
    prompt_tokens: Annotated[
        int | None, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Input tokens per request.")
    ] = None,
    prompt_text: Annotated[
        str | None,
        Field(
            max_length=MAX_PROMPT_TEXT_CHARS,
            description="The prompt itself, counted offline instead of prompt_tokens.",
        ),
    ] = None,
    completion_tokens: Annotated[int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST)] = 0,
    reasoning_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Part of completion_tokens.")
    ] = 0,
    cached_prompt_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Cache reads; part of the prompt.")
    ] = 0,
    cache_write_tokens: Annotated[
        int, Field(ge=0, le=MAX_TOKENS_PER_REQUEST, description="Cache writes; part of the prompt.")
    ] = 0,
    cache_write_ttl: Literal["5m", "1h"] = "5m",
    images: Annotated[Units, Field(description="Input images per request.")] = 0,
    web_searches: Annotated[Units, Field(description="Web searches per request.")] = 0,
    requests: Annotated[
        int, Field(ge=1, le=MAX_REQUESTS, description="Identical requests priced together.")
    ] = 1,
    at: Annotated[
        datetime | None,
        Field(description="When the request runs (UTC, ISO 8601), for time-of-day prices."),
    ] = None,
    provider: Annotated[
        str | None,
        Field(max_length=100, description="Price at this provider's endpoint, e.g. 'deepinfra'."),
    ] = None,
    output_images: Annotated[
        int | None,
        Field(ge=0, le=MAX_UNITS_PER_REQUEST, description="Images generated per request."),
    ] = None,
    image_size: Annotated[
        str | None,
        Field(max_length=20, description="Output image size WIDTHxHEIGHT; default 1024x1024."),
    ] = None,
    video_seconds: Annotated[
        Decimal | None,
        Field(gt=0, le=MAX_MEDIA_SECONDS, description="Seconds of video generated per request."),
    ] = None,
    resolution: Annotated[
        str | None,
        Field(max_length=20, description="Video resolution: '480p', '720p', '1080p', '4K' or WxH."),
    ] = None,
    audio: Annotated[
        bool | None, Field(description="Video with generated audio (true) or silent (false).")
    ] = None,
    video_mode: Annotated[
        VideoMode | None,
        Field(
            description="text_to_video or image_to_video (or video_to_video), where prices differ."
        ),
    ] = None,
    audio_seconds: Annotated[
        Decimal | None,
        Field(
            gt=0,
            le=MAX_MEDIA_SECONDS,
            description="Seconds of audio to transcribe (or of speech produced, where so billed).",
        ),
    ] = None,
    characters: Annotated[
        int | None,
        Field(ge=0, le=MAX_CHARACTERS, description="Characters of text to speak per request."),
    ] = None,
    speech_text: Annotated[
        str | None,
        Field(max_length=MAX_CHARACTERS, description="The text to speak, counted for you."),
    ] = None,
    zdr: Zdr = None,
    quantizations: Quantizations = None,
    providers_only: ProvidersOnly = None,
    providers_ignore: ProvidersIgnore = None,
    max_latency_ms: MaxLatencyMs = None,
    min_throughput: MinThroughput = None,
    data_collection: DataCollection = None,
) -> Annotated[CallToolResult, EstimateCostOutput]:
    """Estimate what a request to a model will cost before sending it, exactly, with a line item
    per priced part (prompt, cache reads/writes, completion, reasoning, images, web search,
    per-request fee) and long-prompt tiers or time-of-day prices applied. Token counts are per
    request; reasoning_tokens are part of completion_tokens and cached_prompt_tokens /
    cache_write_tokens are parts of prompt_tokens (never counted twice). Money is USD as exact
    decimal strings; unit_price_usd is per token for token items. Example: {"model":
    "openai/gpt-4o-mini", "prompt_tokens": 12000, "completion_tokens": 800, "requests": 1000}.
    Use ':floor' to price the cheapest provider endpoint, or provider='name' for one endpoint.
    Policy arguments (zdr, quantizations, providers_only, ...) price the cheapest endpoint that
    meets them and return the provider object to send.
    Media models are priced in their own units: output_images and image_size for image
    generation; video_seconds, resolution, audio and video_mode for video (images = input frames);
    audio_seconds for transcription; characters or speech_text for speech; music per clip.
    Example: {"model": "google/veo-3.1", "video_seconds": 8, "resolution": "1080p"}."""
    from ._impl.estimate_cost import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        model=model,
        prompt_tokens=prompt_tokens,
        prompt_text=prompt_text,
        completion_tokens=completion_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_prompt_tokens=cached_prompt_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_ttl=cache_write_ttl,
        images=images,
        web_searches=web_searches,
        requests=requests,
        at=at,
        provider=provider,
        output_images=output_images,
        image_size=image_size,
        video_seconds=video_seconds,
        resolution=resolution,
        audio=audio,
        video_mode=video_mode,
        audio_seconds=audio_seconds,
        characters=characters,
        speech_text=speech_text,
        policy_args=PolicyArgs(
            zdr=zdr,
            quantizations=quantizations,
            providers_only=providers_only,
            providers_ignore=providers_ignore,
            max_latency_ms=max_latency_ms,
            min_throughput=min_throughput,
            data_collection=data_collection,
        ),
    )
