"""What users install from: pyproject metadata, server.json, the MCP Bundle, the host examples."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from openrouter_pricing.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The official schemas, when someone has put them here (they are not part of the repository).
OFFICIAL_SERVER_SCHEMA = Path(
    os.environ.get("MCP_SERVER_SCHEMA", ROOT.parent / "shared/schemas/server.schema.json")
)

sys.path.insert(0, str(ROOT / "scripts"))
import build_mcpb  # noqa: E402


def load(name: str) -> Any:
    return json.loads((ROOT / name).read_text(encoding="utf-8"))


def test_pyproject_names_the_repository() -> None:
    urls = PYPROJECT["urls"]
    assert urls["Repository"].startswith("https://github.com/")
    assert all(url.startswith("https://") for url in urls.values())


# -- server.json ------------------------------------------------------------------------------


def test_server_json_meets_the_registry_rules() -> None:
    server = load("server.json")
    schema = json.loads((FIXTURES / "server_json_required.schema.json").read_text())
    jsonschema.validate(server, schema, format_checker=jsonschema.FormatChecker())
    assert server["version"] == PYPROJECT["version"]
    (package,) = server["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == PYPROJECT["name"]
    assert package["version"] == PYPROJECT["version"]
    assert server["repository"]["url"] == PYPROJECT["urls"]["Repository"]


def test_server_json_environment_variables_are_real_and_the_key_is_secret() -> None:
    (package,) = load("server.json")["packages"]
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert variables["OPENROUTER_API_KEY"]["isSecret"] is True
    assert all(not v["isSecret"] for name, v in variables.items() if name != "OPENROUTER_API_KEY")
    # every variable listed is one the server reads
    settings_source = Path(sys.modules[Settings.__module__].__file__ or "").read_text()
    for name, variable in variables.items():
        assert f'"{name}"' in settings_source, name
        assert len(variable["description"]) > 20


def test_readme_carries_the_mcp_name_the_registry_looks_for() -> None:
    name = load("server.json")["name"]
    assert f"mcp-name: {name}" in (ROOT / "README.md").read_text()
    owner_repo = PYPROJECT["urls"]["Repository"].removeprefix("https://github.com/")
    assert name == f"io.github.{owner_repo.split('/')[0]}/{owner_repo.split('/')[1]}"


@pytest.mark.skipif(
    not OFFICIAL_SERVER_SCHEMA.is_file(),
    reason=f"no official server.schema.json at {OFFICIAL_SERVER_SCHEMA} (or MCP_SERVER_SCHEMA)",
)
def test_server_json_validates_against_the_official_schema() -> None:
    schema = json.loads(OFFICIAL_SERVER_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=jsonschema.FormatChecker()).validate(load("server.json"))


# -- the MCP Bundle -----------------------------------------------------------------------------


def test_manifest_asks_for_the_key_as_a_sensitive_field() -> None:
    manifest = load("manifest.json")
    for field in ("manifest_version", "name", "version", "description", "author", "server"):
        assert manifest[field], field
    assert manifest["version"] == PYPROJECT["version"]
    key = manifest["user_config"]["openrouter_api_key"]
    assert key["type"] == "string" and key["sensitive"] is True and key["required"] is False
    server = manifest["server"]
    assert server["type"] == "uv" and server["entry_point"] == build_mcpb.ENTRY_POINT
    env = server["mcp_config"]["env"]
    assert env["OPENROUTER_API_KEY"] == "${user_config.openrouter_api_key}"
    assert {t["name"] for t in manifest["tools"]} == {
        "list_models",
        "estimate_cost",
        "check_balance",
        "get_generation_cost",
        "recommend_model",
    }


def _mcpb_command() -> str | None:
    return os.environ.get("MCPB") or shutil.which("mcpb")


@pytest.mark.skipif(
    _mcpb_command() is None,
    reason="the official validator is not installed (npm install -g @anthropic-ai/mcpb, or MCPB=)",
)
def test_manifest_passes_the_official_mcpb_validate() -> None:
    done = subprocess.run(
        [str(_mcpb_command()), "validate", str(ROOT / "manifest.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_bundle_holds_the_package_and_its_entry_point_starts_the_server(tmp_path: Path) -> None:
    bundle = build_mcpb.build(tmp_path / "b.mcpb")
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unpacked")
    assert {"manifest.json", "pyproject.toml", "README.md", build_mcpb.ENTRY_POINT} <= names
    assert "src/openrouter_pricing/data/builtin_catalog.json" in names
    assert not any("__pycache__" in name for name in names)
    # Same sources, same bytes.
    assert build_mcpb.build(tmp_path / "again.mcpb").read_bytes() == bundle.read_bytes()
    unpacked = tmp_path / "unpacked"
    done = subprocess.run(
        [sys.executable, str(unpacked / build_mcpb.ENTRY_POINT), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(unpacked / "src")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"openrouter-pricing-mcp {PYPROJECT['version']}"


def test_bundle_refuses_a_manifest_version_that_drifted(tmp_path: Path) -> None:
    manifest = load("manifest.json")
    manifest["version"] = "9.9.9"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with pytest.raises(build_mcpb.BundleError, match=r"9\.9\.9"):
        build_mcpb.load_manifest(tmp_path)


# -- host configs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["claude_desktop_config.json", "cursor_mcp.json", "vscode_mcp.json"]
)
def test_examples_use_the_short_command_first(name: str) -> None:
    config = load(f"examples/{name}")
    servers = config.get("mcpServers") or config["servers"]
    first = next(iter(servers.values()))
    assert first["command"] in ("openrouter-pricing-mcp", "uvx")
    assert "/" not in first["command"]


def test_readme_shows_the_short_forms_before_any_absolute_path() -> None:
    readme = (ROOT / "README.md").read_text()
    short = readme.index('"command": "openrouter-pricing-mcp"')
    uvx = re.search(r"uvx --from git\+https://\S+ openrouter-pricing-mcp", readme)
    assert uvx is not None
    absolute = readme.find("/ABSOLUTE/PATH")
    assert absolute == -1 or absolute > max(short, uvx.start())
    claude_code = (ROOT / "examples/claude_code.md").read_text()
    assert claude_code.index("-- openrouter-pricing-mcp") < claude_code.index("/ABSOLUTE/PATH")
