"""What the reliability tests tried, counted as they run and printed in pytest's summary.

The fault matrix, the fuzzing, the key scans and the load tests add to these counters; the
closing summary line ("reliability: ...") is the figure the docs quote (docs/RELIABILITY.md).
"""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
NOTES: list[str] = []  # measured figures (load latencies, memory), one line each


def count(what: str, n: int = 1) -> None:
    COUNTS[what] += n


def note(line: str) -> None:
    NOTES.append(line)


def summary() -> str | None:
    if not COUNTS and not NOTES:
        return None
    lines = ["reliability: " + ", ".join(f"{name} {n:,}" for name, n in sorted(COUNTS.items()))]
    return "\n".join(lines + [f"reliability: {line}" for line in NOTES])
