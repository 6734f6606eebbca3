"""Dropping what Whisper invents. Pure, no Django.

At the edge of a clip range Whisper sometimes "hears" a stock phrase ("Thank you very much.") squeezed
into a few milliseconds. Nobody speaks four words in 60 ms: a segment shorter than a plausible
minimum per word is not speech.
"""

from __future__ import annotations

MIN_SECONDS_PER_WORD = 0.08  # very fast speech is about 0.15 s per word


def is_implausibly_fast(*, start: float, end: float, text: str, word_count: int | None = None) -> bool:
    words = word_count if word_count else len(text.split())
    return words > 0 and (end - start) < MIN_SECONDS_PER_WORD * words
