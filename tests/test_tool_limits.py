"""The tools' copies of core constants (``tools.limits``) equal the originals, and building the
server leaves the core's heavy modules unimported (they load on the first tool call)."""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

from openrouter_pricing.core import catalog, media, pricing, recommend, recommend_media, video
from openrouter_pricing.tools import limits


def test_limits_equal_the_core_values() -> None:
    assert limits.MAX_TOKENS_PER_REQUEST == pricing.MAX_TOKENS_PER_REQUEST
    assert limits.MAX_UNITS_PER_REQUEST == pricing.MAX_UNITS_PER_REQUEST
    assert limits.MAX_REQUESTS == pricing.MAX_REQUESTS
    assert get_args(limits.SortKey) == get_args(catalog.SortKey)
    assert limits.KNOWN_CAPABILITIES == recommend.KNOWN_CAPABILITIES
    assert limits.MAX_MEDIA_SECONDS == media.MAX_MEDIA_SECONDS
    assert limits.MAX_CHARACTERS == media.MAX_CHARACTERS
    assert get_args(limits.VideoMode) == video.VIDEO_MODES
    assert get_args(limits.OutputModality) == recommend_media.OUTPUT_MODALITIES


def test_building_the_server_does_not_import_the_core() -> None:
    code = (
        "import sys\n"
        "from openrouter_pricing.core.settings import Settings\n"
        "from openrouter_pricing.server import build_server\n"
        "build_server(Settings.from_env({}))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('openrouter_pricing.core'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert set(loaded) <= {
        "openrouter_pricing.core",
        "openrouter_pricing.core.errors",
        "openrouter_pricing.core.moments",
        "openrouter_pricing.core.money",
        "openrouter_pricing.core.settings",
        "openrouter_pricing.core.text",  # plural() and description_of(): imports nothing
    }
