"""The few core constants the tools' signatures need, without importing the core.

Decisions:
- ``initialize`` and ``tools/list`` need the tools' argument schemas, which name these bounds and
  literals, but nothing else from ``core``; importing the core (pydantic schema classes, the
  catalog, the pricing and recommendation engines) would cost every cold start tens of
  milliseconds. So the tool modules import the core inside the tool functions, and their
  signatures read these copies.
- They are copies: ``tests/test_tool_limits.py`` asserts each equals its core original, so they
  cannot drift apart.
- This module imports nothing but ``typing``.
"""

from typing import Literal

# core.pricing
MAX_TOKENS_PER_REQUEST = 100_000_000
MAX_UNITS_PER_REQUEST = 100_000
MAX_REQUESTS = 1_000_000_000

# core.media
MAX_MEDIA_SECONDS = 86_400
MAX_CHARACTERS = 10_000_000

# core.video.VideoMode
VideoMode = Literal["text_to_video", "image_to_video", "video_to_video"]

# core.recommend_media.OutputModality
OutputModality = Literal["text", "image", "video", "speech", "transcription", "embeddings"]

# core.catalog.SortKey
SortKey = Literal[
    "prompt_price", "completion_price", "blended_price", "context", "newest", "name", "intelligence"
]

# core.recommend
KNOWN_CAPABILITIES: tuple[str, ...] = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "structured_outputs",
    "json_mode",
    "response_format",
    "reasoning",
    "reasoning_effort",
    "logprobs",
    "seed",
    "web_search",
    "image_input",
    "audio_input",
    "file_input",
    "video_input",
    "image_output",
    "audio_output",
)

__all__ = [
    "KNOWN_CAPABILITIES",
    "MAX_CHARACTERS",
    "MAX_MEDIA_SECONDS",
    "MAX_REQUESTS",
    "MAX_TOKENS_PER_REQUEST",
    "MAX_UNITS_PER_REQUEST",
    "OutputModality",
    "SortKey",
    "VideoMode",
]
