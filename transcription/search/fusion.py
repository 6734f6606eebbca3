"""The pure parts of hybrid search: query checks, reciprocal rank fusion and snippets with the matched words marked.

No Django here: the selector (``queries.py``) runs the two ranked lists in PostgreSQL and hands them to
:func:`reciprocal_rank_fusion`; pages and the API show :func:`snippet`'s HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

MAX_QUERY_CHARS = 300
# Cormack, Clarke & Buettcher (2009): k = 60 keeps one list's top hit from drowning the other list's.
RRF_K = 60
SNIPPET_WORDS = 40

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# PostgreSQL's english stop words (share/tsearch_data/english.stop): full-text search never matches them.
_STOPWORDS = frozenset(
    (
        "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her "
        "hers herself it its itself they them their theirs themselves what which who whom this that these "
        "those am is are was were be been being have has had having do does did doing a an the and but if or "
        "because as until while of at by for with about against between into through during before after "
        "above below to from up down in out on off over under again further then once here there when where "
        "why how all any both each few more most other some such no nor not only own same so than too very s "
        "t can will just don should now "
    ).split()
)
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


class QueryError(ValueError):
    """A query the search cannot run; the message is shown to the user as is."""


def validate_query(query: str | None, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """The query stripped, or :class:`QueryError` saying what is wrong with it."""
    text = (query or "").strip()
    if not text:
        raise QueryError("Enter something to search for.")
    if len(text) > max_chars:
        raise QueryError(f"The query is too long ({len(text)} characters; at most {max_chars}).")
    if "\x00" in text or any(ord(char) < 32 and char not in "\t\n\r" for char in text):
        raise QueryError("The query contains control characters.")
    if not _WORD.search(text):
        raise QueryError("The query has no words to search for.")
    return text


def query_terms(query: str) -> list[str]:
    """The words a hit should show marked: the query's words less stopwords and ``-excluded`` ones."""
    terms: list[str] = []
    for token in re.findall(r"-?[^\s\"]+", query):
        if token.startswith("-"):
            continue
        for word in _WORD.findall(token):
            lowered = word.lower()
            if lowered not in _STOPWORDS and lowered not in terms:
                terms.append(lowered)
    return terms


def is_plain(query: str) -> bool:
    """True when the query uses none of websearch_to_tsquery's operators: quotes, ``or``, ``-word``."""
    return '"' not in query and not re.search(r"(^|\s)-\S", query) and " or " not in f" {query.lower()} "


def _stem(word: str) -> str:
    """A light suffix strip, close enough to the Snowball stems full-text search matches on for marking."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[Hashable]],
    *,
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
    discounts: Sequence[Mapping[Hashable, float]] | None = None,
) -> list[tuple[Hashable, float]]:
    """Items of every list by their summed ``weight * discount / (k + rank)`` (rank from 1), best first.

    ``weights``: one per list. ``discounts``: per list, a factor for some of its items (default 1), for a
    list whose tail is known to be weaker than its head (full-text rows matching only some of the words).
    Ties keep the order in which items were first seen (the first list's order first), so the result is
    deterministic for equal scores.
    """
    if k < 0:
        raise ValueError("k must not be negative")
    weights = list(weights) if weights is not None else [1.0] * len(ranked_lists)
    discounts = list(discounts) if discounts is not None else [{}] * len(ranked_lists)
    if len(weights) != len(ranked_lists) or len(discounts) != len(ranked_lists):
        raise ValueError("one weight (and one discount map) per ranked list")
    scores: dict[Hashable, float] = {}
    for items, weight, discount in zip(ranked_lists, weights, discounts, strict=True):
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + weight * discount.get(item, 1.0) / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


@dataclass(frozen=True)
class _Token:
    text: str
    is_word: bool


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _WORD.finditer(text):
        if match.start() > position:
            tokens.append(_Token(text[position : match.start()], False))
        tokens.append(_Token(match.group(), True))
        position = match.end()
    if position < len(text):
        tokens.append(_Token(text[position:], False))
    return tokens


def snippet(text: str, terms: Iterable[str], *, max_words: int = SNIPPET_WORDS) -> str:
    """HTML: ``text`` escaped, its words matching ``terms`` (by stem) in ``<mark>``, cut to ``max_words``
    words around the first match with an ellipsis where text was left out."""
    stems = {_stem(term) for term in terms if term}
    tokens = _tokens(" ".join(text.split()))
    word_indexes = [index for index, token in enumerate(tokens) if token.is_word]
    matched = {index for index in word_indexes if _stem(tokens[index].text) in stems}
    first, last = 0, len(tokens)
    if len(word_indexes) > max_words:
        hits = [position for position, index in enumerate(word_indexes) if index in matched]
        start_word = max(0, (hits[0] if hits else 0) - max_words // 4)
        start_word = min(start_word, len(word_indexes) - max_words)
        first = word_indexes[start_word] if start_word else 0
        end_word = start_word + max_words
        last = word_indexes[end_word] if end_word < len(word_indexes) else len(tokens)
    parts = ["…"] if first else []
    for index in range(first, last):
        escaped = html.escape(tokens[index].text)
        parts.append(f"<mark>{escaped}</mark>" if index in matched else escaped)
    if last < len(tokens):
        parts.append("…")
    return "".join(parts).strip()
