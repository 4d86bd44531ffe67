"""Build the wheel and the sdist, install them as a user would, and run the server from each.

What it proves, each on a fresh virtual environment or tool directory, offline at run time:
- the wheel holds every file of the package (the built-in catalog and ``py.typed`` included), and
  a plain (not editable) install of it serves ``list_models`` from the built-in catalog;
- the sdist holds the package and builds a wheel with the same files;
- with ``--tools``: ``uv tool install .``, ``pipx install .`` and ``uvx --from git+file://...``
  (the same route as ``uvx --from git+https://...``) give a working ``openrouter-pricing-mcp``
  command, and the ``.mcpb`` bundle, unpacked, starts with its manifest's ``mcp_config``. A
  missing ``uv`` or ``pipx`` is reported and fails the check: CI installs both.

Usage: python scripts/check_install.py [--tools] [--keep DIR]
Exit status 0 when every step passed; the first failure is printed and ends the run with 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "openrouter_pricing"
SMOKE = ROOT / "scripts" / "install_smoke.py"
COMMAND = "openrouter-pricing-mcp"
STEP_TIMEOUT = 600


class CheckFailed(Exception):
    pass


def run(cmd: list[str | Path], **kwargs: object) -> str:
    shown = " ".join(str(c) for c in cmd)
    print(f"$ {shown}", flush=True)
    done = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if done.returncode != 0:
        raise CheckFailed(f"{shown} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def package_files() -> set[str]:
    """Every file of the package as it sits in a wheel (``openrouter_pricing/...``)."""
    return {
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def check_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = package_files() - names
    if missing:
        raise CheckFailed(f"{wheel.name} lacks {sorted(missing)}")
    print(f"ok: {wheel.name} holds all {len(package_files())} package files")


def check_sdist_contents(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = {f"src/{name}" for name in package_files()} | {"pyproject.toml", "README.md"}
    missing = wanted - names
    if missing:
        raise CheckFailed(f"{sdist.name} lacks {sorted(missing)}")
    print(f"ok: {sdist.name} holds the package, pyproject.toml and README.md")


def new_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def smoke(
    python: Path, command: list[str | Path], label: str, env: dict[str, str] | None = None
) -> None:
    out = run([python, SMOKE, *command], cwd=python.parent, env=env)
    print(f"ok: {label}: {out.strip()}")


def check_wheel_and_sdist(work: Path) -> Path:
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, ROOT])
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    check_wheel_contents(wheel)
    check_sdist_contents(sdist)
    # The sdist must build a complete wheel on its own (that is what pip does with it).
    from_sdist = work / "from-sdist"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", from_sdist, sdist])
    check_wheel_contents(next(from_sdist.glob("*.whl")))

    python = new_venv(work / "wheel-venv")
    run([python, "-m", "pip", "install", "--quiet", wheel])
    located = run(
        [python, "-c", "import openrouter_pricing, sys; print(openrouter_pricing.__file__)"],
        cwd=work,
    ).strip()
    if not located.startswith(str(work / "wheel-venv")):
        raise CheckFailed(f"the installed package was imported from {located}, not the new venv")
    smoke(python, [python.parent / COMMAND], "wheel installed in a new virtual environment")
    return python


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CheckFailed(f"{name} is not on PATH (pip install {name}, or run without --tools)")
    return found


def check_tools(work: Path, client_python: Path) -> None:
    """The one-line installs a user runs; the smoke client comes from the wheel's venv."""
    env = dict(os.environ)
    env.update(
        UV_TOOL_DIR=str(work / "uv-tools"),
        UV_TOOL_BIN_DIR=str(work / "uv-bin"),
        UV_CACHE_DIR=str(work / "uv-cache"),
        PIPX_HOME=str(work / "pipx-home"),
        PIPX_BIN_DIR=str(work / "pipx-bin"),
    )
    run([tool("uv"), "tool", "install", "--quiet", ROOT], env=env)
    smoke(client_python, [work / "uv-bin" / COMMAND], "uv tool install .")

    run([tool("pipx"), "install", "--quiet", ROOT], env=env)
    smoke(client_python, [work / "pipx-bin" / COMMAND], "pipx install .")

    # uvx --from git+URL: the same route on a clone of this checkout's committed HEAD.
    clone = work / "clone"
    run(["git", "clone", "--quiet", "--no-hardlinks", ROOT, clone])
    uvx = [tool("uvx"), "--from", f"git+file://{clone}", COMMAND]
    version = run([*uvx, "--version"], env=env).strip()
    print(f"ok: uvx --from git+file://... runs: {version}")
    # Started by a host, it runs from uv's cache: no network at all (UV_OFFLINE).
    label = "uvx --from git+file://<checkout> openrouter-pricing-mcp"
    smoke(client_python, uvx, label, env={**env, "UV_OFFLINE": "1"})
    check_bundle(work, client_python, env)


def check_bundle(work: Path, client_python: Path, env: dict[str, str]) -> None:
    """The .mcpb, unpacked as a host does, started with its manifest's own mcp_config."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_mcpb

    bundle = build_mcpb.build(work / "bundle.mcpb")
    unpacked = work / "bundle"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unpacked)
    config = json.loads((unpacked / "manifest.json").read_text())["server"]["mcp_config"]
    args = [a.replace("${__dirname}", str(unpacked)) for a in config["args"]]
    command = [tool(config["command"]), *args]
    run([*command, "--version"], env=env)  # the host's first start: uv builds the environment
    smoke(client_python, command, "the .mcpb bundle's mcp_config", env={**env, "UV_OFFLINE": "1"})


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--tools", action="store_true", help="also uv tool, pipx and uvx installs")
    args.add_argument("--keep", type=Path, help="work in this directory and keep it")
    options = args.parse_args()
    work = options.keep or Path(tempfile.mkdtemp(prefix="orpm-install-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        python = check_wheel_and_sdist(work)
        if options.tools:
            check_tools(work, python)
    except (CheckFailed, subprocess.TimeoutExpired, StopIteration) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("install check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
