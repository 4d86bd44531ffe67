"""Media usage priced in its own units: images, seconds of video, seconds of audio, characters of
speech, clips of music. The billing kind (``billing``) says which applies to a model.

Decisions:
- One function, ``price_media``, turns a model, its usage and (for video) its ``/videos/models``
  entry into the same ``CostBreakdown`` that text pricing gives, with line items in the real unit
  (second, video_token, image_token, image, character, byte, generation). N requests cost exactly N
  times one.
- An argument that does not apply to the model's billing kind is an error naming those that do; a
  media model asked without its usage is an error saying what to give; a price the server cannot
  interpret is an error naming it. Nothing is ever priced at a "0" that means "billed elsewhere".
- Output images are counted in image tokens of 16x16 pixels (1024x1024 = 4,096, as OpenRouter bills
  ``image_output``); partial patches count whole.
- Video: the SKU that matches the mode, the audio choice and the resolution most specifically is
  used; SKUs that differ by a choice the caller did not make are an error listing the choices.
  Token-priced video counts width x height x frames / 1024 tokens, frames = seconds x 24 rounded up
  to a whole frame (a bill for 4.04 s of 640x640 was 97 frames: 38,800 tokens). A minimum charge
  per generation tops the request up and is shown as its own line.
- Per-minute and per-hour audio prices divided into seconds are repeating decimals: such a cost is
  rounded to 18 decimal places and the estimate says so. Everything else is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from typing import TYPE_CHECKING

from .billing import (
    PER_BYTE_AUTHORS,
    SECONDS_IN,
    WHOLE_SECOND_AUTHORS,
    BillingKind,
    clip_price,
    transcription_unit,
)
from .errors import MediaPriceError, UsageError
from .money import WIDE, ZERO, exactly
from .pricing import CostBreakdown, LineItem, Usage, price_usage
from .video import (
    FRAMES_PER_SECOND,
    PIXELS_PER_VIDEO_TOKEN,
    Sku,
    VideoMode,
    VideoModel,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .schema import Model

PIXELS_PER_IMAGE_TOKEN = 16 * 16
DEFAULT_IMAGE_SIZE = "1024x1024"
MAX_IMAGE_SIDE = 16_384
ROUNDING_PLACES = Decimal("1e-18")

# The usage arguments of each billing kind, as estimate_cost names them.
TEXT_ARGUMENTS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_prompt_tokens")
KIND_ARGUMENTS: dict[BillingKind, tuple[str, ...]] = {
    "token": (*TEXT_ARGUMENTS, "cache_write_tokens", "images", "web_searches"),
    "image": ("output_images", "image_size", "prompt_tokens", "completion_tokens", "images"),
    "video": ("video_seconds", "resolution", "audio", "video_mode", "images"),
    "transcription": ("audio_seconds",),
    "speech": ("characters", "speech_text", "audio_seconds"),
    "clip": (),
    "unknown": (),
}
MEDIA_ARGUMENTS = (
    "output_images",
    "image_size",
    "video_seconds",
    "resolution",
    "audio",
    "video_mode",
    "audio_seconds",
    "characters",
)


@dataclass(frozen=True)
class MediaUsage:
    """What one media request produces or consumes (``None``: not given)."""

    output_images: int | None = None
    image_size: str | None = None
    video_seconds: Decimal | None = None
    resolution: str | None = None
    audio: bool | None = None
    video_mode: VideoMode | None = None
    audio_seconds: Decimal | None = None
    characters: int | None = None
    speech_text: bool = False  # characters were counted from speech_text

    def given(self) -> list[str]:
        """The media arguments that were given, by estimate_cost's names."""
        names = [name for name in MEDIA_ARGUMENTS if getattr(self, name) is not None]
        if self.speech_text and "characters" in names:
            names[names.index("characters")] = "speech_text"
        return names

    @property
    def is_empty(self) -> bool:
        return not self.given()


@dataclass(frozen=True)
class _Part:
    component: str
    quantity: int | Decimal
    unit: str
    unit_price: Decimal  # USD per unit, as listed when ``per`` is 1
    per: int = 1  # the listed price is for this many units (60: per minute of seconds)


def text_arguments_given(usage: Usage) -> list[str]:
    """The text usage arguments given with a non-zero count."""
    counts = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_prompt_tokens": usage.cached_prompt_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "images": usage.images,
        "web_searches": usage.web_searches,
    }
    return [name for name, count in counts.items() if count]


def _names(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "none (a flat price per request)"


def check_arguments(model: Model, kind: BillingKind, usage: Usage, media: MediaUsage) -> None:
    """Raise ``UsageError`` naming the arguments that apply when one given does not."""
    allowed = KIND_ARGUMENTS[kind]
    given = [*text_arguments_given(usage), *media.given()]
    wrong = [name for name in given if name not in allowed]
    if wrong:
        raise UsageError(
            f"{model.id} is billed per {_KIND_UNIT[kind]}, so {', '.join(wrong)} "
            f"{'does' if len(wrong) == 1 else 'do'} not apply; the usage arguments for it are: "
            f"{_names(allowed)}."
        )


_KIND_UNIT: dict[BillingKind, str] = {
    "token": "token",
    "image": "output image (image tokens)",
    "video": "second or token of output video",
    "transcription": "second of audio",
    "speech": "character of input text (or second of output audio)",
    "clip": "generated clip",
    "unknown": "unit this server cannot interpret",
}


def price_media(
    model: Model,
    usage: Usage,
    media: MediaUsage,
    *,
    video: VideoModel | None = None,
    at: datetime | None = None,
) -> CostBreakdown:
    """Price a media model's usage in its own units (the model is not billed per token)."""
    kind = model.billing_kind
    usage.validate()
    check_arguments(model, kind, usage, media)
    warnings: list[str] = []
    text: CostBreakdown | None = None
    if kind == "image":
        parts, text = _image_parts(model, usage, media, warnings, at)
    elif kind == "video":
        parts = _video_parts(model, video, usage, media, warnings)
    elif kind == "transcription":
        parts = _transcription_parts(model, media, warnings)
    elif kind == "speech":
        parts = _speech_parts(model, media, warnings)
    elif kind == "clip":
        parts = _clip_parts(model)
    else:
        outputs = ", ".join(model.architecture.output_modalities) or "nothing"
        raise MediaPriceError(
            f"{model.id} outputs {outputs}, and OpenRouter lists no price for it that this server "
            "can interpret (its prompt and completion prices are not what it bills); check the "
            "model's page on openrouter.ai before relying on a cost."
        )
    return _breakdown(parts, usage.requests, text, warnings)


def _breakdown(
    parts: list[_Part], requests: int, text: CostBreakdown | None, warnings: list[str]
) -> CostBreakdown:
    items: list[LineItem] = list(text.line_items) if text else []
    per_request = text.per_request if text else ZERO
    rounded = False
    with localcontext(WIDE) as ctx:  # 200 digits: nothing bounded is rounded (flags say if so)
        for part in parts:
            ctx.clear_flags()
            unit_price = part.unit_price / part.per
            cost_one = part.unit_price * part.quantity / part.per
            if ctx.flags[Inexact]:
                rounded = True
                unit_price = unit_price.quantize(ROUNDING_PLACES).normalize()
                cost_one = cost_one.quantize(ROUNDING_PLACES).normalize()
            per_request += cost_one
            items.append(
                LineItem(
                    part.component,
                    part.quantity * requests,
                    part.unit,
                    unit_price,
                    cost_one * requests,
                )
            )
    if rounded:
        warnings.append(
            "A per-minute or per-hour price split into seconds is a repeating decimal; those "
            "amounts are rounded to 18 decimal places."
        )
    all_warnings = (*(text.warnings if text else ()), *warnings)
    with exactly():
        total = per_request * requests
    return CostBreakdown(
        line_items=tuple(items),
        total=total,
        per_request=per_request,
        requests=requests,
        applied_overrides=text.applied_overrides if text else (),
        warnings=tuple(all_warnings),
    )


# -- images ------------------------------------------------------------------------------------


def parse_size(text: str, what: str = "image_size") -> tuple[int, int]:
    """``"1024x1024"`` -> (1024, 1024); anything else is a ``UsageError``."""
    width, sep, height = text.strip().lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise UsageError(
            f"{what} must be WIDTHxHEIGHT in pixels, such as '1024x1024'; got {text!r}."
        )
    w, h = int(width), int(height)
    if not (1 <= w <= MAX_IMAGE_SIDE and 1 <= h <= MAX_IMAGE_SIDE):
        raise UsageError(f"{what} sides must be between 1 and {MAX_IMAGE_SIDE:,} pixels.")
    return w, h


def image_tokens(width: int, height: int) -> int:
    """Image tokens of one output image: 16x16-pixel patches, partial ones counted whole."""
    return math.ceil(width * height / PIXELS_PER_IMAGE_TOKEN)


def _image_parts(
    model: Model, usage: Usage, media: MediaUsage, warnings: list[str], at: datetime | None
) -> tuple[list[_Part], CostBreakdown]:
    pricing = model.pricing
    count = media.output_images
    if count is None:
        count = 1 if usage.prompt_tokens == usage.completion_tokens == 0 else 0
        if count:
            warnings.append("output_images not given: one image per request was priced.")
    text = price_usage(pricing, usage, at=at, model_hint=model.id)
    parts: list[_Part] = []
    if count:
        if pricing.image_output is None:
            raise MediaPriceError(
                f"{model.id} lists no image_output price, so the cost of its images cannot be "
                "estimated; check its page on openrouter.ai."
            )
        size = media.image_size or DEFAULT_IMAGE_SIZE
        width, height = parse_size(size)
        tokens = image_tokens(width, height)
        parts.append(_Part("output_image", tokens * count, "image_token", pricing.image_output))
        warnings.append(
            f"Each {width}x{height} output image counts {tokens:,} image tokens (16x16-pixel "
            "patches; 1024x1024 = 4,096) at the listed image_output price per token."
        )
        if model.author == "openai":
            warnings.append(
                "OpenAI image models count output tokens by the quality setting: 'low' and "
                "'medium' use far fewer tokens than priced here."
            )
    elif media.image_size is not None:
        raise UsageError("image_size was given without output_images; give output_images too.")
    return parts, text


# -- video -------------------------------------------------------------------------------------

_CLASS_OF_SHORT_SIDE = {2160: "4k", 1440: "2k"}


def _class_of(width: int, height: int) -> str:
    short = min(width, height)
    return _CLASS_OF_SHORT_SIDE.get(short, f"{short}p")


def _res_number(res_class: str) -> int:
    if res_class.endswith("k"):
        return {"4k": 2160, "2k": 1440}.get(res_class, int(res_class[:-1]) * 540)
    return int(res_class[:-1])


def _video_parts(
    model: Model, video: VideoModel | None, usage: Usage, media: MediaUsage, warnings: list[str]
) -> list[_Part]:
    if video is None:
        raise MediaPriceError(
            f"{model.id} is a video model, and the video listing (GET /videos/models) has no "
            "prices for it; its prompt and completion prices of 0 are not what it bills."
        )
    seconds = media.video_seconds
    if seconds is None:
        durations = ", ".join(str(d) for d in video.supported_durations or ()) or "any"
        raise UsageError(
            f"{model.id} is billed per second of video: give video_seconds (it accepts {durations} "
            "s), resolution and, where it matters, audio and video_mode."
        )
    if video.supported_durations and seconds not in video.supported_durations:
        listed = ", ".join(str(d) for d in video.supported_durations)
        warnings.append(
            f"{model.id} accepts durations of {listed} s; a request for {seconds} s would be "
            "rejected or adjusted (a video is billed on the seconds produced)."
        )
    mode: str = media.video_mode or ("image_to_video" if usage.images else "text_to_video")
    size, res_class = _video_resolution(model, video, media.resolution)
    output = [s for s in video.skus if s.unit in ("second", "video_token", "megapixel_second")]
    audio = _audio_choice(model, video, output, media.audio, warnings)
    candidates = [
        s
        for s in output
        if _mode_fits(s, mode) and s.audio in (None, audio) and _res_fits(s, res_class)
    ]
    sku = _most_specific(model, video, candidates, mode, res_class)
    parts = [_output_part(model, video, sku, seconds, (size, res_class), warnings)]
    if usage.images:
        per_image = next((s for s in video.skus if s.unit == "input_image"), None)
        if per_image is not None:
            parts.append(_Part("input_image", usage.images, "image", per_image.usd))
        else:
            warnings.append(f"{model.id} lists no price for input images; none was added.")
    if media.video_mode is None and any(s.mode for s in output):
        warnings.append(f"video_mode not given: priced as {mode}.")
    minimum = next((s for s in video.skus if s.unit == "minimum"), None)
    if minimum is not None:
        subtotal = sum((p.unit_price * p.quantity for p in parts), ZERO)
        if subtotal < minimum.usd:
            parts.append(_Part("minimum_charge", 1, "generation", minimum.usd - subtotal))
            warnings.append(
                f"{model.id} charges at least ${minimum.usd} per generation; the request was "
                "topped up to that minimum."
            )
    return parts


def _video_resolution(
    model: Model, video: VideoModel, resolution: str | None
) -> tuple[tuple[int, int] | None, str | None]:
    """The requested size (when given as WIDTHxHEIGHT) and its resolution class."""
    if resolution is None:
        return None, None
    if "x" in resolution.lower():
        width, height = parse_size(resolution, "resolution")
        return (width, height), _class_of(width, height)
    res_class = resolution.strip().lower()
    if not (res_class.endswith("p") or res_class.endswith("k")) or not res_class[:-1].isdigit():
        raise UsageError(
            f"resolution must be like '720p', '1080p', '4K' or WIDTHxHEIGHT; got {resolution!r}."
        )
    if video.resolutions and res_class not in video.resolutions:
        listed = ", ".join(video.supported_resolutions or ())
        raise UsageError(f"{model.id} does not list resolution {resolution}; it lists: {listed}.")
    return None, res_class


def _audio_choice(
    model: Model, video: VideoModel, output: list[Sku], audio: bool | None, warnings: list[str]
) -> bool | None:
    if audio is not None:
        return audio
    if not any(s.audio is not None for s in output):
        return None
    default = bool(video.generate_audio)
    warnings.append(
        f"audio not given: priced {'with' if default else 'without'} generated audio "
        f"({model.id}'s default); pass audio={str(not default).lower()} for the other price."
    )
    return default


def _mode_fits(sku: Sku, mode: str) -> bool:
    if mode == "video_to_video":
        return sku.video_input or sku.mode == "video_to_video"
    return not sku.video_input and sku.mode in (None, mode)


def _res_fits(sku: Sku, res_class: str | None) -> bool:
    """Any SKU fits an unstated resolution: ``_most_specific`` then asks for one if it matters."""
    return sku.resolution is None or res_class is None or sku.resolution == res_class


def _most_specific(
    model: Model, video: VideoModel, candidates: list[Sku], mode: str, res_class: str | None
) -> Sku:
    if not candidates:
        unknown = [s.key for s in video.skus if s.unit == "unknown"]
        listed = ", ".join(f"{s.key}={s.price}" for s in video.skus)
        hint = f" (unrecognised price keys: {', '.join(unknown)})" if unknown else ""
        raise MediaPriceError(
            f"No price of {model.id} fits {mode}"
            f"{f' at {res_class}' if res_class else ''}{hint}; its prices: {listed}."
        )
    if res_class is None and any(s.resolution for s in candidates):
        by_res = sorted({s.resolution or "any other" for s in candidates})
        raise UsageError(
            f"{model.id} is priced by resolution ({', '.join(by_res)}): give resolution "
            f"(one of {', '.join(video.supported_resolutions or by_res)})."
        )

    def specificity(sku: Sku) -> int:
        return (sku.mode is not None) + (sku.audio is not None) + (sku.resolution is not None)

    best = max(specificity(s) for s in candidates)
    top = [s for s in candidates if specificity(s) == best]
    if len({s.usd for s in top}) > 1 or len({s.unit for s in top}) > 1:
        choices = ", ".join(f"{s.key}={s.price}" for s in top)
        raise MediaPriceError(
            f"{model.id} has several prices for this request ({choices}) and this server "
            "cannot tell which applies; check the model's page on openrouter.ai."
        )
    return top[0]


def _output_part(  # noqa: PLR0917 (private, called once)
    model: Model,
    video: VideoModel,
    sku: Sku,
    seconds: Decimal,
    resolution: tuple[tuple[int, int] | None, str | None],
    warnings: list[str],
) -> _Part:
    size, res_class = resolution
    if sku.unit == "second":
        return _Part(f"video_output ({sku.key})", seconds, "second", sku.usd)
    if sku.unit == "megapixel_second":
        variants = ", ".join(f"{s.key}={s.price}" for s in video.skus)
        raise MediaPriceError(
            f"{model.id} is priced per megapixel-second of the input video in a mode this server "
            f"does not take ({variants}, in US cents); it cannot estimate it."
        )
    if size is None:
        size = _size_for(model, video, res_class, warnings)
    width, height = size
    if video.supported_sizes and f"{width}x{height}" not in video.supported_sizes:
        warnings.append(
            f"{width}x{height} is not among {model.id}'s listed sizes; token pricing is per "
            "pixel, so it was priced as given."
        )
    frames = math.ceil(seconds * FRAMES_PER_SECOND)
    tokens = math.ceil(Decimal(width * height * frames) / PIXELS_PER_VIDEO_TOKEN)
    warnings.append(
        f"{seconds} s of {width}x{height} video = {frames} frames at {FRAMES_PER_SECOND} fps = "
        f"{tokens:,} video tokens (width x height x frames / {PIXELS_PER_VIDEO_TOKEN})."
    )
    return _Part(f"video_output ({sku.key})", tokens, "video_token", sku.usd)


def _size_for(
    model: Model, video: VideoModel, res_class: str | None, warnings: list[str]
) -> tuple[int, int]:
    """A pixel size for a resolution class: the listed 16:9 landscape size of that height."""
    sizes = [parse_size(s, "size") for s in video.supported_sizes or ()]
    if res_class is None:
        raise UsageError(
            f"{model.id} is priced per pixel: give resolution as WIDTHxHEIGHT (listed: "
            f"{', '.join(video.supported_sizes or ()) or 'none'}) or as '720p'."
        )
    short = _res_number(res_class)
    fitting = [s for s in sizes if min(s) == short]
    if not fitting:
        width = math.ceil(short * 16 / 9)
        chosen = (width + width % 2, short)
    else:
        chosen = max(fitting, key=lambda s: (s[0] >= s[1], s[0] * 9 == s[1] * 16, s[0]))
    warnings.append(
        f"resolution {res_class} priced as {chosen[0]}x{chosen[1]}; give WIDTHxHEIGHT for "
        "another aspect ratio."
    )
    return chosen


# -- audio -------------------------------------------------------------------------------------


def _transcription_parts(model: Model, media: MediaUsage, warnings: list[str]) -> list[_Part]:
    seconds = media.audio_seconds
    if seconds is None:
        raise UsageError(
            f"{model.id} is billed per second of audio: give audio_seconds, the length of the "
            "audio to transcribe."
        )
    price = model.pricing.prompt or ZERO
    unit = transcription_unit(price)
    billed = seconds
    if model.author in WHOLE_SECOND_AUTHORS and seconds != seconds.to_integral_value():
        billed = seconds.to_integral_value(rounding="ROUND_CEILING")
        warnings.append(f"{model.id} bills whole seconds: {seconds} s counted as {billed} s.")
    warnings.append(
        f"OpenRouter does not state the unit of a transcription price; ${price} was read as per "
        f"{unit} of audio from its size."
    )
    return [_Part("audio_input", billed, "second", price, int(SECONDS_IN[unit]))]


def _speech_parts(model: Model, media: MediaUsage, warnings: list[str]) -> list[_Part]:
    pricing = model.pricing
    if pricing.prompt:
        if media.characters is None:
            raise UsageError(
                f"{model.id} is billed per character of input text: give characters or speech_text."
            )
        if media.audio_seconds is not None:
            raise UsageError(
                f"{model.id} is billed per character of input text, so audio_seconds does not "
                "apply; give characters or speech_text."
            )
        unit = "byte" if model.author in PER_BYTE_AUTHORS else "character"
        warnings.append(
            "Speech is billed at the price of the provider that serves it, which can differ "
            "from the listed (cheapest) one."
        )
        return [_Part("speech_input", media.characters, unit, pricing.prompt)]
    if pricing.completion:
        if media.audio_seconds is None:
            raise UsageError(
                f"{model.id} is billed per second of generated audio: give audio_seconds, the "
                "length of the speech to produce."
            )
        return [_Part("audio_output", media.audio_seconds, "second", pricing.completion)]
    if model.variant == "free":
        return []
    raise MediaPriceError(
        f"{model.id} lists no speech price this server can interpret (prompt and completion are "
        "0); check its page on openrouter.ai."
    )


def _clip_parts(model: Model) -> list[_Part]:
    if model.variant == "free":
        return []
    price = clip_price(model)
    if price is None:
        raise MediaPriceError(
            f"{model.id} is billed per generated clip, and neither its listing nor its "
            "description states that price; check its page on openrouter.ai."
        )
    return [_Part("clip", 1, "generation", price)]


__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "KIND_ARGUMENTS",
    "MEDIA_ARGUMENTS",
    "MediaUsage",
    "check_arguments",
    "image_tokens",
    "parse_size",
    "price_media",
    "text_arguments_given",
]
