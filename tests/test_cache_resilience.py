"""The disk cache under the worst a machine can do: a process killed in the middle of a write, two
servers writing one cache at once, a cache directory that cannot be written.

Unusable cache files (empty, truncated, binary, foreign version, wrong shape) are covered at the
store level in tests/test_store.py (ignored, then replaced by a live fetch); this module covers
what needs real processes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import anyio
import pytest
from mcp import Client

from fake_openrouter import MINI_MODELS, FakeOpenRouter
from mcp_helpers import ok, server_for
from openrouter_pricing.core.openrouter import OpenRouterClient
from openrouter_pricing.core.settings import Settings
from openrouter_pricing.core.store import CACHE_FORMAT, CatalogStore
from reliability_counts import count

WORKER = Path(__file__).resolve().parent / "cache_worker.py"
WORKER_TIMEOUT_SECONDS = 60.0
KILL_ROUNDS = 12
REFRESHES_PER_SERVER = 25


def big_catalog(copies: int) -> dict[str, Any]:
    """The mini catalog repeated under new ids: a body that takes a while to write."""
    models = json.loads(MINI_MODELS.read_text())["data"]
    data = []
    for n in range(copies):
        for model in models:
            copy = dict(model)
            copy["id"] = f"{model['id'].split(':')[0]}-copy{n}" + (
                ":" + model["id"].split(":")[1] if ":" in model["id"] else ""
            )
            copy.pop("canonical_slug", None)
            data.append(copy)
    return {"data": data}


def cache_path(base_url: str, cache_dir: Path) -> Path:
    return CatalogStore(Settings(base_url=base_url, cache_dir=cache_dir), None).cache_path()


def assert_readable_cache(path: Path, base_url: str) -> dict[str, Any]:
    document = json.loads(path.read_bytes())
    assert document["format"] == CACHE_FORMAT and document["base_url"] == base_url
    assert isinstance(document["models"]["data"], list) and document["models"]["data"]
    return document  # type: ignore[no-any-return]


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(process: subprocess.Popen[str]) -> None:
    stdout: IO[str] | None = process.stdout
    assert stdout is not None
    line = stdout.readline()  # the worker prints READY within a second of starting
    assert line.strip() == "READY", (line, process.stderr.read() if process.stderr else "")


def kill(process: subprocess.Popen[str]) -> None:
    process.kill()  # SIGKILL: no cleanup, no finally, no atexit
    process.wait(timeout=WORKER_TIMEOUT_SECONDS)
    for pipe in (process.stdout, process.stderr):  # ours to close: warnings are errors here
        if pipe is not None:
            pipe.close()


def write_previous_cache(fake: FakeOpenRouter, cache_dir: Path) -> bytes:
    """A good cache written by a store that fetched from the fake: 'the previous cache'."""

    async def fetch() -> None:
        settings = fake.settings(cache_dir=cache_dir)
        async with OpenRouterClient(settings) as client, CatalogStore(settings, client) as store:
            await store.refresh_now()

    anyio.run(fetch)
    return cache_path(fake.base_url, cache_dir).read_bytes()


def test_a_process_killed_halfway_through_writing_leaves_the_previous_cache(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    previous = write_previous_cache(fake_openrouter, tmp_path)
    catalog = tmp_path / "big.json"
    catalog.write_text(json.dumps(big_catalog(40)))
    worker = spawn("stall-mid-write", fake_openrouter.base_url, str(tmp_path), str(catalog))
    try:
        wait_ready(worker)  # half of the new cache is on disk, in a temp file
    finally:
        kill(worker)
    path = cache_path(fake_openrouter.base_url, tmp_path)
    assert path.read_bytes() == previous  # untouched: the new one was never renamed into place
    assert_readable_cache(path, fake_openrouter.base_url)
    leftovers = list(tmp_path.glob(".catalog-*.tmp"))
    assert leftovers and all(p.stat().st_size > 0 for p in leftovers)  # the half-written temp
    count("cache kill rounds")


def test_after_a_kill_a_new_server_reads_the_previous_cache(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    write_previous_cache(fake_openrouter, tmp_path)
    catalog = tmp_path / "big.json"
    catalog.write_text(json.dumps(big_catalog(10)))
    worker = spawn("stall-mid-write", fake_openrouter.base_url, str(tmp_path), str(catalog))
    try:
        wait_ready(worker)
    finally:
        kill(worker)
    before = fake_openrouter.count("/models")

    async def first_call() -> dict[str, Any]:
        async with Client(server_for(fake_openrouter, tmp_path)) as client:
            return ok(await client.call_tool("list_models", {"limit": 1}))

    out = anyio.run(first_call)
    assert out["catalog"]["source"] == "cache"
    assert fake_openrouter.count("/models") == before  # served from the cache, no fetch
    count("tool calls")


def test_processes_killed_at_random_moments_of_real_writes(
    fake_openrouter: FakeOpenRouter, tmp_path: Path
) -> None:
    base_url = fake_openrouter.base_url
    write_previous_cache(fake_openrouter, tmp_path)
    catalog = tmp_path / "big.json"
    catalog.write_text(json.dumps(big_catalog(60)))  # a few MB: each write takes a moment
    path = cache_path(base_url, tmp_path)
    rng = random.Random(20260822)
    for _ in range(KILL_ROUNDS):
        worker = spawn("write-loop", base_url, str(tmp_path), str(catalog))
        try:
            wait_ready(worker)
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            kill(worker)
        assert_readable_cache(path, base_url)  # whole: the old one or a new one, never a mix
        count("cache kill rounds")
    for temp in tmp_path.glob(".catalog-*.tmp"):
        temp.unlink()


def test_two_servers_sharing_a_cache_directory_never_corrupt_it(tmp_path: Path) -> None:
    with FakeOpenRouter(catalog=big_catalog(25)) as fake:
        base_url = fake.base_url
        path = cache_path(base_url, tmp_path)
        workers = [
            spawn("refresh-loop", base_url, str(tmp_path), str(REFRESHES_PER_SERVER))
            for _ in range(2)
        ]
        reads = 0
        try:
            for worker in workers:
                wait_ready(worker)
            deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
            while any(w.poll() is None for w in workers) and time.monotonic() < deadline:
                with contextlib.suppress(FileNotFoundError):  # before the first write lands
                    assert_readable_cache(path, base_url)
                    reads += 1
        finally:
            for worker in workers:
                if worker.poll() is None:
                    kill(worker)
        outputs = [w.communicate(timeout=WORKER_TIMEOUT_SECONDS) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        assert all("DONE" in out for out, _ in outputs)
        assert fake.count("/models") == 2 * REFRESHES_PER_SERVER
    document = assert_readable_cache(path, base_url)
    assert len(document["models"]["data"]) == len(big_catalog(25)["data"])
    assert reads > 0
    assert not list(tmp_path.glob(".catalog-*.tmp"))  # every temp file was renamed or removed
    count("cache concurrent reads", reads)


@contextlib.contextmanager
def unwritable_directory(path: Path) -> Iterator[Path]:
    """A directory nothing can create files in, even as root (chmod, else chattr +i)."""
    path.mkdir()
    immutable = False
    if os.geteuid() != 0:
        path.chmod(0o500)
    elif shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(path)], check=False).returncode == 0
    try:
        probe = path / "probe"
        try:
            probe.write_text("x")
        except OSError:
            pass
        else:
            pytest.skip("no way to make a directory unwritable here")
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(0o700)


async def test_an_unwritable_cache_directory_degrades_to_memory_with_a_warning(
    fake_openrouter: FakeOpenRouter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with unwritable_directory(tmp_path / "cache") as cache_dir:
        async with Client(server_for(fake_openrouter, cache_dir)) as client:
            first = ok(await client.call_tool("list_models", {"limit": 1}))
            again = ok(await client.call_tool("estimate_cost", {"model": "openai/gpt-4o-mini"}))
        assert first["catalog"]["source"] == "live" and again["catalog"]["source"] == "live"
        assert fake_openrouter.count("/models") == 1  # held in memory, not fetched again
        assert not any(cache_dir.iterdir())
    warnings = [r for r in caplog.records if "not writable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    count("tool calls", 2)
