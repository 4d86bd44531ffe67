"""Check the words of a ``list_models`` filter against what the catalog actually holds.

Decisions:
- A value no model in the whole catalog has (a misspelt parameter, an author that does not exist)
  is an error naming close matches, not an empty page: "No models match" would send the agent
  guessing. A known value that simply matches nothing with the other filters stays an empty page.
- Matching is case-insensitive, as the filters are. Close matches come by spelling (``difflib``),
  then by prefix; when the known values are few they are all listed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from .errors import UsageError

FILTERS = ("author", "input_modalities", "output_modalities", "supports")
LIST_ALL_UP_TO = 30  # known values listed in full when there are at most this many
CLOSE_MATCHES = 4


def close_matches(value: str, known: Iterable[str], n: int = CLOSE_MATCHES) -> list[str]:
    """Up to ``n`` known values close to ``value``: by spelling first, then sharing its start."""
    needle = value.strip().lower()[:100]
    pool = sorted(set(known))
    found = difflib.get_close_matches(needle, pool, n=n, cutoff=0.6)
    if len(found) < n and len(needle) >= 3:
        found += [v for v in pool if v.startswith(needle[:3]) and v not in found]
    return found[:n]


def check_filter_terms(
    vocabulary: Mapping[str, frozenset[str]], given: Mapping[str, Iterable[str]]
) -> None:
    """Raise ``UsageError`` for the first value in ``given`` (filter -> values) that no model in
    the catalog has; ``vocabulary`` is filter -> every value the catalog holds (lower case)."""
    for name, values in given.items():
        known = vocabulary.get(name, frozenset())
        for value in values:
            if value.strip().lower() in known:
                continue
            message = f"No model in the catalog has {name} {value[:60]!r}"
            close = close_matches(value, known)
            if close:
                message += f"; close matches: {', '.join(close)}"
            if 0 < len(known) <= LIST_ALL_UP_TO:
                message += f"; known values: {', '.join(sorted(known))}"
            elif not close:
                message += "; check the spelling, or leave the filter out"
            raise UsageError(message + ".")
