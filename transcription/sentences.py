"""Timed words grouped into subtitle-sized sentences. Pure: no Django, no model.

The model decodes a whole packed window as one segment (no timestamp tokens), so segments are rebuilt
from the word timestamps: a sentence ends at a word ending in ``.``, ``?`` or ``!``, and a sentence
longer than ``max_seconds`` is split at its widest gap between words.
"""

from __future__ import annotations

_ENDINGS = (".", "?", "!", "…", '."', '?"', '!"')


def sentences(words: list[dict], *, max_seconds: float = 8.0) -> list[list[dict]]:
    """``words`` (``{start, end, word}``, in order) as a list of sentences, each a non-empty list of words."""
    found: list[list[dict]] = []
    current: list[dict] = []
    for word in words:
        current.append(word)
        if word["word"].strip().endswith(_ENDINGS):
            found.extend(_within(current, max_seconds))
            current = []
    if current:
        found.extend(_within(current, max_seconds))
    return found


def _within(words: list[dict], max_seconds: float) -> list[list[dict]]:
    """``words`` split at their widest gaps until every part lasts at most ``max_seconds`` (or is one word)."""
    if len(words) < 2 or words[-1]["end"] - words[0]["start"] <= max_seconds:
        return [words]
    gaps = [words[i + 1]["start"] - words[i]["end"] for i in range(len(words) - 1)]
    cut = max(range(len(gaps)), key=lambda i: (gaps[i], -abs(i + 1 - len(words) / 2))) + 1
    return _within(words[:cut], max_seconds) + _within(words[cut:], max_seconds)
