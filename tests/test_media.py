"""Media pricing on the small hand-written fixture (runs in a plain clone): billing kinds, the
video SKU grammar, each media unit priced, every inapplicable or uninterpretable case an error,
and the tools (list_models, estimate_cost, recommend_model, get_generation_cost) over MCP against
the fake OpenRouter serving the fixture."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp import Client

from conftest import FIXTURES
from fake_openrouter import FakeOpenRouter
from mcp_helpers import dec, error_text, ok, resource_json, server_for, text_of
from openrouter_pricing.core.catalog import Catalog
from openrouter_pricing.core.errors import MediaPriceError, UsageError
from openrouter_pricing.core.media import MediaUsage, image_tokens, price_media
from openrouter_pricing.core.pricing import Usage
from openrouter_pricing.core.schema import parse_models
from openrouter_pricing.core.video import listing_of, parse_sku

MEDIA = json.loads((FIXTURES / "mini_media.json").read_text())
MODELS, _ = parse_models(MEDIA["models"])
CATALOG = Catalog(MODELS, listing_of(MEDIA["videos"], "2026-10-02", "builtin"))


def model(model_id: str) -> Any:
    found = CATALOG.get(model_id)
    assert found is not None
    return found


def price(model_id: str, usage: Usage | None = None, **media: Any) -> Any:
    m = model(model_id)
    return price_media(m, usage or Usage(), MediaUsage(**media), video=CATALOG.video_of(m))


def test_billing_kinds_and_free() -> None:
    kinds = {m.id: m.billing_kind for m in MODELS}
    assert kinds == {
        "openai/gpt-4o-mini": "token",
        "acme/motion-1": "video",
        "acme/motion-lite": "video",
        "acme/pixels-video": "video",
        "acme/paint-2": "image",
        "acme/ear-1": "transcription",
        "acme/ear-hourly": "transcription",
        "acme/voice-1": "speech",
        "acme/voice-1:free": "speech",
        "acme/tune-1": "clip",
        "acme/rank-1": "unknown",
    }
    free = {m.id for m in MODELS if m.is_free}
    assert free == {"acme/voice-1:free"}  # "0" on a media model is not free
    assert all(m.pricing.is_free for m in MODELS if m.id in {"acme/motion-1", "acme/rank-1"})


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("duration_seconds", ("second", False, None, None, None)),
        ("duration_seconds_with_audio_4k", ("second", False, None, True, "4k")),
        ("text_to_video_duration_seconds_720p", ("second", False, "text_to_video", None, "720p")),
        ("cents_per_video_output_second_480p", ("second", True, None, None, "480p")),
        (
            "cents_per_second_video_continuation_1080p",
            ("second", True, "video_to_video", None, "1080p"),
        ),
        ("video_tokens_without_audio", ("video_token", False, None, False, None)),
        ("cents_per_image_input", ("input_image", True, None, None, None)),
        ("minimum_cents_per_generation", ("minimum", True, None, None, None)),
        ("cents_per_megapixel_second_precise", ("megapixel_second", True, None, None, None)),
        ("sparkle_units_720p", ("unknown", False, None, None, None)),
        ("duration_seconds_with_glitter", ("unknown", False, None, None, None)),
    ],
)
def test_sku_grammar(key: str, expected: tuple[Any, ...]) -> None:
    unit, cents, mode, audio, resolution = expected
    sku = parse_sku(key, Decimal(5))
    assert (sku.unit, sku.cents, sku.mode, sku.audio, sku.resolution) == (
        unit,
        cents,
        mode,
        audio,
        resolution,
    )
    assert sku.usd == (Decimal("0.05") if cents else Decimal(5))


def test_video_per_second_with_audio_choice_and_resolution() -> None:
    with_audio = price("acme/motion-1", video_seconds=Decimal(8), resolution="1080p")
    assert with_audio.total == 8 * Decimal("0.30")  # generate_audio: priced with audio, and said
    assert any("audio not given" in w for w in with_audio.warnings)
    silent_4k = price("acme/motion-1", video_seconds=Decimal(6), resolution="4K", audio=False)
    assert silent_4k.total == 6 * Decimal("0.35")
    assert silent_4k.line_items[0].unit == "second"
    with pytest.raises(UsageError, match="720p, 1080p, 4K"):
        price("acme/motion-1", video_seconds=Decimal(8), resolution="480p")
    with pytest.raises(UsageError, match="video_seconds"):
        price("acme/motion-1", Usage(prompt_tokens=100))
    odd = price("acme/motion-1", video_seconds=Decimal(5), resolution="720p", audio=True)
    assert any("accepts durations of 4, 6, 8" in w for w in odd.warnings)


def test_video_cents_input_images_and_minimum_charge() -> None:
    short = price("acme/motion-lite", Usage(images=1), video_seconds=Decimal(2), resolution="480p")
    items = {i.component.split(" ")[0]: i for i in short.line_items}
    assert items["video_output"].cost == Decimal("0.08")
    assert items["input_image"].cost == Decimal("0.005")
    assert items["minimum_charge"].cost == Decimal("0.30") - Decimal("0.085")
    assert short.total == Decimal("0.30")
    long = price("acme/motion-lite", video_seconds=Decimal(10), resolution="720p")
    assert long.total == Decimal("0.6") and len(long.line_items) == 1
    with pytest.raises(UsageError, match="give resolution"):
        price("acme/motion-lite", video_seconds=Decimal(10))


def test_token_video_counts_frames_and_pixels() -> None:
    result = price(
        "acme/pixels-video", video_seconds=Decimal("4.04"), resolution="480x480", audio=False
    )
    (item,) = result.line_items
    frames = 97  # 4.04 s x 24 fps, rounded up to a whole frame
    assert item.unit == "video_token" and item.quantity == 480 * 480 * frames // 1024
    assert result.total == item.quantity * Decimal("0.000002")
    named = price("acme/pixels-video", video_seconds=Decimal(4), resolution="480p")
    assert named.line_items[0].quantity == 854 * 480 * 96 // 1024  # the listed 16:9 size
    assert any("priced as 854x480" in w for w in named.warnings)
    v2v = price(
        "acme/pixels-video",
        video_seconds=Decimal(4),
        resolution="1280x720",
        video_mode="video_to_video",
    )
    assert v2v.line_items[0].unit_price == Decimal("0.000003")


def test_images_tokens_and_sizes() -> None:
    assert image_tokens(1024, 1024) == 4096 and image_tokens(1000, 1000) == 3907
    one = price("acme/paint-2", output_images=1)
    assert one.total == 4096 * Decimal("0.0000125")
    wide = price("acme/paint-2", Usage(requests=3), output_images=2, image_size="1536x1024")
    assert wide.line_items[-1].quantity == 3 * 2 * 6144
    assert wide.total == 3 * 2 * 6144 * Decimal("0.0000125")
    with pytest.raises(UsageError, match="WIDTHxHEIGHT"):
        price("acme/paint-2", output_images=1, image_size="big")


def test_audio_units() -> None:
    per_second = price("acme/ear-1", audio_seconds=Decimal("3.5"))
    assert per_second.total == Decimal("3.5") * Decimal("0.0002")
    hourly = price("acme/ear-hourly", audio_seconds=Decimal(7200))
    assert hourly.total == Decimal("0.6")  # "0.3" is per hour: per second it would be $2,160
    assert any("per hour" in w for w in hourly.warnings)
    speech = price("acme/voice-1", characters=1000)
    assert speech.total == Decimal("0.012") and speech.line_items[0].unit == "character"
    assert price("acme/voice-1:free", characters=1000).total == 0
    with pytest.raises(UsageError, match="characters or speech_text"):
        price("acme/voice-1")
    with pytest.raises(UsageError, match="does not apply"):
        price("acme/ear-1", audio_seconds=Decimal(3), characters=10)


def test_clip_and_unknown() -> None:
    song = price("acme/tune-1", Usage(requests=4))
    assert song.total == Decimal("0.24") and song.line_items[0].unit == "generation"
    with pytest.raises(MediaPriceError, match="rerank"):
        price("acme/rank-1")


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(60), places=2),
    requests=st.integers(1, 10_000),
    audio=st.booleans(),
)
def test_n_requests_cost_n_times_one(seconds: Decimal, requests: int, audio: bool) -> None:
    for model_id, resolution in (("acme/motion-1", "720p"), ("acme/pixels-video", "1280x720")):
        args = {"video_seconds": seconds, "resolution": resolution, "audio": audio}
        one = price(model_id, Usage(), **args)
        many = price(model_id, Usage(requests=requests), **args)
        assert many.total == one.total * requests > 0


# -- the tools over MCP ------------------------------------------------------------------------


@pytest.fixture
def fake() -> Any:
    with FakeOpenRouter(catalog=MEDIA["models"], videos=MEDIA["videos"]) as server:
        yield server


async def test_list_models_never_shows_a_media_model_as_free(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake, tmp_path)) as client:
        out = ok(await client.call_tool("list_models", {"output_modalities": [], "limit": 50}))
        rows = {r["id"]: r for r in out["models"]}
        assert rows["acme/motion-1"]["billing"] == "video" and not rows["acme/motion-1"]["is_free"]
        assert rows["acme/motion-1"]["prompt_per_m"] is None
        assert rows["acme/motion-1"]["unit_prices"]["second:4k:with_audio"] == "0.5"
        assert rows["acme/motion-lite"]["unit_prices"]["second:480p"] == "0.04"
        assert rows["acme/pixels-video"]["unit_prices"]["unknown:sparkle_units_720p"] == "9"
        assert rows["acme/ear-hourly"]["unit_prices"] == {"audio_hour": "0.3"}
        assert rows["acme/paint-2"]["unit_prices"]["image_1024x1024"] == "0.0512"
        assert rows["openai/gpt-4o-mini"]["unit_prices"] == {}
        table = text_of(await client.call_tool("list_models", {"output_modalities": ["video"]}))
        assert "$0.15/second" in table and "$0/M" not in table
        free = ok(
            await client.call_tool("list_models", {"output_modalities": [], "free_only": True})
        )
        assert [r["id"] for r in free["models"]] == ["acme/voice-1:free"]


async def test_estimate_cost_media_over_mcp(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with Client(server_for(fake, tmp_path)) as client:
        video = ok(
            await client.call_tool(
                "estimate_cost",
                {"model": "acme/motion-1", "video_seconds": 8, "resolution": "4K", "requests": 3},
            )
        )
        assert dec(video["total_usd"]) == 3 * 8 * Decimal("0.50")
        assert (
            video["line_items"][0]["unit"] == "second" and video["line_items"][0]["quantity"] == 24
        )
        fractional = ok(
            await client.call_tool(
                "estimate_cost", {"model": "acme/ear-1", "audio_seconds": "3.17"}
            )
        )
        assert fractional["line_items"][0]["quantity"] == "3.17"
        spoken = ok(
            await client.call_tool(
                "estimate_cost", {"model": "acme/voice-1", "speech_text": "héllo wörld"}
            )
        )
        assert spoken["line_items"][0]["quantity"] == 11
        wrong = await client.call_tool(
            "estimate_cost", {"model": "openai/gpt-4o-mini", "video_seconds": 5}
        )
        assert "video_seconds" in error_text(wrong) and "prompt_tokens" in error_text(wrong)
        floor = await client.call_tool(
            "estimate_cost",
            {"model": "acme/motion-1:floor", "video_seconds": 4, "resolution": "720p"},
        )
        assert "per-token endpoint" in error_text(floor)
        rerank = await client.call_tool("estimate_cost", {"model": "acme/rank-1"})
        assert "rerank" in error_text(rerank)


async def test_recommend_a_video_job_proposes_only_video_models(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake, tmp_path)) as client:
        out = ok(
            await client.call_tool(
                "recommend_model", {"task": "generate a 5 second product video", "limit": 5}
            )
        )
        picks = [r["model"] for r in out["recommendations"]]
        assert picks and all(model(p).billing_kind == "video" for p in picks)
        assert any("output_modality video" in a for a in out["assumptions"])
        costs = [dec(r["estimated_cost_per_request_usd"]) for r in out["recommendations"]]
        assert costs == sorted(costs) and all(c > 0 for c in costs)
        speech = ok(
            await client.call_tool(
                "recommend_model",
                {"output_modality": "speech", "characters": 2000, "allow_free": False},
            )
        )
        assert [r["model"] for r in speech["recommendations"]] == ["acme/voice-1"]
        assert dec(
            speech["recommendations"][0]["estimated_cost_per_request_usd"]
        ) == 2000 * Decimal("0.000012")
        text = ok(await client.call_tool("recommend_model", {"task": "answer emails"}))
        assert all(r["model"] == "openai/gpt-4o-mini" for r in text["recommendations"])


async def test_media_generation_reconciled(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.generations["gen-img-1"] = {
        "id": "gen-img-1",
        "model": "acme/paint-2",
        "total_cost": 0.0512,
        "native_tokens_prompt": 12,
        "native_tokens_completion": 4096,
        "native_tokens_completion_images": 4096,
        "provider_name": "Acme",
    }
    fake.generations["gen-vid-1"] = {"id": "gen-vid-1", "model": "acme/motion-1", "total_cost": 2.4}
    async with Client(server_for(fake, tmp_path)) as client:
        image = ok(await client.call_tool("get_generation_cost", {"generation_id": "gen-img-1"}))
        assert dec(image["estimate"]["total_usd"]) == Decimal("0.0512")
        assert image["estimate"]["note"].startswith("Matches")
        video = ok(await client.call_tool("get_generation_cost", {"generation_id": "gen-vid-1"}))
        assert video["estimate"]["total_usd"] is None
        assert "seconds actually produced" in video["estimate"]["note"]


async def test_model_resource_carries_billing_and_unit_prices(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake, tmp_path)) as client:
        sheet = resource_json(await client.read_resource("openrouter://models/acme/motion-lite"))
        assert sheet["billing"] == "video" and sheet["is_free"] is False
        assert sheet["unit_prices"]["minimum_per_generation"] == "0.3"
