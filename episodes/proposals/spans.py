"""Ranges on the stream timeline (pure: no Django): episodes from speech and silences, wall-clock times
placed on the timeline, and the edits a streamer makes to a proposal (trim, split, merge).

Times are seconds, kept to the millisecond: CONTRACTS.md §2's reference truncated silences to whole
seconds, which cut up to a second of speech from each edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span = tuple[float, float]
EPSILON = 0.0005  # half a millisecond: two edges this close are the same edge
# A silence this close to a proposal's edge still moves it: the audio track may end a few frames before the
# video (the stream's length), and a sliver of sound that short is no speech.
EDGE_SLACK = 0.25


class RangeError(ValueError):
    """An edit that makes no sense on this stream; the message says why, for the streamer."""


def ms(value: float) -> float:
    return round(float(value), 3)


@dataclass(frozen=True)
class ClipSilences:
    """One clip on the stream timeline, with the silences its analysis found (on the clip's timeline)."""

    start: float
    duration: float
    silences: Sequence[Span]


def merge_spans(spans: Iterable[Span], *, gap: float = EPSILON) -> list[Span]:
    """Sorted, with spans that overlap or touch (within ``gap``) joined."""
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in spans if e > s):
        if merged and start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def stream_silences(clips: Sequence[ClipSilences]) -> list[Span]:
    """Every clip's silences on the stream timeline; a silence that ends one clip and one that starts the
    next are one silence (a stream split across files is still one quiet stretch)."""
    spans = []
    for clip in clips:
        for start, end in clip.silences:
            lo, hi = max(0.0, float(start)), min(clip.duration, float(end))
            if hi > lo:
                spans.append((clip.start + lo, clip.start + hi))
    return merge_spans(spans, gap=0.002)


def speech_spans(silences: Sequence[Span], duration: float, *, min_silence: float, min_speech: float) -> list[Span]:
    """CONTRACTS.md §2: silences of at least ``min_silence`` split the stream; each part lasting at least
    ``min_speech`` is a proposal. Its edges then move in past any shorter silence they begin or end in
    (or that ends or begins within ``EDGE_SLACK`` of them), so a proposal starts and ends on speech."""
    silences = merge_spans(silences)
    splits = [(s, e) for s, e in silences if e - s >= min_silence - EPSILON]
    parts, cursor = [], 0.0
    for start, end in splits:
        if start > cursor:
            parts.append((cursor, start))
        cursor = max(cursor, end)
    if duration > cursor:
        parts.append((cursor, float(duration)))
    proposals = []
    for start, end in parts:
        for s, e in silences:
            if s <= start + EDGE_SLACK and start < e:
                start = e
            if s < end and end - EDGE_SLACK <= e:
                end = s
        if end - start >= min_speech - EPSILON:
            proposals.append((ms(start), ms(end)))
    return proposals


@dataclass(frozen=True)
class ClipClock:
    """When a clip was recorded (epoch seconds, None when unknown) and where it sits on the stream."""

    recorded_at: float | None
    start: float
    duration: float


def wall_to_stream(at: float, clips: Sequence[ClipClock], *, stream_start: float | None) -> float | None:
    """The stream-timeline second of wall-clock ``at`` (epoch seconds): inside the clip recording then when
    clips know their recording times (gaps between recordings are not on the timeline), else counted from
    the stream's start. None when it falls on no recording."""
    known = [clip for clip in clips if clip.recorded_at is not None]
    for clip in known:
        if clip.recorded_at <= at < clip.recorded_at + clip.duration:
            return clip.start + at - clip.recorded_at
    if known or stream_start is None:
        return None
    offset = at - stream_start
    return offset if 0 <= offset < sum(clip.duration for clip in clips) else None


def normalise_tracks(tracks: Iterable[dict]) -> list[dict]:
    return [{"start": ms(s), "end": ms(e)} for s, e in merge_spans((t["start"], t["end"]) for t in tracks)]


def _check_range(start: float, end: float, duration: float) -> None:
    if start < 0 or end > duration + EPSILON:
        raise RangeError(f"{start:.3f}-{end:.3f} s is outside the stream (0-{duration:.3f} s)")
    if end - start < 1.0:
        raise RangeError(f"an episode needs an in point before its out point and at least 1 s ({start:.3f}-{end:.3f})")


def trim_tracks(tracks: Sequence[dict], start: float, end: float, *, duration: float) -> list[dict]:
    """The episode's tracks with their in point at ``start`` and out point at ``end``: tracks outside are
    dropped, the first and last are cut or stretched, the cuts between them kept."""
    _check_range(start, end, duration)
    spans = merge_spans((t["start"], t["end"]) for t in tracks)
    kept = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
    if not kept:
        return [{"start": ms(start), "end": ms(end)}]
    kept[0] = (start, kept[0][1])
    kept[-1] = (kept[-1][0], end)
    return normalise_tracks({"start": s, "end": e} for s, e in kept)


def split_tracks(tracks: Sequence[dict], at: float, *, min_part: float = 1.0) -> tuple[list[dict], list[dict]]:
    """The tracks before and after ``at``; each part must keep at least ``min_part`` seconds."""
    spans = merge_spans((t["start"], t["end"]) for t in tracks)
    if not spans or not spans[0][0] < at < spans[-1][1]:
        where = f"{spans[0][0]:.3f}-{spans[-1][1]:.3f} s" if spans else "nothing"
        raise RangeError(f"split point {at:.3f} s is not inside the episode ({where})")
    before = [(s, min(e, at)) for s, e in spans if s < at]
    after = [(max(s, at), e) for s, e in spans if e > at]
    for name, part in (("before", before), ("after", after)):
        if sum(e - s for s, e in part) < min_part:
            raise RangeError(f"splitting at {at:.3f} s leaves under {min_part:g} s {name} it")
    return (
        normalise_tracks({"start": s, "end": e} for s, e in before),
        normalise_tracks({"start": s, "end": e} for s, e in after),
    )


def merge_tracks(*track_lists: Sequence[dict]) -> list[dict]:
    """One episode's tracks from several: their union, in order; the silence between them stays cut."""
    return normalise_tracks(track for tracks in track_lists for track in tracks)


def tracks_overlap(a: Sequence[dict], b: Sequence[dict]) -> bool:
    return any(x["start"] < y["end"] and y["start"] < x["end"] for x in a for y in b)


def episode_time_to_stream(tracks: Sequence[dict], at: float) -> float:
    """A time on the episode's own timeline (its tracks back to back) on the stream timeline."""
    elapsed = 0.0
    for track in tracks:
        length = track["end"] - track["start"]
        if at < elapsed + length:
            return track["start"] + at - elapsed
        elapsed += length
    return tracks[-1]["end"] if tracks else 0.0


def stream_time_to_episode(tracks: Sequence[dict], at: float) -> float | None:
    """Where stream time ``at`` plays in the episode, or None when the episode cuts it."""
    elapsed = 0.0
    for track in tracks:
        if track["start"] <= at < track["end"]:
            return elapsed + at - track["start"]
        elapsed += track["end"] - track["start"]
    return None


def chapters_on_stream(tracks: Sequence[dict], chapters: Sequence[dict]) -> list[tuple[float, str]]:
    return [(episode_time_to_stream(tracks, float(c["start"])), str(c["title"])) for c in chapters]


def chapters_for(tracks: Sequence[dict], on_stream: Sequence[tuple[float, str]]) -> list[dict]:
    """Chapters (stream times) on the episode's timeline: those inside its tracks, with the one already
    running where it starts placed at 0."""
    if not tracks:
        return []
    ordered = sorted(on_stream)
    running = [title for at, title in ordered if at <= tracks[0]["start"] + EPSILON]
    placed = [
        (round(at, 3), title)
        for stream_at, title in ordered
        if (at := stream_time_to_episode(tracks, stream_at)) is not None and at > EPSILON
    ]
    if running:
        placed.insert(0, (0.0, running[-1]))
    elif placed:
        placed[0] = (0.0, placed[0][1])
    return [{"start": at, "title": title} for at, title in placed]
