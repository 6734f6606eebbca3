"""The review page's arithmetic (no Django): peaks laid on the stream timeline and decimated; corrected text
laid back over Whisper's word timings; a stream time found in a clip. (Tracks trimmed, split and merged are
``episodes.proposals.spans``.)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class ReviewError(ValueError):
    """A review edit that cannot apply; the message says why, for a 400 answer."""


MIN_LENGTH = 1.0  # seconds: a moment shorter than this inside its recording is not worth a clip


def _ms(value: float) -> float:
    return round(float(value), 3)


# --- waveform -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipPeaks:
    start: float  # on the stream timeline
    duration: float
    per_second: int
    peaks: Sequence[float]  # 0..1


def stream_peaks(clips: Sequence[ClipPeaks], *, duration: float, per_second: int) -> list[int]:
    """The clips' peaks on one stream timeline at ``per_second`` values per second, as 0..255 integers.

    Resampled by max (a spike survives any zoom); stretches without analysis read 0. Vectorised: a 4-hour
    stream is 144,000 values per page load.
    """
    count = max(0, math.ceil(duration * per_second))
    out = np.zeros(count, dtype=np.uint8)
    for clip in clips:
        if not len(clip.peaks) or clip.per_second <= 0:
            continue
        levels = np.clip(np.rint(np.asarray(clip.peaks, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
        slots = int(round(clip.start * per_second)) + np.floor(
            np.arange(len(levels)) * (per_second / clip.per_second)
        ).astype(np.int64)
        inside = (slots >= 0) & (slots < count)
        np.maximum.at(out, slots[inside], levels[inside])
    return out.tolist()


def decimate_max(values: Sequence[int], factor: int) -> list[int]:
    """Every ``factor`` values reduced to their maximum (the last group may be shorter)."""
    if factor <= 1:
        return list(values)
    return [max(values[i : i + factor]) for i in range(0, len(values), factor)]


def peaks_rate_for(duration: float, *, native: int, max_points: int) -> int:
    """The highest whole rate <= ``native`` whose series for ``duration`` seconds fits in ``max_points``."""
    if duration <= 0:
        return native
    return max(1, min(native, int(max_points // duration)))


# --- transcript corrections -----------------------------------------------------------------------------------
def _norm(token: str) -> str:
    return "".join(ch for ch in token.lower() if ch.isalnum())


def realign_words(words: Sequence[dict], text: str) -> list[dict]:
    """Corrected ``text`` laid over the old words' timings, so word-timed subtitles show the correction.

    Unchanged words keep their times; a replaced run of words shares the replaced span evenly; inserted words
    share the gap (or their neighbour's span when there is no gap); removed words disappear.
    """
    tokens = text.split()
    if not words:
        return []
    if not tokens:
        return []
    old = [_norm(str(w["word"])) for w in words]
    new = [_norm(t) for t in tokens]
    result: list[dict] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                result.append({**words[i1 + offset], "word": " " + tokens[j1 + offset]})
            continue
        if tag == "delete":
            continue
        if i2 > i1:  # replace
            lo, hi = float(words[i1]["start"]), float(words[i2 - 1]["end"])
        else:  # insert
            lo = float(words[i1 - 1]["end"]) if i1 > 0 else float(words[0]["start"])
            hi = float(words[i1]["start"]) if i1 < len(words) else float(words[-1]["end"])
            if hi - lo < 0.05:  # no gap: share the neighbour's time
                near = words[i1 - 1] if i1 > 0 else words[0]
                lo, hi = float(near["start"]), float(near["end"])
        step = (hi - lo) / (j2 - j1)
        for k in range(j2 - j1):
            result.append(
                {
                    "start": _ms(lo + k * step),
                    "end": _ms(lo + (k + 1) * step),
                    "word": " " + tokens[j1 + k],
                    "probability": 1.0,
                }
            )
    return result


# --- where a stream time falls ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipSpan:
    id: int
    start: float
    duration: float


def clip_at(clips: Sequence[ClipSpan], time: float) -> ClipSpan | None:
    """The clip playing at stream time ``time`` (the last one for the very end)."""
    ordered = sorted(clips, key=lambda c: c.start)
    for clip in ordered:
        if clip.start <= time < clip.start + clip.duration:
            return clip
    if ordered and math.isclose(time, ordered[-1].start + ordered[-1].duration, abs_tol=1e-3):
        return ordered[-1]
    return None


def highlight_in_clip(
    clips: Sequence[ClipSpan], start: float, end: float, peak: float
) -> tuple[ClipSpan, float, float]:
    """The clip holding the moment's peak and the moment in that clip's seconds, clamped to it."""
    clip = clip_at(clips, peak)
    if clip is None:
        raise ReviewError(f"{peak:.3f} s is outside the stream's recordings")
    lo = max(0.0, start - clip.start)
    hi = min(clip.duration, end - clip.start)
    if hi - lo < MIN_LENGTH:
        raise ReviewError(f"the moment keeps less than {MIN_LENGTH:g} s inside its recording")
    return clip, _ms(lo), _ms(hi)
