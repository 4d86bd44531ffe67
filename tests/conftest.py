"""Shared fixtures: where the real OpenRouter snapshots are, and skipping cleanly without them."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "openrouter"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SNAPSHOT_SKIP_REASON = (
    f"the real OpenRouter snapshots are not at {SHARED_DATA} "
    "(they live in ../shared beside the checkout; a plain clone has only the small fixtures)"
)


# The default ledger (SQLite in the user data dir) and the price history every catalog load
# records go to a private directory, never to the real user data dir.
_DATA_HOME = tempfile.mkdtemp(prefix="orp-test-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
atexit.register(shutil.rmtree, _DATA_HOME, True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the session (see pg_server); skips where none can start."""
    from pg_server import postgres_server

    with postgres_server() as url:
        yield url


def snapshot_path(name: str) -> Path:
    """The path of one real snapshot; skips the calling test when ../shared is not there."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(SNAPSHOT_SKIP_REASON)
    return path


def load_snapshot(name: str) -> Any:
    return json.loads(snapshot_path(name).read_text(encoding="utf-8"))


def model_snapshot_names() -> list[str]:
    """Every /models snapshot file name (empty when ../shared is absent)."""
    if not SHARED_DATA.is_dir():
        return []
    return sorted(p.name for p in SHARED_DATA.glob("*.json") if "models" in p.name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line with what the reliability tests tried (scenarios, inputs, calls)."""
    from reliability_counts import summary

    line = summary()
    if line:
        terminalreporter.write_line(line)


# Registers the fake_openrouter fixture (tests/fake_openrouter.py) for every test.
from fake_openrouter import fake_openrouter_fixture  # noqa: E402, F401
