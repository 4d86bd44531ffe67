"""``estimate_cost`` for models that are not billed per token: the media usage arguments gathered,
checked against the model's billing kind and priced by ``core.media`` in their own units.

Decisions:
- ``speech_text`` is counted here (characters, or UTF-8 bytes where the provider bills bytes);
  giving it with ``characters`` is an error.
- Routing variants and ``provider=`` price per-token endpoints; for a media model they are an error
  rather than an estimate at a price that does not apply.
"""

from datetime import datetime
from decimal import Decimal

from ..core.billing import PER_BYTE_AUTHORS
from ..core.catalog import Catalog, Resolved
from ..core.media import MediaUsage, price_media
from ..core.pricing import CostBreakdown, Usage
from .common import fail, pricing_errors
from .limits import VideoMode


def media_usage(  # noqa: PLR0917 (the tool's arguments, passed through in order)
    resolved: Resolved,
    output_images: int | None,
    image_size: str | None,
    video_seconds: Decimal | None,
    resolution: str | None,
    audio: bool | None,
    video_mode: VideoMode | None,
    audio_seconds: Decimal | None,
    characters: int | None,
    speech_text: str | None,
) -> MediaUsage:
    """The media arguments as one ``MediaUsage`` (``speech_text`` counted)."""
    if speech_text is not None:
        if characters is not None:
            fail("Give characters or speech_text, not both; speech_text is counted for you.")
        per_byte = resolved.model.author in PER_BYTE_AUTHORS
        characters = len(speech_text.encode()) if per_byte else len(speech_text)
    return MediaUsage(
        output_images=output_images,
        image_size=image_size,
        video_seconds=video_seconds,
        resolution=resolution,
        audio=audio,
        video_mode=video_mode,
        audio_seconds=audio_seconds,
        characters=characters,
        speech_text=speech_text is not None,
    )


def price_media_request(
    catalog: Catalog,
    resolved: Resolved,
    usage: Usage,
    media: MediaUsage,
    *,
    at: datetime,
    provider: str | None,
) -> CostBreakdown:
    """The estimate of a request to a model billed per image, second, character or clip."""
    model = resolved.model
    if provider or resolved.routing_variant:
        routed = f"provider={provider!r}" if provider else f"':{resolved.routing_variant}'"
        fail(
            f"{routed} prices a per-token endpoint, and {model.id} is billed per "
            f"{model.billing_kind} unit; estimate it without it."
        )
    with pricing_errors():
        return price_media(model, usage, media, video=catalog.video_of(model), at=at)


def video_listing_note(catalog: Catalog) -> str | None:
    """Where video prices came from when it is not the live listing."""
    videos = catalog.videos
    if videos is None or videos.source == "live":
        return None
    return f"Video prices come from the {videos.source} video listing as of {videos.as_of[:10]}."
