"""Pack the MCP Bundle (``.mcpb``) for Claude Desktop and other bundle-aware hosts.

The bundle is of the ``uv`` server type: it carries ``manifest.json``, ``pyproject.toml``, the
README and the package source (built-in catalog included), plus a three-line ``server/main.py``
entry point; the host creates the environment with uv from ``pyproject.toml`` and starts the server
with the ``mcp_config`` of the manifest (``uv run --directory <bundle> server/main.py``). The key
comes from the manifest's ``user_config`` (a sensitive field), as ``OPENROUTER_API_KEY``.

A ``.mcpb`` is a zip archive with ``manifest.json`` at its root. This script writes it itself
(same bytes for the same sources), and, when the official ``mcpb`` command is on PATH (``npm
install -g @anthropic-ai/mcpb``) or given with ``--mcpb``, validates the manifest with it first.

Usage: python scripts/build_mcpb.py [--out dist/openrouter-pricing-mcp.mcpb] [--mcpb PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = "server/main.py"
ENTRY_SOURCE = '''"""The bundle's entry point: the same as the openrouter-pricing-mcp command."""

from openrouter_pricing.cli import main

raise SystemExit(main())
'''
TOP_FILES = ("manifest.json", "pyproject.toml", "README.md")
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same bytes


class BundleError(Exception):
    pass


def load_manifest(root: Path = ROOT) -> dict[str, object]:
    """The manifest, after checking it agrees with ``pyproject.toml``."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    if manifest.get("version") != version:
        raise BundleError(
            f"manifest.json says version {manifest.get('version')!r}, pyproject.toml {version!r}"
        )
    server = manifest.get("server")
    if not isinstance(server, dict) or server.get("entry_point") != ENTRY_POINT:
        raise BundleError(f"manifest.json server.entry_point must be {ENTRY_POINT!r}")
    return manifest


def bundle_files() -> Iterator[tuple[str, bytes]]:
    """(path in the bundle, content), in a stable order."""
    for name in TOP_FILES:
        yield name, (ROOT / name).read_bytes()
    yield ENTRY_POINT, ENTRY_SOURCE.encode()
    package = ROOT / "src" / "openrouter_pricing"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield str(path.relative_to(ROOT)), path.read_bytes()


def official_validate(mcpb: str) -> None:
    done = subprocess.run(
        [mcpb, "validate", str(ROOT / "manifest.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BundleError(f"mcpb validate failed:\n{done.stdout}{done.stderr}")
    print(f"mcpb validate: {done.stdout.strip()}")


def build(out: Path) -> Path:
    load_manifest()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in bundle_files():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pack the .mcpb bundle.")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist" / "openrouter-pricing-mcp.mcpb", help="output"
    )
    parser.add_argument("--mcpb", help="the official mcpb command (default: found on PATH)")
    args = parser.parse_args(argv)
    try:
        mcpb = args.mcpb or shutil.which("mcpb")
        if mcpb:
            official_validate(mcpb)
        else:
            print("mcpb not found: manifest not checked by the official validator", file=sys.stderr)
        out = build(args.out)
    except BundleError as exc:
        print(f"build_mcpb: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
