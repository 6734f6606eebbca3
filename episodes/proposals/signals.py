"""The raw signals highlight scoring fuses, as per-second series on the stream timeline (pure: no Django).

Baselines are robust and local: a moment is compared with the median and spread of the ``baseline``
seconds around it, so a stream that gets louder or busier over the evening does not make its whole
second half a highlight, and a moment's own spike barely moves its baseline.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SILENT_DB = -70.0  # quieter than this is silence: floors the loudness series


@dataclass(frozen=True)
class ChatEvent:
    at: float  # seconds on the stream timeline
    chatter: str
    text: str


@dataclass(frozen=True)
class Moment:
    """A moment a summary engine named, on the stream timeline."""

    start: float
    end: float
    title: str


@dataclass(frozen=True)
class StreamData:
    """Everything scoring reads about one stream, as plain data."""

    duration: float
    loudness: Sequence[float]  # dBFS, one value per second of the stream timeline
    words: Sequence[tuple[float, str]]  # (start on the stream timeline, word)
    chat: Sequence[ChatEvent]
    moments: Sequence[Moment] = ()


def rolling_median_spread(values: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD-based spread (1.4826 × MAD, σ for normal data) of ``values[i - radius : i + radius + 1]``
    for each ``i``, the window shrinking at the edges."""
    count = len(values)
    if count == 0:
        return values.copy(), values.copy()
    size = min(2 * radius + 1, count)
    padded = np.pad(values, (size // 2, size - 1 - size // 2), mode="reflect" if count > 1 else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)
    # A stride over positions keeps this O(n·size/stride) for long streams; the baseline moves slowly.
    stride = max(1, size // 16)
    sample = windows[::stride]
    medians = np.median(sample, axis=1)
    spreads = 1.4826 * np.median(np.abs(sample - medians[:, None]), axis=1)
    index = np.minimum(np.arange(count) // stride, len(medians) - 1)
    return medians[index], spreads[index]


def robust_z(values: np.ndarray, radius: int, *, floor: float, poisson: bool = False) -> np.ndarray:
    """How far each value sits above its local baseline, in spreads. ``floor``: the smallest spread
    believed (a stretch of identical values has none). ``poisson``: counts, whose spread is at least the
    square root of their median."""
    medians, spreads = rolling_median_spread(values, radius)
    if poisson:
        spreads = np.maximum(spreads, np.sqrt(medians + 1.0))
    return (values - medians) / np.maximum(spreads, floor), medians


def loudness_series(loudness: Sequence[float], seconds: int) -> np.ndarray:
    series = np.full(seconds, SILENT_DB)
    values = np.asarray([v if v is not None and math.isfinite(v) else SILENT_DB for v in loudness[:seconds]], float)
    series[: len(values)] = np.maximum(values, SILENT_DB)
    return series


def per_second(times: Sequence[float], seconds: int, weights: Sequence[float] | None = None) -> np.ndarray:
    """How many events (or how much weight) fall in each second of ``[0, seconds)``."""
    series = np.zeros(seconds)
    if not len(times):
        return series
    index = np.floor(np.asarray(times, float)).astype(int)
    keep = (index >= 0) & (index < seconds)
    np.add.at(series, index[keep], np.asarray(weights, float)[keep] if weights is not None else 1.0)
    return series


def estimate_chat_lag(loud_z: np.ndarray, chat_rate: np.ndarray, *, max_lag: float) -> float | None:
    """Seconds chat takes to react, from the cross-correlation of loudness peaks with the chat rate: the
    shift in ``[0, max_lag]`` that lines them up best. None when nothing lines up (no chat, no peaks)."""
    excess = np.clip(loud_z - 2.0, 0, None)
    rate = chat_rate - chat_rate.mean() if len(chat_rate) else chat_rate
    if not excess.any() or not rate.any():
        return None
    best, best_lag = 0.0, None
    for lag in range(int(max_lag) + 1):
        score = float(np.dot(excess[: len(excess) - lag], rate[lag:])) if lag < len(excess) else 0.0
        if score > best:
            best, best_lag = score, float(lag)
    return best_lag


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


@lru_cache(maxsize=64)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    cleaned = sorted({_normalise(term) for term in terms if _normalise(term)}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"(?<![\w'])(" + "|".join(re.escape(term) for term in cleaned) + r")(?![\w'])")


def term_hits(texts: Sequence[str], terms: Mapping[str, float]) -> list[list[str]]:
    """For each text, the terms it contains (normalised: lower case, punctuation dropped), repeats kept."""
    pattern = _term_pattern(tuple(terms))
    if pattern is None:
        return [[] for _ in texts]
    return [pattern.findall(_normalise(text)) for text in texts]


def transcript_term_hits(words: Sequence[tuple[float, str]], terms: Mapping[str, float]) -> list[tuple[float, str]]:
    """``(time, term)`` for each phrase of ``terms`` said in the transcript, across word boundaries."""
    pattern = _term_pattern(tuple(terms))
    if pattern is None or not words:
        return []
    offsets, parts, cursor = [], [], 0
    for _, word in words:
        token = _normalise(word)
        offsets.append(cursor)
        parts.append(token)
        cursor += len(token) + 1
    text = " ".join(parts)
    hits = []
    for match in pattern.finditer(text):
        index = bisect.bisect_right(offsets, match.start()) - 1
        hits.append((words[index][0], match.group(1)))
    return hits


@lru_cache(maxsize=1)
def _analyser():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score, -1 (negative) to +1 (positive); 0 for nothing said. Offline, lexicon-based,
    built for short social-media text (emoticons, capitals, "!!!")."""
    return _analyser().polarity_scores(text)["compound"] if text.strip() else 0.0
