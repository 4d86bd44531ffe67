"""Small helpers for the sentences people and agents read."""

from __future__ import annotations

IRREGULAR = {"try": "tries", "search": "searches", "is": "are"}


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``count`` and the noun in the right number: "1 try", "2 tries", "1,000 requests"."""
    word = singular if count == 1 else (many or IRREGULAR.get(singular, singular + "s"))
    return f"{count:,} {word}"


def description_of(doc: str | None) -> str:
    """A docstring as a tool or prompt description: no indentation, and each paragraph on one
    line (hosts show it as prose; the docstring's line breaks only fit the source file)."""
    import inspect

    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
