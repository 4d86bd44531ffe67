"""Each bound and vocabulary is defined once (``core.limits``) and read from there by the core and
the tools' signatures, and building the server leaves the core's heavy modules unimported (they
load on the first tool call)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from openrouter_pricing.core import (
    limits,
    pricing,
    recommend,
)
from openrouter_pricing.core.ledger import budgets
from openrouter_pricing.tools import limits as tool_limits


def test_one_definition_read_everywhere() -> None:
    for name in tool_limits.__all__:
        assert getattr(tool_limits, name) is getattr(limits, name), name
    assert vars(pricing)["MAX_TOKENS_PER_REQUEST"] is limits.MAX_TOKENS_PER_REQUEST
    assert vars(pricing)["MAX_REQUESTS"] is limits.MAX_REQUESTS
    assert vars(budgets)["MAX_TAGS"] is limits.MAX_TAGS
    assert tuple(recommend.CAPABILITIES) == limits.KNOWN_CAPABILITIES  # each capability's needs


def test_no_other_module_redefines_a_limit() -> None:
    names = set(limits.__all__)
    source = Path(limits.__file__).parent.parent
    for path in source.rglob("*.py"):
        if path.name == "limits.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    assert not (isinstance(target, ast.Name) and target.id in names), (
                        f"{path.name} defines {target.id}: import it from core.limits"
                    )


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
        "openrouter_pricing.core.limits",
        "openrouter_pricing.core.moments",
        "openrouter_pricing.core.money",
        "openrouter_pricing.core.settings",
        "openrouter_pricing.core.text",  # plural() and description_of(): imports nothing
    }
