"""Highlights: sliding windows scored on several signals, fused, peaks picked (pure: no Django).

Each signal becomes a score per window that says how far above its local baseline the window is
(robust z: median and MAD of the ``baseline`` seconds around it), clipped to ``[0, 6]`` because only
"more than usual" matters and one absurd spike must not outvote every other signal. The fused score
is the weighted mean of those, so it reads in the same units ("σ above baseline, on average") whatever
the weights. Chat is shifted back by the stream's reaction lag before it is windowed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from episodes.proposals.config import SIGNALS, ProposalSettings
from episodes.proposals.signals import (
    StreamData,
    estimate_chat_lag,
    loudness_series,
    per_second,
    robust_z,
    sentiment,
    term_hits,
    transcript_term_hits,
)

Z_CAP = 6.0


@dataclass
class Scores:
    """Per-window scores of every signal, and what the reasons quote."""

    starts: np.ndarray  # window starts, seconds
    window: float
    z: dict[str, np.ndarray]  # signal -> clipped score per window
    chat_ratio: np.ndarray
    words_per_second: np.ndarray
    loud_z_per_second: np.ndarray
    sentiment: np.ndarray
    chat_lag: float | None
    chat_terms: list[Counter] = field(default_factory=list)
    keywords: list[Counter] = field(default_factory=list)
    moment_titles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Highlight:
    start: float
    end: float
    peak: float
    score: float
    parts: dict
    reason: str


def _window_sums(series: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    cumulative = np.concatenate([[0.0], np.cumsum(series)])
    lo = starts.astype(int)
    hi = np.minimum(lo + width, len(series))
    return cumulative[hi] - cumulative[lo]


def _window_counters(times: Sequence[float], items: Sequence[str], starts: np.ndarray, window: float) -> list[Counter]:
    counters = [Counter() for _ in starts]
    step = float(starts[1] - starts[0]) if len(starts) > 1 else window
    for at, item in zip(times, items, strict=True):
        first = max(0, int(np.ceil((at - window) / step)))
        for index in range(first, len(starts)):
            if starts[index] > at:
                break
            if at < starts[index] + window:
                counters[index][item] += 1
    return counters


def score_windows(data: StreamData, config: ProposalSettings) -> Scores:
    """Every signal's score for each window of ``config.window`` seconds, every ``config.step`` seconds."""
    seconds = max(1, int(np.ceil(data.duration)))
    width = int(round(config.window))
    step = config.step
    last = max(0.0, seconds - config.window)
    starts = np.arange(0.0, last + 1e-9, step) if last > 0 else np.zeros(1)
    radius = max(1, int(config.baseline / step))
    z: dict[str, np.ndarray] = {}

    loud = loudness_series(data.loudness, seconds)
    loud_z_second, _ = robust_z(loud, int(config.baseline), floor=1.0)
    # Loud moments are a few seconds of shouting: the window's five loudest seconds, not its mean.
    loud_top = np.array([np.sort(loud[int(s) : int(s) + width])[-5:].mean() for s in starts])
    z["loudness"], _ = robust_z(loud_top, radius, floor=1.5)

    word_times = [at for at, _ in data.words]
    words = _window_sums(per_second(word_times, seconds), starts, width)
    wps = words / config.window
    z["speech_rate"], _ = robust_z(wps, radius, floor=0.25)

    chat_rate_raw = per_second([event.at for event in data.chat], seconds)
    lag = estimate_chat_lag(loud_z_second, chat_rate_raw, max_lag=config.max_chat_lag)
    shift = lag or 0.0
    chat_times = [event.at - shift for event in data.chat]
    chat = _window_sums(per_second(chat_times, seconds), starts, width)
    z["chat"], chat_median = robust_z(chat, radius, floor=1.0, poisson=True)
    ratio = (chat + 1.0) / (chat_median + 1.0)

    hits = term_hits([event.text for event in data.chat], config.chat_terms)
    term_weight = [sum(config.chat_terms.get(term, 0.0) for term in found) for found in hits]
    terms = _window_sums(per_second(chat_times, seconds, term_weight), starts, width)
    z["chat_terms"], _ = robust_z(terms, radius, floor=1.0, poisson=True)
    flat = [(t, term) for t, found in zip(chat_times, hits, strict=True) for term in found]
    chat_term_counts = _window_counters([t for t, _ in flat], [term for _, term in flat], starts, config.window)

    said = transcript_term_hits(data.words, config.keywords)
    said_weight = [config.keywords.get(term, 0.0) for _, term in said]
    keywords = _window_sums(per_second([t for t, _ in said], seconds, said_weight), starts, width)
    z["keywords"] = np.minimum(keywords, Z_CAP)  # rare by nature: no baseline, each weighted mention counts
    keyword_counts = _window_counters([t for t, _ in said], [term for _, term in said], starts, config.window)

    feeling = _sentiment_per_window(data, chat_times, starts, seconds, width, step)
    z["sentiment"], _ = robust_z(np.abs(feeling), radius, floor=0.15)

    summary = np.zeros(len(starts))
    titles = [""] * len(starts)
    for moment in data.moments:
        overlap = np.clip(np.minimum(starts + config.window, moment.end) - np.maximum(starts, moment.start), 0, None)
        cover = overlap / max(1e-9, min(config.window, moment.end - moment.start))
        for index in np.nonzero(cover > summary)[0]:
            titles[index] = moment.title
        summary = np.maximum(summary, cover)
    z["summary"] = 3.0 * np.clip(summary, 0, 1)

    return Scores(
        starts=starts,
        window=config.window,
        z={name: np.clip(np.nan_to_num(values), 0.0, Z_CAP) for name, values in z.items()},
        chat_ratio=ratio,
        words_per_second=wps,
        loud_z_per_second=loud_z_second,
        sentiment=feeling,
        chat_lag=lag,
        chat_terms=chat_term_counts,
        keywords=keyword_counts,
        moment_titles=titles,
    )


def _sentiment_per_window(
    data: StreamData, chat_times: Sequence[float], starts: np.ndarray, seconds: int, width: int, step: float
) -> np.ndarray:
    """Mean VADER compound of what was said (per ``step`` block, so each word is scored once) and of each
    chat message, over the window: half each."""
    blocks = int(np.ceil(seconds / step))
    said = [[] for _ in range(blocks)]
    for at, word in data.words:
        index = int(at // step)
        if 0 <= index < blocks:
            said[index].append(word)
    block_times = [index * step for index in range(blocks)]
    spoken = _window_sums(per_second(block_times, seconds, [sentiment(" ".join(w)) for w in said]), starts, width)
    spoken_counts = _window_sums(per_second(block_times, seconds, [1.0 if w else 0.0 for w in said]), starts, width)
    scores = [sentiment(event.text) for event in data.chat]
    chat_sum = _window_sums(per_second(chat_times, seconds, scores), starts, width)
    chat_count = _window_sums(per_second(chat_times, seconds), starts, width)
    return 0.5 * spoken / np.maximum(spoken_counts, 1) + 0.5 * chat_sum / np.maximum(chat_count, 1)


def fuse(scores: Scores, weights: Mapping[str, float]) -> np.ndarray:
    """The weighted mean of the signals' scores, per window."""
    total = sum(max(0.0, weights.get(name, 0.0)) for name in SIGNALS)
    if total <= 0:
        return np.zeros(len(scores.starts))
    return sum(max(0.0, weights.get(name, 0.0)) * scores.z[name] for name in SIGNALS) / total


def pick_peaks(fused: np.ndarray, scores: Scores, config: ProposalSettings, duration: float) -> list[Highlight]:
    """The best windows, each at least ``min_distance`` from a better one, with pre- and post-roll;
    overlapping ones merged (the better one's peak and parts kept). Best first."""
    picked: list[int] = []
    for index in np.argsort(-fused, kind="stable"):
        if fused[index] < config.min_score or len(picked) >= config.max_highlights:
            break
        centre = scores.starts[index] + scores.window / 2
        if all(abs(centre - (scores.starts[other] + scores.window / 2)) >= config.min_distance for other in picked):
            picked.append(int(index))
    highlights = [_highlight(index, fused, scores, config, duration) for index in picked]
    merged: list[Highlight] = []
    for item in sorted(highlights, key=lambda h: h.start):
        if merged and item.start < merged[-1].end:
            best = max(merged[-1], item, key=lambda h: h.score)
            merged[-1] = Highlight(
                min(merged[-1].start, item.start),
                max(merged[-1].end, item.end),
                best.peak,
                best.score,
                best.parts,
                best.reason,
            )
        else:
            merged.append(item)
    return sorted(merged, key=lambda h: -h.score)


def _highlight(index: int, fused: np.ndarray, scores: Scores, config: ProposalSettings, duration: float) -> Highlight:
    start = float(scores.starts[index])
    end = min(duration, start + scores.window)
    loud = scores.loud_z_per_second[int(start) : int(np.ceil(end))]
    peak = start + float(np.argmax(loud)) + 0.5 if len(loud) and loud.max() > 2 else (start + end) / 2
    parts = _parts(index, scores, config.weights)
    return Highlight(
        start=round(max(0.0, start - config.pre_roll), 3),
        end=round(min(duration, end + config.post_roll), 3),
        peak=round(min(peak, duration), 3),
        score=round(float(fused[index]), 3),
        parts=parts,
        reason=reason(parts),
    )


def _parts(index: int, scores: Scores, weights: Mapping[str, float]) -> dict:
    total = sum(max(0.0, weights.get(name, 0.0)) for name in SIGNALS) or 1.0
    parts: dict = {}
    for name in SIGNALS:
        value = float(scores.z[name][index])
        share = max(0.0, weights.get(name, 0.0)) * value / total
        if share <= 0:
            continue
        part: dict = {"z": round(value, 2), "share": round(share, 3)}
        if name == "chat":
            part["ratio"] = round(float(scores.chat_ratio[index]), 1)
            part["lag"] = scores.chat_lag
        elif name == "speech_rate":
            part["words_per_second"] = round(float(scores.words_per_second[index]), 2)
        elif name == "chat_terms":
            part["terms"] = dict(scores.chat_terms[index].most_common(3))
        elif name == "keywords":
            part["terms"] = sorted(scores.keywords[index])
        elif name == "sentiment":
            part["compound"] = round(float(scores.sentiment[index]), 2)
        elif name == "summary":
            part["title"] = scores.moment_titles[index]
        parts[name] = part
    return parts


def reason(parts: Mapping[str, dict]) -> str:
    """The parts in words, biggest share first: "chat ×4.2 over baseline 12 s after, loudness +2.1σ, ..."."""
    phrases = []
    for name, part in sorted(parts.items(), key=lambda item: -item[1]["share"]):
        z = part["z"]
        if name == "chat":
            lag = part.get("lag")
            after = f" {lag:g} s after" if lag else ""
            phrases.append(f"chat ×{part['ratio']:.1f} over baseline{after}")
        elif name == "loudness":
            phrases.append(f"loudness +{z:.1f}σ")
        elif name == "speech_rate":
            phrases.append(f"speech {part['words_per_second']:.1f} words/s (+{z:.1f}σ)")
        elif name == "chat_terms":
            phrases.append("chat " + ", ".join(f"{term} ×{count}" for term, count in part["terms"].items()))
        elif name == "keywords":
            phrases.append("keyword " + ", ".join(f"'{term}'" for term in part["terms"]))
        elif name == "sentiment":
            phrases.append(f"sentiment {part['compound']:+.2f}")
        elif name == "summary":
            phrases.append(f"summary: '{part['title']}'")
    return ", ".join(phrases)[:500]


def stream_highlights(data: StreamData, config: ProposalSettings) -> tuple[list[Highlight], Scores]:
    """The stream's highlights, best first, and the per-window scores they came from."""
    scores = score_windows(data, config)
    return pick_peaks(fuse(scores, config.weights), scores, config, data.duration), scores
