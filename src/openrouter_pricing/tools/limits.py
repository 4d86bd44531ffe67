"""The bounds and vocabularies the tools' signatures read, from their one definition in
``core.limits`` (which imports nothing but ``typing``, so building the server stays cheap)."""

from ..core.limits import (
    KNOWN_CAPABILITIES,
    MAX_CHARACTERS,
    MAX_MEDIA_SECONDS,
    MAX_REQUESTS,
    MAX_TAG_VALUE_CHARS,
    MAX_TAGS,
    MAX_TOKENS_PER_REQUEST,
    MAX_UNITS_PER_REQUEST,
    OutputModality,
    SortKey,
    VideoMode,
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
    "OutputModality",
    "SortKey",
    "VideoMode",
]
