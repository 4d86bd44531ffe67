"""What every benchmark shares: where things are, how servers start, how samples are summed up.

Decisions:
- Ours is the console script ``openrouter-pricing-mcp`` of this interpreter's environment, as a
  host starts it, pricing from the 549-model snapshot in ``../shared/data/openrouter``
  (``--catalog-file``), so no call touches the network. Without the snapshot it runs ``--offline``
  on the built-in catalog (the same 549 models) and the report says so. Snapshots are read where
  they are, never copied into the repository.
- The floor is ``floor_server.py`` run by the same interpreter.
- Both get the same minimal environment: a private HOME and cache directory, no API key.
- Statistics: the median and the nearest-rank p99 of per-call times; ratios are ours / floor.
- The SDK client validates every structured result against the tool's output schema
  (jsonschema), a cost of the client's; ``without_result_validation`` switches it off on a
  connected client, and every client here, ours and the floor's, runs with it off.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import socket
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
TESTS_DIR = REPO_ROOT / "tests"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "openrouter"
SNAPSHOT_NAME = "2026-08-18_openrouter_models_all.json"
VENV_BIN = Path(sys.executable).parent
CONSOLE_SCRIPT = VENV_BIN / "openrouter-pricing-mcp"
FLOOR_SCRIPT = BENCH_DIR / "floor_server.py"
PAYLOAD_SCRIPT = BENCH_DIR / "payload_server.py"
HANDSHAKE_PROTOCOL = "2025-11-25"  # the initialize handshake, as Claude Desktop speaks it


def snapshot_path() -> Path | None:
    """The 549-model snapshot, or ``None`` when ``../shared`` is not beside the checkout."""
    path = SHARED_DATA / SNAPSHOT_NAME
    return path if path.is_file() else None


def catalog_source() -> str:
    path = snapshot_path()
    if path is None:
        return f"built-in catalog (--offline; the snapshot was not found at {SHARED_DATA})"
    return f"{SNAPSHOT_NAME} (--catalog-file)"


def builtin_catalog_bytes() -> bytes:
    """The built-in catalog file shipped in the package, as it is on disk."""
    from importlib import resources

    from openrouter_pricing.core.builtin import BUILTIN_CATALOG_FILE

    return (resources.files("openrouter_pricing") / "data" / BUILTIN_CATALOG_FILE).read_bytes()


def catalog_bytes() -> bytes:
    """The /models body the benchmarks price from: the snapshot, else the built-in catalog."""
    path = snapshot_path()
    return path.read_bytes() if path is not None else builtin_catalog_bytes()


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server as a subprocess."""

    argv: tuple[str, ...]
    env: dict[str, str]


def server_env(home: Path) -> dict[str, str]:
    """A minimal environment: a private HOME and cache directory, no key, logs at WARNING.
    ``OPENROUTER_PRICING_STDIO`` passes through: ``=sdk`` measures ours on the SDK's stdio
    transport instead of its own (see ``openrouter_pricing.stdio_pipes``)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "OPENROUTER_PRICING_CACHE_DIR": str(home / "cache"),
    }
    if "OPENROUTER_PRICING_STDIO" in os.environ:
        env["OPENROUTER_PRICING_STDIO"] = os.environ["OPENROUTER_PRICING_STDIO"]
    return env


def ours_spec(home: Path, *transport: str) -> ServerSpec:
    """``openrouter-pricing-mcp`` pricing from the snapshot (or offline on the built-in one)."""
    path = snapshot_path()
    catalog = ("--catalog-file", str(path)) if path is not None else ("--offline",)
    return ServerSpec((str(CONSOLE_SCRIPT), *catalog, *transport), server_env(home))


def floor_spec(home: Path, *transport: str) -> ServerSpec:
    return ServerSpec((sys.executable, str(FLOOR_SCRIPT), *transport), server_env(home))


def payload_spec(home: Path) -> ServerSpec:
    return ServerSpec((sys.executable, str(PAYLOAD_SCRIPT)), server_env(home))


def http_args(port: int) -> tuple[str, ...]:
    return ("--transport", "streamable-http", "--host", "127.0.0.1", "--port", str(port))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a live process (``VmHWM``), in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmHWM for process {pid}")


def children_of(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@contextmanager
def client_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection in this (client) process while timing servers in other
    processes: a larger answer makes more garbage here, and collecting it is the client's cost."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _no_validation(name: str, result: Any) -> None:
    return None


def without_result_validation(client: Any) -> Any:
    """Switch off the client's re-validation of structured results against the output schema
    (``ClientSession.validate_tool_result``): a cost of the client's, not of the server's."""
    client.session.validate_tool_result = _no_validation
    return client


@dataclass(frozen=True)
class Stats:
    """A summary of timings, in milliseconds."""

    n: int
    median_ms: float
    p99_ms: float
    mean_ms: float
    min_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Stats:
        if not seconds:
            raise ValueError("no samples")
        ordered = sorted(seconds)
        rank = max(1, math.ceil(0.99 * len(ordered)))
        return cls(
            n=len(ordered),
            median_ms=statistics.median(ordered) * 1000,
            p99_ms=ordered[rank - 1] * 1000,
            mean_ms=statistics.fmean(ordered) * 1000,
            min_ms=ordered[0] * 1000,
        )


def ratio(ours: float, floor: float) -> float:
    return ours / floor if floor else math.inf


@dataclass(frozen=True)
class Budget:
    """One line of the budget: ``value`` (a ratio, or MB above the floor) against ``limit``."""

    text: str  # as the issue states it, e.g. "<= 1.10x"
    value: float
    op: str  # "<=", ">=" or "=="
    limit: float

    @property
    def met(self) -> bool:
        if self.op == "<=":
            return self.value <= self.limit
        if self.op == ">=":
            return self.value >= self.limit
        return self.value == self.limit

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "op": self.op, "limit": self.limit,
                "met": self.met}  # fmt: skip


def at_most(value: float, limit: float, unit: str = "x") -> Budget:
    return Budget(f"<= {limit:.2f}{unit}", value, "<=", limit)


def at_least(value: float, limit: float, unit: str = "x") -> Budget:
    return Budget(f">= {limit:.2f}{unit}", value, ">=", limit)


def exactly(value: float, wanted: float) -> Budget:
    return Budget(f"= {wanted:g}", value, "==", wanted)


def row(
    measure: str,
    ours: str,
    floor: str,
    ratio_value: float | None = None,
    budget: Budget | None = None,
) -> dict[str, Any]:
    """One line of the results table."""
    return {"measure": measure, "ours": ours, "floor": floor, "ratio": ratio_value,
            "budget": budget}  # fmt: skip


@dataclass
class Section:
    """The result of one benchmark: rows for the table and everything else for the JSON file."""

    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def load_average() -> str:
    """The 1-minute load average (other processes compete for the same cores)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "mcp": version("mcp"),
        "pydantic": version("pydantic"),
    }
