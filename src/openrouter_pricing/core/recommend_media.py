"""Recommendations for jobs whose output is not text: images, video, speech, transcription and
embeddings, each model priced in its own units for the usage given.

Decisions:
- The output modality is the caller's, else read from the task's words (a video, an image, a
  voice-over, a transcript, embeddings), else text; ``recommend_model`` states which in its
  assumptions. A text job goes to the text engine (``recommend``); never a text model for a video
  job, nor a video model for a text one.
- Candidates are the models that output that modality. Each is priced with ``media.price_media``
  (or the token engine for per-token ones) on the usage given, with a stated default for what was
  not given (5 s of 720p video, one 1024x1024 image, 1,000 characters, 60 s of audio). A model that
  cannot be priced for that usage (a resolution it does not list, a price this server cannot read,
  a per-token transcription priced in seconds) is rejected under that reason, never guessed.
- There is no public quality benchmark for these outputs, so picks are ranked by cost (newest
  first among equal costs); one pick per base model; routers, expired models, ``:batch`` variants
  and, unless allowed, free ones are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import MediaPriceError, PricingError, RecommendationError, UsageError
from .limits import OutputModality
from .media import MediaUsage, price_media
from .pricing import CostBreakdown, Usage, price_usage
from .recommend import Recommendation, RecommendRequest, RecommendResult

if TYPE_CHECKING:
    from .catalog import Catalog
    from .schema import Model

_TASK_WORDS: tuple[tuple[OutputModality, re.Pattern[str]], ...] = (
    (
        "transcription",
        re.compile(r"\b(transcri\w*|speech[- ]to[- ]text|stt|subtitl\w*|dictation)\b"),
    ),
    (
        "speech",
        re.compile(
            r"\b(text[- ]to[- ]speech|tts|voice[- ]?overs?|narrat\w*|read\w* aloud|speak|"
            r"spoken|audiobooks?|voices?)\b"
        ),
    ),
    ("video", re.compile(r"\b(videos?|clips?|footage|animat\w*|movies?|films?|trailers?)\b")),
    (
        "image",
        re.compile(
            r"\b(images?|pictures?|photos?|illustrat\w*|logos?|drawings?|paintings?|icons?|"
            r"posters?|renders?|artwork|thumbnails?)\b"
        ),
    ),
    ("embeddings", re.compile(r"\b(embed\w*|vectori[sz]\w*|semantic search)\b")),
)
_NO_VERB_NEEDED = frozenset({"transcription", "embeddings", "speech"})
_GENERATE = re.compile(r"\b(generat\w*|creat\w*|make|produc\w*|draw|render|design|speak)\b")


def infer_output_modality(task: str) -> tuple[OutputModality, str]:
    """The modality a task produces, and why (for the assumptions)."""
    text = task.lower()
    for modality, words in _TASK_WORDS:
        found = words.search(text)
        if found and (
            modality in ("transcription", "embeddings", "speech") or _GENERATE.search(text)
        ):
            return (
                modality,
                f"output_modality {modality}, inferred from {found.group(0)!r} in the task",
            )
    return "text", "output_modality text (no other output named in the task)"


@dataclass(frozen=True)
class MediaDefaults:
    """What is priced when the caller did not say (stated in the assumptions)."""

    video_seconds: Decimal = Decimal(5)
    resolution: str = "720p"
    output_images: int = 1
    characters: int = 1000
    audio_seconds: Decimal = Decimal(60)


def _usage_for(
    modality: OutputModality, media: MediaUsage, defaults: MediaDefaults, notes: list[str]
) -> MediaUsage:
    if modality == "video":
        seconds = media.video_seconds or defaults.video_seconds
        resolution = media.resolution or defaults.resolution
        if media.video_seconds is None or media.resolution is None:
            notes.append(f"each video priced at {seconds} s and {resolution}")
        return replace(media, video_seconds=seconds, resolution=resolution)
    if modality == "image":
        count = media.output_images if media.output_images is not None else defaults.output_images
        if media.output_images is None:
            notes.append(f"{count} output image per request at {media.image_size or '1024x1024'}")
        return replace(media, output_images=count)
    if modality == "speech":
        chars = media.characters if media.characters is not None else defaults.characters
        if media.characters is None:
            notes.append(f"{chars:,} characters of text to speak per request")
        return replace(media, characters=chars)
    if modality == "transcription":
        seconds = media.audio_seconds or defaults.audio_seconds
        if media.audio_seconds is None:
            notes.append(f"{seconds} s of audio to transcribe per request")
        return replace(media, audio_seconds=seconds)
    return media


def _produces(model: Model, modality: OutputModality) -> bool:
    return modality in {m.lower() for m in model.architecture.output_modalities}


def _price(
    model: Model, modality: OutputModality, usage: Usage, media: MediaUsage, catalog: Catalog
) -> CostBreakdown:
    kind = model.billing_kind
    if kind == "token":
        if modality in ("speech", "transcription"):
            raise UsageError("billed per token, which this usage does not give")
        return price_usage(model.pricing, usage, model_hint=model.id)
    only = _only_for(kind, media)
    return price_media(
        model,
        replace(usage, prompt_tokens=0, completion_tokens=0),
        only,
        video=catalog.video_of(model),
    )


def _only_for(kind: str, media: MediaUsage) -> MediaUsage:
    """The part of the media usage that applies to this billing kind."""
    if kind == "image":
        return MediaUsage(output_images=media.output_images, image_size=media.image_size)
    if kind == "video":
        return MediaUsage(
            video_seconds=media.video_seconds,
            resolution=media.resolution,
            audio=media.audio,
            video_mode=media.video_mode,
        )
    if kind == "transcription":
        return MediaUsage(audio_seconds=media.audio_seconds)
    if kind == "speech":
        return MediaUsage(characters=media.characters, audio_seconds=media.audio_seconds)
    return MediaUsage()


def _reason(exc: PricingError) -> str:
    if isinstance(exc, MediaPriceError):
        return "price_not_interpretable"
    message = str(exc)
    if "resolution" in message:
        return "resolution"
    return "usage_not_applicable"


def recommend_media(
    catalog: Catalog,
    modality: OutputModality,
    request: RecommendRequest,
    media: MediaUsage,
    *,
    modality_note: str,
    now: datetime | None = None,
) -> RecommendResult:
    """The cheapest models that produce ``modality`` for this usage (see the module's decisions)."""
    today = (now or datetime.now(UTC)).date()
    notes = [modality_note]
    priced_media = _usage_for(modality, media, MediaDefaults(), notes)
    usage = Usage(
        prompt_tokens=request.prompt_tokens if modality == "embeddings" else 0,
        completion_tokens=0,
        requests=request.requests,
    )
    usage.validate()
    include = {a.strip().lower() for a in request.include_authors}
    exclude = {a.strip().lower() for a in request.exclude_authors}
    rejected: Counter[str] = Counter()
    reasons: dict[str, str] = {}
    rows: list[tuple[Decimal, int, str, Model, CostBreakdown]] = []
    candidates = [m for m in catalog.models if _produces(m, modality)]
    for model in candidates:
        reason = _screen(model, request, include, exclude, today)
        if reason is None:
            try:
                cost = _price(model, modality, usage, priced_media, catalog)
            except PricingError as exc:
                reason = _reason(exc)
                reasons.setdefault(reason, f"{model.id}: {exc}")
            else:
                reason = _cost_failure(cost, request)
                if reason is None:
                    rows.append((cost.per_request, -(model.created or 0), model.id, model, cost))
        if reason is not None:
            rejected[reason] += 1
    if not rows:
        raise _nothing(modality, len(candidates), rejected, reasons)
    rows.sort(key=lambda row: row[:3])
    picks: list[tuple[Model, CostBreakdown]] = []
    seen: set[str] = set()
    for _, _, _, model, cost in rows:
        if model.base_id not in seen:
            seen.add(model.base_id)
            picks.append((model, cost))
    notes.append(
        f"no public quality benchmark covers {modality} models: ranked by cost for this usage "
        "(newest first among equal costs); compare samples before committing."
    )
    recommendations = tuple(
        _recommendation(i, model, cost, modality, picks)
        for i, (model, cost) in enumerate(picks[: request.limit])
    )
    return RecommendResult(
        recommendations, len(catalog.models), dict(rejected), tuple(notes), "general"
    )


def _screen(
    model: Model, request: RecommendRequest, include: set[str], exclude: set[str], today: date
) -> str | None:
    if model.author == "openrouter" or model.pricing.is_dynamic:
        return "router"
    if model.variant == "batch" and not request.include_batch:
        return "batch_variant"
    if model.expiration_date and model.expiration_date[:10] <= today.isoformat():
        return "expired"
    if include and model.author.lower() not in include:
        return "author_not_included"
    if model.author.lower() in exclude:
        return "author_excluded"
    if model.is_free and not request.allow_free:
        return "free_not_allowed"
    return None


def _cost_failure(cost: CostBreakdown, request: RecommendRequest) -> str | None:
    cap, budget = request.max_cost_per_request_usd, request.budget_usd
    if cap is not None and cost.per_request > cap:
        return "cost_per_request"
    if budget is not None and cost.total > budget:
        return "budget"
    return None


def _recommendation(
    index: int,
    model: Model,
    cost: CostBreakdown,
    modality: OutputModality,
    picks: list[tuple[Model, CostBreakdown]],
) -> Recommendation:
    from .catalog import context_of

    units = " + ".join(
        f"{item.quantity:,} x ${item.unit_price}/{item.unit}" for item in cost.line_items
    )
    why = f"#{index + 1} by cost for this {modality} job: {units or 'free'}"
    if index + 1 < len(picks):
        nxt = picks[index + 1][1].per_request
        if nxt > 0 and cost.per_request < nxt:
            why += f"; {(1 - cost.per_request / nxt) * 100:.0f}% cheaper than the next"
    return Recommendation(
        rank=index + 1,
        model=model,
        estimated_cost_per_request=cost.per_request,
        estimated_total=cost.total,
        quality_index=None,
        quality_source=f"none: no public benchmark of {modality} output",
        tier="free" if model.is_free else "paid",
        context_length=context_of(model),
        why=why,
    )


def _nothing(
    modality: str, candidates: int, rejected: Counter[str], reasons: dict[str, str]
) -> RecommendationError:
    if not candidates:
        return RecommendationError(
            f"The catalog has no model that outputs {modality}; use list_models with "
            f"output_modalities=['{modality}'] to check, or another output_modality."
        )
    reason, count = rejected.most_common(1)[0]
    example = f" (e.g. {reasons[reason][:200]})" if reason in reasons else ""
    return RecommendationError(
        f"None of the {candidates} models that output {modality} qualifies: {reason} removed "
        f"{count}{example}; loosen that constraint or change the usage."
    )


__all__ = ["infer_output_modality", "recommend_media"]
