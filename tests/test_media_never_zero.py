"""No model of any modality is priced $0 unless it is free, and no media price is read per token:
every model of the built-in catalog (with the built-in video listing) and of each real snapshot is
priced for a usage of its own kind; the answer is a positive amount, $0 for a free model, or an
error that says why (never a silent $0)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import load_snapshot, model_snapshot_names
from openrouter_pricing.core.builtin import load_builtin_catalog
from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import DynamicPriceError, MediaPriceError, UsageError
from openrouter_pricing.core.media import MediaUsage, price_media
from openrouter_pricing.core.pricing import Usage, price_usage
from openrouter_pricing.core.schema import Model, parse_models
from openrouter_pricing.core.video import VideoModel, load_builtin_videos

TOKEN_UNITS = {"token"}


def _media_usage(model: Model, video: VideoModel | None) -> MediaUsage:
    kind = model.billing_kind
    if kind == "video" and video is not None:
        seconds = Decimal((video.supported_durations or (5,))[0])
        sizes = video.supported_sizes or ()
        resolution = (
            sizes[0] if sizes and any(s.unit == "video_token" for s in video.skus) else None
        )
        resolution = resolution or (video.supported_resolutions or ("720p",))[0]
        return MediaUsage(video_seconds=seconds, resolution=resolution)
    return {
        "image": MediaUsage(output_images=1),
        "transcription": MediaUsage(audio_seconds=Decimal(60)),
        "speech": MediaUsage(characters=1000)
        if model.pricing.prompt
        else MediaUsage(audio_seconds=Decimal(30)),
    }.get(kind, MediaUsage())


def _check(catalog: Catalog) -> dict[str, int]:
    outcomes = {"priced": 0, "free": 0, "error": 0}
    for model in catalog.models:
        kind = model.billing_kind
        try:
            if kind == "token":
                cost = price_usage(model.pricing, Usage(prompt_tokens=1000, completion_tokens=1000))
            else:
                video = catalog.video_of(model)
                cost = price_media(model, Usage(), _media_usage(model, video), video=video)
        except (MediaPriceError, DynamicPriceError) as exc:
            assert str(exc).strip()
            outcomes["error"] += 1
            continue
        except UsageError as exc:  # a usage this model cannot take (e.g. a resolution it lacks)
            assert kind == "video", (model.id, exc)
            outcomes["error"] += 1
            continue
        if cost.total == 0:
            assert model.is_free, f"{model.id} ({kind}) priced $0 without being free"
            outcomes["free"] += 1
        else:
            assert not model.is_free or kind == "token", model.id
            outcomes["priced"] += 1
        if kind not in ("token", "image"):
            assert not {i.unit for i in cost.line_items} & TOKEN_UNITS, model.id
    return outcomes


def test_builtin_catalog_never_prices_a_paid_model_at_zero() -> None:
    builtin = load_builtin_catalog()
    models, _ = parse_models(builtin.raw)
    outcomes = _check(Catalog(models, load_builtin_videos()))
    assert outcomes["priced"] > 400 and outcomes["free"] > 0
    kinds = {m.billing_kind for m in models}
    assert {"video", "image", "transcription", "speech", "clip", "token"} <= kinds


@pytest.mark.snapshots
@pytest.mark.parametrize("name", model_snapshot_names() or ["(snapshots absent)"])
def test_every_snapshot_never_prices_a_paid_model_at_zero(name: str) -> None:
    models, _ = parse_models(load_snapshot(name))
    outcomes = _check(Catalog(models, load_builtin_videos()))
    assert outcomes["priced"] > 0
