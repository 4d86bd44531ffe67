"""Reproducible measurements of openrouter-pricing-mcp against a bare-SDK floor.

Run ``.venv/bin/python -m benchmarks.run`` from the repository root (see README.md here).
"""
