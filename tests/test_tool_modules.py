"""How the tools are laid out for a cheap start-up: each registered tool module holds its signature
and description, and its body is one deferred import of its implementation (``tools._impl``) and
the call; the modules loaded only after start-up import the core at the top, with ordinary
annotations and no ``TYPE_CHECKING`` block."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from openrouter_pricing import tools
from openrouter_pricing.tools import TOOLS

TOOLS_DIR = Path(tools.__file__).parent
PACKAGE = "openrouter_pricing.tools"


def _module_files() -> dict[str, Path]:
    """Every module of the tools package, by name, with its file."""
    files = {}
    for path in TOOLS_DIR.rglob("*.py"):
        parts = path.relative_to(TOOLS_DIR).with_suffix("").parts
        files[".".join((PACKAGE, *parts)).removesuffix(".__init__")] = path
    return files


def _tree(module_name: str) -> ast.Module:
    return ast.parse(_module_files()[module_name].read_text())


def _type_checking_blocks(tree: ast.Module) -> list[int]:
    def names_it(test: ast.expr) -> bool:
        return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )

    return [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.If) and names_it(node.test)
    ]


def _function_imports(tree: ast.Module) -> list[tuple[str, ast.Import | ast.ImportFrom]]:
    """Every import inside a function, with the function's name."""
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append((function.name, node))
    return found


def _quoted_annotations(tree: ast.Module) -> list[str]:
    annotations: list[ast.expr | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            every += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            annotations += [a.annotation for a in every] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return [
        ast.unparse(a)
        for a in annotations
        if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]


def test_each_tool_module_has_one_deferred_import_of_its_implementation() -> None:
    assert len(TOOLS) == 9
    for function, _, _ in TOOLS:
        name = function.__name__
        assert function.__module__ == f"{PACKAGE}.{name}", name
        tree = _tree(function.__module__)
        assert _type_checking_blocks(tree) == [], name
        imports = _function_imports(tree)
        assert len(imports) == 1, (name, [ast.unparse(node) for _, node in imports])
        ((where, node),) = imports
        assert where == name
        assert isinstance(node, ast.ImportFrom)
        assert (node.level, node.module) == (1, f"_impl.{name}"), ast.unparse(node)
        assert [alias.name for alias in node.names] == ["answer"]
        # the body: the docstring, the import and the call it returns, nothing else
        (tool,) = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == name]
        docstring, deferred, call = tool.body
        assert ast.get_docstring(tool) is not None and isinstance(docstring, ast.Expr)
        assert deferred is node
        assert isinstance(call, ast.Return) and isinstance(call.value, ast.Await), name
        assert isinstance(call.value.value, ast.Call), name
        assert ast.unparse(call.value.value.func) == "answer"


def test_the_modules_loaded_after_start_up_import_at_the_top() -> None:
    code = (
        "import sys\n"
        "from openrouter_pricing.core.settings import Settings\n"
        "from openrouter_pricing.server import build_server\n"
        "build_server(Settings.from_env({}))\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith('{PACKAGE}'))))"
    )
    at_start_up = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        ).stdout.split()
    )
    assert not {m for m in at_start_up if "._impl" in m}, at_start_up
    later = set(_module_files()) - at_start_up
    implementations = {f"{PACKAGE}._impl.{function.__name__}" for function, _, _ in TOOLS}
    assert implementations <= later
    assert {f"{PACKAGE}.endpoints", f"{PACKAGE}.under_policy"} <= later  # helpers, for instance
    for module in sorted(later):
        tree = _tree(module)
        assert _type_checking_blocks(tree) == [], module
        assert [ast.unparse(n) for _, n in _function_imports(tree)] == [], module
        assert _quoted_annotations(tree) == [], module
