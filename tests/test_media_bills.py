"""Real media bills (2026-10-02) reproduced by ``estimate_cost`` with each request's usage, and the
ones the listed prices cannot determine, each explained.

The fake OpenRouter serves the catalog of that day (the media subset of /models recorded with the
bills, over the 2026-08-18 full listing for the billed models the subset lacks) and the
/videos/models listing of the same day. Bills are OpenRouter's floats (``1.05561e-05``): an exact
reproduction is one equal to the bill's decimal digits, or within the float's own precision where
the listed price is a repeating decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from conftest import load_snapshot, snapshot_path
from fake_openrouter import FakeOpenRouter
from mcp_helpers import dec, error_text, ok, server_for

BILLS = "media/2026-10-02_media-billing-records.json"


def _catalog() -> dict[str, Any]:
    subset = load_snapshot("media/2026-10-02_models-all_media-subset.json")["data"]
    full = load_snapshot("2026-08-18_openrouter_models_all.json")["data"]
    same_day = {m["id"] for m in subset}
    return {"data": subset + [m for m in full if m["id"] not in same_day]}


@pytest.fixture(scope="module")
def bills() -> Any:
    return load_snapshot(BILLS)


@pytest.fixture
def fake(tmp_path: Path) -> Any:
    catalog = _catalog()
    videos = snapshot_path("media/2026-10-02_videos-models.json")
    with FakeOpenRouter(catalog=catalog, videos=videos) as server:
        yield server


async def _estimate(fake: FakeOpenRouter, tmp_path: Path, **args: Any) -> dict[str, Any]:
    async with Client(server_for(fake, tmp_path)) as client:
        return ok(await client.call_tool("estimate_cost", args))


def _bill(value: float) -> Decimal:
    return Decimal(str(value))


def _within_float(estimate: Decimal, billed: float) -> bool:
    return abs(estimate - _bill(billed)) <= abs(_bill(billed)) * Decimal("1e-12")


async def test_grok_video_one_second_480p_with_a_first_frame(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    request = bills["video"]["grok_first_frame_request"]
    out = await _estimate(
        fake,
        tmp_path,
        model=request["model"],
        video_seconds=request["duration"],
        resolution=request["resolution"],
        images=len(request["frame_images"]),
    )
    billed = bills["video"]["grok_poll_completed"]["usage"]["cost"]
    assert dec(out["total_usd"]) == _bill(billed)  # 5 cents a second + 0.2 cents an input image
    units = {i["unit"] for i in out["line_items"]}
    assert units == {"second", "image"}
    assert bills["generation_records"]["video"]["data"]["total_cost"] == billed


async def test_seedance_tokens_from_the_seconds_produced(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    facts = bills["doc_facts"]["video_seedance_2_0_mini"]
    width, height = facts["output"].split()[0].split("x")
    seconds = facts["output"].split(", ")[1].removesuffix(" s")
    out = await _estimate(
        fake,
        tmp_path,
        model=facts["model"],
        video_seconds=seconds,
        resolution=f"{width}x{height}",
        audio=facts["generate_audio"],
        images=len(facts["frame_images"]),
    )
    billed = bills["video"]["seedance_2_0_mini_poll_completed"]["usage"]["cost"]
    assert dec(out["total_usd"]) == _bill(billed)
    (item,) = out["line_items"]
    assert item["unit"] == "video_token" and item["quantity"] == 38_800
    # The request asked for 4 s; the model produced 97 frames (4.04 s), and that is what was billed.
    asked = await _estimate(
        fake,
        tmp_path,
        model=facts["model"],
        video_seconds=facts["duration_s"],
        resolution=f"{width}x{height}",
        audio=False,
    )
    assert dec(asked["total_usd"]) < _bill(billed)


async def test_flux_klein_image_and_the_unlisted_reference_fee(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    generate = bills["images"]["generate"]
    out = await _estimate(fake, tmp_path, model=generate["request"]["model"], output_images=1)
    assert dec(out["total_usd"]) == _bill(generate["response"]["usage"]["cost"])
    assert out["line_items"][0]["quantity"] == generate["response"]["usage"]["completion_tokens"]
    # The edit with one 1024x1024 reference billed $0.001 more: /models lists no price for input
    # references of this model (only image_output), so no estimate can contain it.
    edit = bills["images"]["edit_with_one_reference"]["response"]["usage"]
    same = await _estimate(fake, tmp_path, model=generate["request"]["model"], output_images=1)
    assert _bill(edit["cost"]) - dec(same["total_usd"]) == Decimal("0.001")
    klein = next(m for m in _catalog()["data"] if m["id"] == generate["request"]["model"])
    assert set(klein["pricing"]) == {"prompt", "completion", "image_output"}


@pytest.mark.parametrize(
    "case",
    [
        ("whisper_large_v3_turbo_json", "openai/whisper-large-v3-turbo", True),
        ("grok_stt_1_0_json", "x-ai/grok-stt-1.0", False),
        ("deepgram_nova_3_diarize", "deepgram/nova-3", False),
        ("mai_transcribe_2_azure_diarize", "microsoft/mai-transcribe-2", False),
    ],
)
async def test_transcription_bills(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any, case: tuple[str, str, bool]
) -> None:
    record, model, exact = case
    body = bills["stt"][record]
    usage = (body.get("response") or body)["usage"]
    audio = (body.get("response") or {}).get("duration", usage["seconds"])
    out = await _estimate(fake, tmp_path, model=model, audio_seconds=str(audio))
    total = dec(out["total_usd"])
    if exact:
        assert total == _bill(usage["cost"])
    else:  # a float bill of a repeating-decimal price: equal to the float's own precision
        assert _within_float(total, usage["cost"]), (total, usage["cost"])
    assert any("per" in w and "of audio" in w for w in out["warnings"])


async def test_lyria_clip_and_song_at_the_price_their_descriptions_state(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    music = bills["doc_facts"]["music_lyria"]
    for model in ("google/lyria-3-clip-preview", "google/lyria-3-pro-preview"):
        out = await _estimate(fake, tmp_path, model=model)
        assert dec(out["total_usd"]) == _bill(music[model]["cost_usd"])
        assert out["line_items"][0]["unit"] == "generation"
    assert music["catalog_pricing"] == {"prompt": "0", "completion": "0"}


async def test_decision_model_billed_on_input_tokens(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    usage = bills["doc_facts"]["decisions_jev"]["usage"]
    out = await _estimate(
        fake,
        tmp_path,
        model="typesafe/jev-1.13",
        prompt_tokens=usage["input_tokens"],
        completion_tokens=usage["output_tokens"],
    )
    assert dec(out["total_usd"]) == _bill(usage["cost"])


async def test_speech_is_billed_at_the_serving_provider_price(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    """Kokoro lists $0.62 per million characters (DeepInfra, the cheapest); the bills came from
    Together at $4 per million. The estimate is the listed price and says why a bill differs."""
    tts = bills["tts"]["kokoro_mp3"]["request"]
    out = await _estimate(fake, tmp_path, model=tts["model"], speech_text=tts["input"])
    chars = len(tts["input"])
    listed = Decimal(
        next(m for m in _catalog()["data"] if m["id"] == tts["model"])["pricing"]["prompt"]
    )
    assert dec(out["total_usd"]) == chars * listed
    billed = _bill(bills["generation_records"]["tts"]["data"]["total_cost"])
    assert billed == chars * Decimal("0.000004") != dec(out["total_usd"])
    assert bills["doc_facts"]["tts_kokoro"]["routed_rate"] == "$4/M characters"
    assert any("provider that serves it" in w for w in out["warnings"])
    pcm = _bill(bills["doc_facts"]["tts_kokoro_pcm_20_chars_cost_usd"])
    assert pcm == 20 * Decimal("0.000004")


async def test_gemini_tts_token_bill_is_one_prompt_token_off(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    """Gemini TTS is billed per token. With the 5 prompt and 63 audio tokens recorded, the listed
    prices give $0.0005695; the bill says $0.00057, which is 6 prompt tokens: the record shows one
    token fewer than was billed, so this bill cannot be reproduced from it."""
    facts = bills["doc_facts"]["tts_gemini_3_8_flash"]
    args = {"model": "google/gemini-3.8-flash-tts", "completion_tokens": 63}
    recorded = await _estimate(fake, tmp_path, prompt_tokens=facts["tokens_prompt"], **args)
    assert dec(recorded["total_usd"]) == Decimal("0.0005695")
    plus_one = await _estimate(fake, tmp_path, prompt_tokens=facts["tokens_prompt"] + 1, **args)
    assert dec(plus_one["total_usd"]) == _bill(facts["cost_usd"])


async def test_gpt_image_quality_tokens_are_not_determined_by_the_listing(
    fake: FakeOpenRouter, tmp_path: Path, bills: Any
) -> None:
    """OpenAI counts an image's output tokens by its quality setting (372 at 'low' here); the
    listing gives no such table, so an estimate prices the full-size token count and says so. The
    bill itself is 12 prompt tokens and 372 image tokens at the listed prices."""
    facts = bills["doc_facts"]["image_gpt_image_1_mini_stream"]
    pricing = next(m for m in _catalog()["data"] if m["id"] == facts["model"])["pricing"]
    tokens = facts["usage_completion_tokens"]
    from_listing = 12 * Decimal(pricing["prompt"]) + tokens * Decimal(pricing["image_output"])
    assert from_listing == _bill(facts["cost_usd"])
    out = await _estimate(fake, tmp_path, model=facts["model"], output_images=1)
    assert out["line_items"][-1]["quantity"] == 4096
    assert any("quality setting" in w for w in out["warnings"])


async def test_video_model_asked_in_tokens_is_an_error_saying_what_to_give(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    async with Client(server_for(fake, tmp_path)) as client:
        veo = await client.call_tool(
            "estimate_cost", {"model": "google/veo-3.1", "prompt_tokens": 100}
        )
        assert "video_seconds" in error_text(veo)
        silent = await client.call_tool("estimate_cost", {"model": "google/veo-3.1"})
        assert "video_seconds" in error_text(silent)
        eight = ok(
            await client.call_tool(
                "estimate_cost",
                {
                    "model": "google/veo-3.1",
                    "video_seconds": 8,
                    "resolution": "1080p",
                    "audio": True,
                },
            )
        )
        assert dec(eight["total_usd"]) == 8 * Decimal("0.40")
        res = await client.call_tool(
            "estimate_cost", {"model": "google/veo-3.1", "video_seconds": 8, "resolution": "480p"}
        )
        assert "720p" in error_text(res) and "4K" in error_text(res)


def test_the_bills_file_is_what_these_tests_read() -> None:
    body = json.loads(snapshot_path(BILLS).read_text())
    assert {"generation_records", "video", "images", "stt", "tts", "doc_facts"} <= set(body)
