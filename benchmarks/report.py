"""The results as a Markdown table (for the README) and as JSON (for ``benchmarks/results/``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .common import Budget, Section


def _ratio(value: float | None) -> str:
    if value is None:
        return ""
    return "inf" if math.isinf(value) else f"{value:.2f}x"


def _status(budget: Budget | None) -> str:
    if budget is None:
        return ""
    return "pass" if budget.met else "**MISS**"


def markdown(sections: list[Section], header: dict[str, str]) -> str:
    lines = [f"- {key}: {value}" for key, value in header.items()]
    lines += [
        "",
        "| Measure | Ours | Floor | Ratio | Budget | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for section in sections:
        for r in section.rows:
            budget: Budget | None = r["budget"]
            cells = [
                r["measure"],
                r["ours"],
                r["floor"],
                _ratio(r["ratio"]),
                budget.text if budget else "",
                _status(budget),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    budgets = [r["budget"] for s in sections for r in s.rows if r["budget"] is not None]
    met = sum(b.met for b in budgets)
    lines += ["", f"Budget lines met: {met} of {len(budgets)}."]
    return "\n".join(lines)


def as_json(sections: list[Section], header: dict[str, Any]) -> dict[str, Any]:
    def plain_row(r: dict[str, Any]) -> dict[str, Any]:
        budget: Budget | None = r["budget"]
        return {**r, "budget": budget.as_dict() if budget else None}

    return {
        "header": header,
        "sections": [
            {
                "title": s.title,
                "seconds": round(s.seconds, 2),
                "rows": [plain_row(r) for r in s.rows],
                "details": s.details,
            }
            for s in sections
        ],
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
