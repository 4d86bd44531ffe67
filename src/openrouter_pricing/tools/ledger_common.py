"""The spend tools' shared argument: tags (their calls into the ledger: ``ledger_calls``).

Decisions:
- Tags are a map of up to 8 names (letters, digits, ``_ . -``) to short strings; a bad tag is an
  error naming the rule, never silently dropped (``ledger_calls.checked_tags``).
- Only ``typing``, pydantic and ``core.limits`` at import: the tool signatures are read at
  start-up (see ``limits``).
"""

from typing import Annotated

from pydantic import Field

from ..core.limits import MAX_TAG_VALUE_CHARS, MAX_TAGS

Tags = Annotated[
    dict[str, Annotated[str, Field(min_length=1, max_length=MAX_TAG_VALUE_CHARS)]] | None,
    Field(
        max_length=MAX_TAGS,
        description='Up to 8 names to short strings, e.g. {"project": "docs-bot"}.',
    ),
]
