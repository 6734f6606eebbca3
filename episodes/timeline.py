"""Episode -> cut list: tracks on the stream timeline become frame sections of the clips (no Django).

A stream is its clips back to back (each clip's ``start`` the sum of the previous durations); a track
that spans a clip boundary becomes one section in each clip it touches. Series assets are optional:
an intro plays first, an outro last (fading in), an overlay sits over the episode from frame 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from episodes.cutlist import DEFAULT_FRAME_RATE, VERSION


@dataclass(frozen=True)
class ClipRef:
    location: str  # storage key
    start: float  # on the stream timeline, seconds
    duration: float
    frame_rate: float | None = None


@dataclass(frozen=True)
class Asset:
    location: str
    duration: float


def _frame_rate(clips: Sequence[ClipRef]) -> float:
    rates = {round(clip.frame_rate, 3) for clip in clips if clip.frame_rate}
    return rates.pop() if len(rates) == 1 else DEFAULT_FRAME_RATE


def episode_cut_list(
    tracks: Sequence[dict],
    clips: Sequence[ClipRef],
    *,
    frame_rate: float | None = None,
    intro: Asset | None = None,
    outro: Asset | None = None,
    overlay: Asset | None = None,
    outro_fade: float = 1.0,
) -> dict:
    """A cut list document (validate it with ``validate_cut_list``) for ``tracks`` over ``clips``.

    The frame rate is the clips' own when they agree (so the fast paths can copy), else 60.
    """
    rate = frame_rate or _frame_rate(clips)
    media: list[dict] = []
    index_of: dict[str, int] = {}
    output: list[dict] = []

    def add(location: str, start_frame: int, end_frame: int) -> tuple[int, int]:
        if location not in index_of:
            index_of[location] = len(media)
            media.append({"s3Location": location, "sections": []})
        sections = media[index_of[location]]["sections"]
        sections.append({"startFrame": start_frame, "endFrame": end_frame})
        return index_of[location], len(sections) - 1

    def frames(seconds: float) -> int:
        return round(seconds * rate)

    if intro:
        m, s = add(intro.location, 0, max(1, frames(intro.duration)))
        output.append({"mediaIndex": m, "sectionIndex": s})
    for track in sorted(tracks, key=lambda t: t["start"]):
        for clip in sorted(clips, key=lambda c: c.start):
            lo, hi = max(track["start"], clip.start), min(track["end"], clip.start + clip.duration)
            start_frame, end_frame = frames(lo - clip.start), min(frames(hi - clip.start), frames(clip.duration))
            if end_frame > start_frame:
                m, s = add(clip.location, start_frame, end_frame)
                output.append({"mediaIndex": m, "sectionIndex": s})
    if not output:
        raise ValueError("the episode's tracks cover none of the stream's clips")
    if outro:
        length = max(1, frames(outro.duration))
        m, s = add(outro.location, 0, length)
        item = {"mediaIndex": m, "sectionIndex": s}
        if outro_fade > 0:
            item["transitionIn"] = {"type": "fade", "duration": min(length, frames(outro_fade))}
        output.append(item)
    document = {"version": VERSION, "frameRate": rate, "inputMedia": media, "outputTrack": output}
    if overlay:
        m, s = add(overlay.location, 0, max(1, frames(overlay.duration)))
        document["overlayTracks"] = [{"startFrame": 0, "mediaIndex": m, "sectionIndex": s, "type": "alpha"}]
    return document
