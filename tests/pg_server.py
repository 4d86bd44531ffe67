"""A real PostgreSQL server for the tests: initdb in a temp dir, a random loopback port, stopped
after the session.

Where no server binary is found, the PostgreSQL tests skip with the reason; under CI
(``CI=true``, where ``.ci/run`` installs the Debian package) a missing binary fails them instead.
initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` system user (the
Debian package creates it) and the commands run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_SECONDS = 30.0


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A running server; yields its ``postgresql://`` URL."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable(
            "no PostgreSQL server binary (pg_ctl, initdb) found; apt-get install postgresql"
        )
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="orp-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        try:
            shutil.chown(root, "postgres")
        except (LookupError, OSError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            _unavailable(f"running as root without a usable 'postgres' user ({exc})")
    port = _free_port()
    initdb = _as_owner(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "ledger", "--auth=trust", "-E", "UTF8"]
    )
    subprocess.run(initdb, check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = _as_owner(
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w"]
    )
    subprocess.run([*start, "start"], check=True, capture_output=True, timeout=START_SECONDS)
    try:
        yield f"postgresql://ledger@127.0.0.1:{port}/postgres"
    finally:
        stop = _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        subprocess.run(stop, check=False, capture_output=True, timeout=START_SECONDS)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str) -> str:
    """A new, empty database on the server at ``url``; its URL."""
    import psycopg

    name = f"t{time.monotonic_ns()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # a generated name, not input
    return url.rsplit("/", 1)[0] + f"/{name}"
