"""Video models as ``GET /videos/models`` lists them, and the grammar of their ``pricing_skus``.

Decisions:
- ``/models`` lists video models with prompt and completion "0": that is not their price. Their
  prices are the ``pricing_skus`` of ``/videos/models``: a map of SKU name to a decimal string in
  which the name carries the unit. The grammar below was read off the real listing (95 keys over
  30 models) and checked against real bills:
  ``[text_to_video_|image_to_video_|reference_]MEASURE[_QUALIFIER...]`` where MEASURE is
  ``duration_seconds`` (USD per output second), ``cents_per_second_output`` or
  ``cents_per_video_output_second`` (US cents per output second), ``cents_per_second_video_
  continuation`` (cents per second when extending a video), ``video_tokens`` (USD per token,
  tokens = width x height x frames / 1024 at 24 frames a second) or ``cents_per_megapixel_second``
  (cents per megapixel-second of input video); a QUALIFIER is ``with_audio``, ``without_audio``,
  ``with_video_input``, a resolution (``480p``, ``1080p``, ``4k``) or a mode word (``precise``,
  ``creative``). Besides these: ``cents_per_image_input`` (per input image),
  ``reference_images`` (USD per reference image) and ``minimum_cents_per_generation`` (a floor).
- A key outside the grammar is kept and reported (``Sku.unit == "unknown"``): the estimate that
  would need it is an error naming it, never a number that only looks like a price.
- Parsing is tolerant like the rest of the schema: unknown fields are ignored, a malformed model is
  skipped and the rest kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from .limits import VideoMode
from .money import parse_price

SkuUnit = Literal[
    "second",  # per second of output video
    "video_token",  # per video token
    "megapixel_second",  # per megapixel-second of input video
    "input_image",  # per input (reference) image
    "minimum",  # a floor per generation
    "unknown",
]

FRAMES_PER_SECOND = 24
PIXELS_PER_VIDEO_TOKEN = 1024
CENT = Decimal("0.01")

_MODE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("text_to_video_", "text_to_video"),
    ("image_to_video_", "image_to_video"),
    ("reference_", "reference"),
)
# measure -> (unit, in cents?, implied mode)
_MEASURES: tuple[tuple[str, SkuUnit, bool, str | None], ...] = (
    ("cents_per_second_video_continuation", "second", True, "video_to_video"),
    ("cents_per_video_output_second", "second", True, None),
    ("cents_per_second_output", "second", True, None),
    ("cents_per_megapixel_second", "megapixel_second", True, None),
    ("duration_seconds", "second", False, None),
    ("video_tokens", "video_token", False, None),
)
_RESOLUTION = re.compile(r"^(\d{3,4})p$|^(\d)k$")


def resolution_class(text: str) -> str:
    """``"1080P"``, ``"4K"``, ``"2k"`` -> ``"1080p"``, ``"4k"``, ``"2k"``: how SKUs spell them."""
    return text.strip().lower()


@dataclass(frozen=True)
class Sku:
    """One pricing SKU of a video model, read from its name."""

    key: str
    price: Decimal  # as listed: USD, or US cents when ``cents``
    unit: SkuUnit
    cents: bool = False
    mode: str | None = None  # text_to_video, image_to_video, video_to_video, reference
    audio: bool | None = None  # True: with audio; False: without; None: either
    video_input: bool = False
    resolution: str | None = None  # "480p", "1080p", "4k", ...
    variant: str | None = None  # another qualifier (upscale "precise"/"creative")

    @property
    def usd(self) -> Decimal:
        """The price in USD per unit."""
        return self.price * CENT if self.cents else self.price

    @property
    def label(self) -> str:
        """The unit and its qualifiers, as listings show them: ``second:720p:with_audio``."""
        if self.unit == "unknown":
            return f"unknown:{self.key}"
        audio = {True: "with_audio", False: "without_audio", None: None}[self.audio]
        parts = [
            "minimum_per_generation" if self.unit == "minimum" else self.unit,
            self.mode,
            self.resolution,
            audio,
            "with_video_input" if self.video_input else None,
            self.variant,
        ]
        return ":".join(part for part in parts if part)


def parse_sku(key: str, price: Decimal) -> Sku:
    """Read one SKU name; a name outside the grammar gives ``unit="unknown"``."""
    name = key.strip().lower()
    if name == "cents_per_image_input":
        return Sku(key, price, "input_image", cents=True)
    if name == "reference_images":
        return Sku(key, price, "input_image")
    if name == "minimum_cents_per_generation":
        return Sku(key, price, "minimum", cents=True)
    mode: str | None = None
    for prefix, prefix_mode in _MODE_PREFIXES:
        if name.startswith(prefix):
            name, mode = name[len(prefix) :], prefix_mode
            break
    for measure, unit, cents, implied_mode in _MEASURES:
        if name == measure or name.startswith(measure + "_"):
            rest = name[len(measure) :].strip("_")
            return _qualified(Sku(key, price, unit, cents, mode or implied_mode), rest)
    return Sku(key, price, "unknown")


def _qualified(sku: Sku, rest: str) -> Sku:
    """``sku`` with the qualifiers in ``rest`` (``with_audio_4k`` ...); unknown ones -> unknown."""
    words = rest.split("_") if rest else []
    audio, video_input, resolution, variant = None, False, None, None
    i = 0
    while i < len(words):
        pair = "_".join(words[i : i + 3])
        if pair == "with_video_input":
            video_input, i = True, i + 3
            continue
        pair = "_".join(words[i : i + 2])
        if pair in ("with_audio", "without_audio"):
            audio, i = pair == "with_audio", i + 2
            continue
        word = words[i]
        if _RESOLUTION.match(word):
            resolution = word
        elif word in ("precise", "creative") and sku.unit == "megapixel_second":
            variant = word
        else:
            return Sku(sku.key, sku.price, "unknown")
        i += 1
    return Sku(
        sku.key,
        sku.price,
        sku.unit,
        sku.cents,
        sku.mode,
        audio,
        video_input,
        resolution,
        variant,
    )


def _sku_prices(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise ValueError("pricing_skus must be an object of SKU name to price")
    return {str(key): parse_price(price) for key, price in value.items()}


class VideoModel(BaseModel):
    """One entry of ``GET /videos/models`` (the fields pricing and validation read)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    id: str
    canonical_slug: str | None = None
    name: str = ""
    supported_resolutions: tuple[str, ...] | None = None
    supported_sizes: tuple[str, ...] | None = None
    supported_durations: tuple[int, ...] | None = None
    supported_frame_images: tuple[str, ...] | None = None
    generate_audio: bool | None = None
    pricing_skus: Annotated[dict[str, Decimal], BeforeValidator(_sku_prices)]

    @field_validator("supported_resolutions", "supported_sizes", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return None if value is None else tuple(str(v) for v in value)

    @cached_property
    def skus(self) -> tuple[Sku, ...]:
        return tuple(parse_sku(key, price) for key, price in self.pricing_skus.items())

    @cached_property
    def resolutions(self) -> tuple[str, ...]:
        """The resolutions the model lists, in SKU spelling (``"4k"``), in listed order."""
        return tuple(resolution_class(r) for r in self.supported_resolutions or ())


@dataclass(frozen=True)
class VideoListing:
    """The video models of one ``/videos/models`` answer, by id and canonical slug (any case)."""

    models: tuple[VideoModel, ...]
    as_of: str  # ISO date or timestamp of the listing
    source: str  # live, cache, builtin

    @cached_property
    def _by_key(self) -> dict[str, VideoModel]:
        keys: dict[str, VideoModel] = {}
        for model in self.models:
            keys.setdefault(model.id.lower(), model)
        for model in self.models:
            if model.canonical_slug:
                keys.setdefault(model.canonical_slug.lower(), model)
        return keys

    def get(self, model_id: str, canonical_slug: str | None = None) -> VideoModel | None:
        base = model_id.split(":", 1)[0].lower()
        found = self._by_key.get(base)
        if found is None and canonical_slug:
            found = self._by_key.get(canonical_slug.split(":", 1)[0].lower())
        return found

    def __len__(self) -> int:
        return len(self.models)


def parse_video_models(raw: Any) -> list[VideoModel]:
    """Parse a ``/videos/models`` body; malformed entries are skipped. Raises ``ValueError`` when
    the body holds no model list."""
    items = raw.get("data") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError("expected a JSON object with a 'data' list of video models")
    models: list[VideoModel] = []
    seen: set[str] = set()
    for item in items:
        try:
            model = VideoModel.model_validate(item)
        except (ValidationError, ValueError, ArithmeticError):
            continue
        if model.id not in seen:
            seen.add(model.id)
            models.append(model)
    return models


def listing_of(raw: Any, as_of: str, source: str) -> VideoListing:
    return VideoListing(tuple(parse_video_models(raw)), as_of, source)


BUILTIN_VIDEOS_FILE = "builtin_videos.json"


def load_builtin_videos() -> VideoListing:
    """The video listing shipped in the package (``scripts/build_builtin_videos.py``); an empty
    listing when the file is missing or damaged (video estimates then say they have no prices)."""
    import json
    from importlib import resources

    resource = resources.files("openrouter_pricing") / "data" / BUILTIN_VIDEOS_FILE
    try:
        raw = json.loads(resource.read_text(encoding="utf-8"))
        return listing_of(raw, str(raw["as_of"]), "builtin")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return VideoListing((), "", "builtin")


def unit_prices(model: VideoModel) -> dict[str, Decimal]:
    """The SKU prices in USD per their own unit, by ``Sku.label`` (cents converted); an unknown
    SKU keeps its name and its listed number."""
    return {sku.label: sku.usd for sku in model.skus}


def describe_units(skus: Iterable[Sku]) -> str:
    return ", ".join(f"{sku.key}={sku.price}" for sku in skus)


__all__ = [
    "FRAMES_PER_SECOND",
    "PIXELS_PER_VIDEO_TOKEN",
    "Sku",
    "VideoListing",
    "VideoMode",
    "VideoModel",
    "listing_of",
    "load_builtin_videos",
    "parse_sku",
    "parse_video_models",
    "resolution_class",
    "unit_prices",
]
