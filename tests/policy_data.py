"""Real endpoint data for the policy tests, served by the fake OpenRouter.

- The catalog and endpoints: the 2026-05-31 snapshot, whose models carry the verbatim
  ``/endpoints`` answers (962 endpoints over 350 models; latency and throughput are null in it:
  it was fetched without a key).
- Latency and throughput: the 2026-09-30 table of ``z-ai/glm-5.3-flash`` (33 endpoints, p50
  latency and throughput, prices per million rounded by its author). It becomes that model's
  endpoints (prices back to USD per token, exact from the table's digits; p50 only, or the full
  percentiles for the one endpoint quoted verbatim), and the model is added to the catalog at its
  cheapest endpoint's prices, as OpenRouter lists a model. The table names providers, not tags,
  so these endpoints have no tag.
- The ZDR list: ``fake_openrouter.derived_zdr_endpoints`` (a synthetic, documented rule).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from conftest import load_snapshot
from fake_openrouter import FakeOpenRouter, endpoints_from_models_json

SNAPSHOT = "2026-05-31_openrouter-models.raw.json"
GLM_TABLE = "api/2026-09-30_model-endpoints_glm-5.3-flash_p50-table.json"
GLM = "z-ai/glm-5.3-flash"
MILLION = Decimal(1_000_000)


def _per_token(per_million: Any) -> str:
    return format(Decimal(str(per_million)) / MILLION, "f")


def glm_endpoints() -> list[dict[str, Any]]:
    """The glm-5.3-flash table as ``PublicEndpoint`` dicts."""
    table = load_snapshot(GLM_TABLE)
    verbatim = table["raw_excerpt"]
    endpoints = []
    for row in table["endpoints_table"]:
        endpoint: dict[str, Any] = {
            "name": f"{row['provider']} | {GLM}",
            "model_id": GLM,
            "provider_name": row["provider"],
            "quantization": row["quantization"],
            "context_length": None,
            "pricing": {
                "prompt": _per_token(row["prompt_usd_per_m"]),
                "completion": _per_token(row["completion_usd_per_m"]),
            },
            "uptime_last_5m": row["uptime_last_5m"],
            "uptime_last_30m": row["uptime_last_30m"],
            "uptime_last_1d": row["uptime_last_1d"],
            "latency_last_30m": {"p50": row["latency_last_30m_p50"]},
            "throughput_last_30m": {"p50": row["throughput_last_30m_p50"]},
        }
        if row["provider"] == verbatim["provider_name"] and row["quantization"] == "fp8":
            endpoint["latency_last_30m"] = verbatim["latency_last_30m"]
            endpoint["throughput_last_30m"] = verbatim["throughput_last_30m"]
        endpoints.append(endpoint)
    return endpoints


def policy_catalog() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The /models body and the endpoints the fake serves for the policy tests."""
    body = load_snapshot(SNAPSHOT)
    endpoints = endpoints_from_models_json(body)
    glm = glm_endpoints()
    endpoints[GLM] = glm
    cheapest = min(glm, key=lambda e: Decimal(e["pricing"]["prompt"]))
    body["data"].append(
        {
            "id": GLM,
            "canonical_slug": GLM,
            "name": "Z.ai: GLM 5.3 Flash (test entry from the 2026-09-30 endpoint table)",
            "created": 1790000000,
            "context_length": 1048576,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
            },
            "pricing": dict(cheapest["pricing"]),
            "top_provider": {"context_length": 1048576, "max_completion_tokens": 131072},
            "supported_parameters": ["tools", "reasoning", "response_format", "max_tokens"],
        }
    )
    return body, endpoints


def policy_fake() -> FakeOpenRouter:
    """A fake OpenRouter (not started) serving ``policy_catalog``."""
    body, endpoints = policy_catalog()
    return FakeOpenRouter(catalog=json.dumps(body).encode(), endpoints=endpoints)
