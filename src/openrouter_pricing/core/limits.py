"""The bounds and vocabularies that both the core and the tools' argument schemas use, defined once.

Decisions:
- ``initialize`` and ``tools/list`` need the tools' argument schemas, which name these bounds and
  literals, but nothing else of the core; this module imports nothing but ``typing``, so the tool
  modules read it at start-up while the heavy core (pydantic schema classes, the catalog, the
  pricing and recommendation engines) loads on the first call.
- Every other module imports these from here: a bound is changed in one place.
"""

from typing import Literal, get_args

# Per request: beyond these an estimate is noise (a typo or an attack), not a workload.
MAX_TOKENS_PER_REQUEST = 100_000_000
MAX_UNITS_PER_REQUEST = 100_000
MAX_REQUESTS = 1_000_000_000
MAX_MEDIA_SECONDS = 86_400  # a day of video or audio per request
MAX_CHARACTERS = 10_000_000  # text to speak per request

# Ledger tags: a few short names, validated before any SQL sees them.
MAX_TAGS = 8
MAX_TAG_VALUE_CHARS = 100

VideoMode = Literal["text_to_video", "image_to_video", "video_to_video"]
VIDEO_MODES: tuple[VideoMode, ...] = get_args(VideoMode)

OutputModality = Literal["text", "image", "video", "speech", "transcription", "embeddings"]
OUTPUT_MODALITIES: tuple[OutputModality, ...] = get_args(OutputModality)

SortKey = Literal[
    "prompt_price", "completion_price", "blended_price", "context", "newest", "name", "intelligence"
]
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)

# What ``recommend_model`` can require; ``core.recommend.CAPABILITIES`` says what each asks of a
# model (a test holds its keys equal to this list).
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
    "MAX_TAGS",
    "MAX_TAG_VALUE_CHARS",
    "MAX_TOKENS_PER_REQUEST",
    "MAX_UNITS_PER_REQUEST",
    "OUTPUT_MODALITIES",
    "SORT_KEYS",
    "VIDEO_MODES",
    "OutputModality",
    "SortKey",
    "VideoMode",
]
