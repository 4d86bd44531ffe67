"""The tools' published output schemas, shipped with the package instead of derived at start-up.

Decisions:
- The SDK derives a tool's output schema from its return annotation (our ``tools.outputs``
  TypedDicts) each time the server is built: about 20 ms for the nine tools, a fifth of our
  start-up work, paid on every launch for the same result. So the schemas are derived once by
  ``scripts/build_output_schemas.py`` into ``data/output_schemas.json`` (deterministic), the
  tools are registered without the SDK's derivation, and the shipped schema is published
  (``sdk_internals.publish_output_schema``).
- ``tests/test_output_contract.py`` derives every schema the SDK's own way and fails, naming the
  command that regenerates the file, when one differs: the shipped file cannot drift from the
  TypedDicts.
"""

import json
from importlib import resources
from typing import Any

OUTPUT_SCHEMAS_FILE = "output_schemas.json"


def shipped_output_schemas() -> dict[str, dict[str, Any]]:
    """Tool name -> its output schema, as the SDK derives it."""
    resource = resources.files("openrouter_pricing") / "data" / OUTPUT_SCHEMAS_FILE
    schemas: dict[str, dict[str, Any]] = json.loads(resource.read_text(encoding="utf-8"))
    return schemas


__all__ = ["OUTPUT_SCHEMAS_FILE", "shipped_output_schemas"]
