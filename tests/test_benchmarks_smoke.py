"""The benchmark harness (``benchmarks/``) runs end to end with tiny counts.

Structure and counts only: timings are never asserted (timed assertions flake on shared machines).
The upstream-calls figures are correctness, not speed: a warm store fetches nothing, a cold one
exactly once however many calls arrive together.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT
from mcp_helpers import TOOL_NAMES

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import (
    catalog_ready,
    cold_start,
    http_throughput,
    in_process,
    load,
    run,
    stdio_latency,
    upstream,
)
from benchmarks.common import Budget, Section, snapshot_path
from benchmarks.report import as_json, markdown


def check(section: Section, rows: int, budgets: int) -> list[dict[str, Any]]:
    assert len(section.rows) == rows, [r["measure"] for r in section.rows]
    assert sum(r["budget"] is not None for r in section.rows) == budgets
    for r in section.rows:
        assert r["measure"] and (r["ours"] or r["floor"])
        if r["ratio"] is not None:
            assert r["ratio"] > 0 and math.isfinite(r["ratio"])
        if r["budget"] is not None:
            assert isinstance(r["budget"], Budget) and r["budget"].text
    assert section.seconds > 0
    return section.rows


def test_processes_cold_start_stdio_and_http() -> None:
    cold = cold_start.run(1, warm_up=False)
    check(cold, rows=3, budgets=1)  # wall time (budget), CPU time, per-round ratios
    assert cold.details["tools_listed"] == {"ours": len(TOOL_NAMES), "floor": 1}

    stdio = stdio_latency.run(3)
    check(stdio, rows=6, budgets=4)  # floor, three tools, the payload reference, peak RSS
    assert stdio.details["errors"] == {}
    assert [stdio.details["stats"][name]["n"] for name in ("estimate_cost", "rows")] == [3, 3]
    assert all(mb > 10 for mb in stdio.details["peak_rss_mb"].values())

    http = http_throughput.run(4, 1, levels=(1, 2))
    check(http, rows=3, budgets=2)
    assert http.details["errors"] == 0


def test_in_process_catalog_and_upstream_calls(tmp_path: Path) -> None:
    inproc = in_process.run(3)
    check(inproc, rows=4, budgets=0)
    assert inproc.details["errors"] == {}

    ready = catalog_ready.run(2)
    # cache, a /models JSON (only when the snapshot is beside the checkout), built-in, first search
    from_json = snapshot_path() is not None
    rows = check(ready, rows=3 + from_json, budgets=1)
    assert all("549 models" in r["measure"] for r in rows[: 2 + from_json])

    calls = upstream.run(12, 10)
    check(calls, rows=2, budgets=2)
    assert calls.details["warm"]["fake_count"] == calls.details["warm"]["fetch_count"] == 0
    assert calls.details["cold"]["fake_count"] == calls.details["cold"]["fetch_count"] == 1
    assert calls.details["warm"]["failed_calls"] == calls.details["cold"]["failed_calls"] == 0
    assert all(r["budget"].met for r in calls.rows)

    sections = [inproc, ready, calls]
    table = markdown(sections, {"Command": "test"})
    assert table.count("\n| ") == 2 + sum(len(s.rows) for s in sections)  # and the header
    json.dumps(as_json(sections, {}), default=str)


def test_the_command_writes_a_table_and_a_json_file(tmp_path: Path, capsys: Any) -> None:
    assert run.main(["--quick", "--only", "catalog", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| Measure | Ours | Floor | Ratio | Budget | |" in out
    (written,) = tmp_path.glob("*-quick.json")
    document = json.loads(written.read_text())
    assert document["header"]["machine"]["nproc"]
    assert [s["title"] for s in document["sections"]] == ["Catalog readiness"]


def test_load_reports_percentiles_and_memory() -> None:
    section = load.run(2, 3)
    assert len(section.rows) == 1 and section.rows[0]["budget"] is None
    assert section.details["calls"] == 6 and section.details["failures"] == 0
    assert section.details["p99_ms"] >= section.details["p50_ms"] > 0
    assert section.details["rss_after_mb"] > 0
