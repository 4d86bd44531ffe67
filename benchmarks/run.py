"""Run every benchmark and print the results table: ``.venv/bin/python -m benchmarks.run``.

Writes the Markdown table to stdout, progress to stderr, and the full results (every statistic,
the machine, the settings) to ``benchmarks/results/<UTC time>.json``. ``--quick`` runs every
benchmark with tiny counts, to check the harness (a few tens of seconds; its figures mean little).
``--only cold,stdio`` runs some of them: cold, stdio, http, inproc, catalog, upstream.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import catalog_ready, cold_start, http_throughput, in_process, load, stdio_latency, upstream
from .common import RESULTS_DIR, Section, catalog_source, load_average, machine
from .report import as_json, markdown, write_json


@dataclass(frozen=True)
class Counts:
    cold_rounds: int
    stdio_calls: int
    http_calls_per_level: int
    http_rounds: int
    inproc_calls: int
    catalog_rounds: int
    warm_calls: int
    cold_calls: int
    load_clients: int
    load_calls: int


FULL = Counts(
    cold_rounds=31,
    stdio_calls=600,
    http_calls_per_level=128,
    http_rounds=15,
    inproc_calls=600,
    catalog_rounds=21,
    warm_calls=1000,
    cold_calls=100,
    load_clients=50,
    load_calls=200,
)
QUICK = Counts(
    cold_rounds=2,
    stdio_calls=20,
    http_calls_per_level=32,
    http_rounds=1,
    inproc_calls=20,
    catalog_rounds=3,
    warm_calls=30,
    cold_calls=20,
    load_clients=4,
    load_calls=10,
)


def benchmarks(counts: Counts) -> dict[str, Callable[[], Section]]:
    """Name -> a thunk running that benchmark, in the order they run."""
    return {
        "cold": lambda: cold_start.run(counts.cold_rounds),
        "stdio": lambda: stdio_latency.run(counts.stdio_calls),
        "http": lambda: http_throughput.run(counts.http_calls_per_level, counts.http_rounds),
        "inproc": lambda: in_process.run(counts.inproc_calls),
        "catalog": lambda: catalog_ready.run(counts.catalog_rounds),
        "upstream": lambda: upstream.run(counts.warm_calls, counts.cold_calls),
        "load": lambda: load.run(counts.load_clients, counts.load_calls),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke run")
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(
        benchmarks(QUICK)))  # fmt: skip
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON goes")
    args = parser.parse_args(argv)
    counts = QUICK if args.quick else FULL
    available = benchmarks(counts)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = datetime.now(UTC)
    load_before = load_average()
    began = time.perf_counter()
    sections = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        section = available[name]()
        print(f"  {name}: {section.seconds:.1f} s", file=sys.stderr, flush=True)
        sections.append(section)
    box = machine()
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    command += f" --only {args.only}" if args.only else ""
    header = {
        "Command": f"`.venv/bin/{command}` ({time.perf_counter() - began:.0f} s)",
        "Machine": f"{box['nproc']} cores, {box['cpu']}, {box['os']}; load average "
        f"{load_before} before the run, {load_average()} after (other work on the machine)",
        "Python": f"{box['implementation']} {box['python']}, mcp {box['mcp']}, "
        f"pydantic {box['pydantic']}",
        "Catalog": catalog_source(),
        "Client": "SDK `Client`, result validation off on both sides "
        "(`ClientSession.validate_tool_result`)",
        "Run": started.strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(markdown(sections, header))
    path = (
        args.results_dir
        / f"{started.strftime('%Y%m%dT%H%M%SZ')}{'-quick' if args.quick else ''}.json"
    )
    write_json(path, as_json(sections, {**header, "machine": box, "counts": counts.__dict__}))
    print(f"results written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
