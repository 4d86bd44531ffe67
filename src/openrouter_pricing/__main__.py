"""``python -m openrouter_pricing``: the same as the ``openrouter-pricing-mcp`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
