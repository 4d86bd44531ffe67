"""How a model is billed: per token, per image, per second of video, per second of audio, per
character of speech, per clip, or in a way the server cannot tell.

Decisions (each read off real listings and checked against real bills, 2026-10):
- The kind comes from the output modalities and the listed prices. ``video`` output: video (priced
  by ``/videos/models``, never by the "0" in ``/models``). ``image`` output: image generation
  (``image_output`` is per image token; a 1024x1024 image is 4,096 tokens). ``transcription``: per
  second of audio in ``prompt`` when no completion price is listed, else tokens.
  ``speech``: per input character in ``prompt`` when no completion price is listed, per second of
  output audio in ``completion`` when no prompt price is listed, else tokens. Text with audio
  output and no audio price (Lyria music): a flat price per clip, which only the description
  states. Rerank and any other output: unknown. Text and embeddings: tokens.
- A transcription price's unit is not in the listing. Seen: per second (whisper 0.00000333,
  nova-3 0.0000716...), per minute (nova-3 listed 0.0043 in 2026-08, which is its later per-second
  price x 60) and per hour (MAI and grok STT 0.1, billed 0.1/3600 a second). The unit taken is the
  smallest of second, minute and hour at which the price is at most ``MAX_PLAUSIBLE_PER_HOUR`` an
  hour of audio; every estimate says which unit was assumed.
- Only a model billed per token can be free by its listing alone: a media model whose prompt and
  completion are "0" is billed another way, so it is free only as a ``:free`` variant.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from .money import DYNAMIC_PRICE, ZERO

if TYPE_CHECKING:
    from .schema import Model

BillingKind = Literal["token", "image", "video", "transcription", "speech", "clip", "unknown"]
BILLING_KINDS: tuple[BillingKind, ...] = (
    "token",
    "image",
    "video",
    "transcription",
    "speech",
    "clip",
    "unknown",
)
AudioUnit = Literal["second", "minute", "hour"]
SECONDS_IN: dict[AudioUnit, int] = {"second": 1, "minute": 60, "hour": 3600}
# No transcription service charges more than this per hour of audio (OpenRouter's dearest, whisper
# and MAI included, are under $0.50); a per-second reading above it is a per-minute or per-hour
# price.
MAX_PLAUSIBLE_PER_HOUR = Decimal(3)
# Providers that bill transcription in whole seconds, rounded up (a MAI bill: 3.17 s billed as 4).
WHOLE_SECOND_AUTHORS = frozenset({"microsoft"})
# Speech priced per UTF-8 byte of the input rather than per character (the model pages say so).
PER_BYTE_AUTHORS = frozenset({"fish-audio"})

_CLIP_PRICE = re.compile(
    r"\$\s?(\d+(?:\.\d+)?)\s+(?:per|a|/)\s+(song|clip|track|generation)", re.IGNORECASE
)


def _listed(value: Decimal | None) -> bool:
    return value is not None and value != 0


def billing_kind(model: Model) -> BillingKind:
    """The way ``model`` is billed (see the module's decisions)."""
    outputs = {m.lower() for m in model.architecture.output_modalities}
    pricing = model.pricing
    if "video" in outputs:
        return "video"
    if "image" in outputs:
        return "image"
    if "transcription" in outputs:
        return "token" if _listed(pricing.completion) else "transcription"
    if "speech" in outputs:
        if _listed(pricing.prompt) and _listed(pricing.completion):
            return "token"
        return "speech"
    if "audio" in outputs and not (_listed(pricing.audio_output) or _listed(pricing.completion)):
        return "clip"
    if not outputs or outputs <= {"text", "embeddings", "audio"}:
        return "token"
    if "decisions" in outputs:  # classifiers billed per input token
        return "token"
    return "unknown"


def is_free(model: Model) -> bool:
    """Free to use: a ``:free`` variant, or a per-token model whose every listed price is zero."""
    pricing = model.pricing
    if pricing.is_dynamic:
        return False
    if model.variant == "free":
        return True
    if billing_kind(model) != "token":
        return False
    return pricing.is_free


def transcription_unit(price: Decimal) -> AudioUnit:
    """The unit of a per-audio transcription price, read from its size (see the decisions)."""
    for unit in ("second", "minute", "hour"):
        seconds = SECONDS_IN[unit]
        if price * Decimal(3600) / seconds <= MAX_PLAUSIBLE_PER_HOUR:
            return unit
    return "hour"


def clip_price(model: Model) -> Decimal | None:
    """The flat price per clip or song that the description states (Lyria: "$0.08 per song")."""
    match = _CLIP_PRICE.search(model.description or "")
    return Decimal(match.group(1)) if match else None


def unit_prices(model: Model) -> dict[str, Decimal]:
    """A media model's own prices by unit name (USD), for listings; empty for per-token models.

    Video prices live in the video listing and are added by the caller."""
    kind = billing_kind(model)
    pricing = model.pricing
    prices: dict[str, Decimal] = {}
    if kind == "image":
        if pricing.image_output is not None:
            prices["image_token"] = pricing.image_output
            prices["image_1024x1024"] = pricing.image_output * 4096
        if _listed(pricing.image):
            prices["input_image"] = pricing.image or ZERO
    elif kind == "transcription" and pricing.prompt is not None:
        prices[f"audio_{transcription_unit(pricing.prompt)}"] = pricing.prompt
    elif kind == "speech":
        if _listed(pricing.prompt):
            unit = "byte" if model.author in PER_BYTE_AUTHORS else "character"
            prices[unit] = pricing.prompt or ZERO
        elif _listed(pricing.completion):
            prices["output_audio_second"] = pricing.completion or ZERO
    elif kind == "clip":
        price = clip_price(model)
        if price is not None:
            prices["generation"] = price
    return {key: value for key, value in prices.items() if value != DYNAMIC_PRICE}


__all__ = [
    "BILLING_KINDS",
    "MAX_PLAUSIBLE_PER_HOUR",
    "SECONDS_IN",
    "AudioUnit",
    "BillingKind",
    "billing_kind",
    "clip_price",
    "is_free",
    "transcription_unit",
    "unit_prices",
]
