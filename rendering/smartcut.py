"""Choosing how to render a cut list: copy, smart cut or full re-encode (no Django).

Copy: every section starts and ends on a keyframe, so its packets go to the output untouched. Smart cut:
a section that starts or ends between keyframes has only the partial GOP at that end re-encoded; the
packets between its keyframes are copied. Both need sections whose video can share one stream (same
codec, size, pixel format, frame rate at the cut list's rate) and an edit without picture effects. Audio
is always rendered by ffmpeg (cheap, and sample-accurate at every cut), so audio mixing and track choice
do not stop a fast path.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from episodes.cutlist import CutList

COPY = "copy"
SMARTCUT = "smartcut"
REENCODE = "reencode"
# Smart cut splices our encoder's H.264 into the source's: only H.264 is handled.
SMARTCUT_CODECS = ("h264",)


@dataclass(frozen=True)
class VideoFormat:
    """What must match for packets of several files to share one output stream."""

    codec: str
    width: int
    height: int
    pix_fmt: str
    frame_rate: float
    frames: int

    def same_stream(self, other: VideoFormat) -> bool:
        return (self.codec, self.width, self.height, self.pix_fmt) == (
            other.codec,
            other.width,
            other.height,
            other.pix_fmt,
        ) and abs(self.frame_rate - other.frame_rate) < 1e-3


@dataclass(frozen=True)
class Piece:
    """Output frames [start, end) of one input's video, copied or re-encoded."""

    action: str  # COPY or "encode"
    media_index: int
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class RenderPlan:
    mode: str
    reasons: tuple[str, ...] = ()
    pieces: tuple[Piece, ...] = ()

    @property
    def encoded_frames(self) -> int:
        return sum(piece.frames for piece in self.pieces if piece.action != COPY)


def edit_blockers(cut_list: CutList) -> list[str]:
    """What in the edit itself needs every frame decoded and encoded again."""
    reasons = []
    for i, item in enumerate(cut_list.output):
        for name, transition in (("transitionIn", item.transition_in), ("transitionOut", item.transition_out)):
            if transition and transition.type == "fade" and transition.duration:
                reasons.append(f"/outputTrack/{i}/{name}: a fade changes pictures")
    if cut_list.overlays:
        reasons.append(f"/overlayTracks: {len(cut_list.overlays)} overlay(s) change pictures")
    return reasons


def format_blockers(
    cut_list: CutList, formats: Sequence[VideoFormat], target_size: tuple[int, int] | None
) -> list[str]:
    """Why the used inputs cannot share one copied video stream at the requested size and rate."""
    used = sorted({item.media_index for item in cut_list.output})
    first = formats[used[0]]
    reasons = []
    for index in used:
        media = formats[index]
        if media.codec not in SMARTCUT_CODECS:
            reasons.append(f"/inputMedia/{index}: {media.codec} video (fast paths handle {', '.join(SMARTCUT_CODECS)})")
        if not media.same_stream(first):
            reasons.append(
                f"/inputMedia/{index}: {media.codec} {media.width}x{media.height} {media.pix_fmt} "
                f"@{media.frame_rate:g} differs from /inputMedia/{used[0]}"
            )
        if abs(media.frame_rate - cut_list.frame_rate) > 1e-3:
            reasons.append(f"/inputMedia/{index}: {media.frame_rate:g} fps, the cut list is at {cut_list.frame_rate:g}")
        if target_size and (media.width, media.height) != tuple(target_size):
            reasons.append(
                f"/inputMedia/{index}: {media.width}x{media.height}, the preset asks for "
                f"{target_size[0]}x{target_size[1]}"
            )
    return reasons


def section_pieces(media_index: int, start: int, end: int, keyframes: Sequence[int], frames: int) -> list[Piece]:
    """Split frames [start, end) at keyframes: copy whole GOPs, re-encode the partial ones at each end.

    ``keyframes`` (sorted) must hold the first keyframe at or after ``start`` and the last at or before
    ``end``; others are ignored. A closed GOP is assumed (checked while copying).
    """
    after_start = bisect.bisect_left(keyframes, start)
    first_key = keyframes[after_start] if after_start < len(keyframes) else None
    before_end = bisect.bisect_right(keyframes, end) - 1
    last_key = keyframes[before_end] if before_end >= 0 else None
    if end >= frames:
        last_key = end  # the end of the file closes the last GOP
    if first_key is None or last_key is None or first_key >= last_key:
        return [Piece("encode", media_index, start, end)]
    pieces = []
    if start < first_key:
        pieces.append(Piece("encode", media_index, start, first_key))
    pieces.append(Piece(COPY, media_index, first_key, min(last_key, end)))
    if last_key < end:
        pieces.append(Piece("encode", media_index, last_key, end))
    return pieces


def plan_render(
    cut_list: CutList,
    keyframes: Sequence[Sequence[int]],
    *,
    formats: Sequence[VideoFormat],
    target_size: tuple[int, int] | None = None,
    allow_smartcut: bool = True,
) -> RenderPlan:
    """``copy`` when every section is whole GOPs, ``smartcut`` when only partial GOPs need encoding,
    ``reencode`` (with the reasons) otherwise. ``keyframes[i]``: keyframe frame numbers of inputMedia i."""
    reasons = edit_blockers(cut_list) + format_blockers(cut_list, formats, target_size)
    if reasons:
        return RenderPlan(REENCODE, tuple(reasons))
    pieces: list[Piece] = []
    for item in cut_list.output:
        section = cut_list.section(item.media_index, item.section_index)
        frames = formats[item.media_index].frames
        if section.end_frame > frames:
            return RenderPlan(REENCODE, (f"/inputMedia/{item.media_index}: section ends after frame {frames}",))
        pieces += section_pieces(
            item.media_index, section.start_frame, section.end_frame, sorted(keyframes[item.media_index]), frames
        )
    if all(piece.action == COPY for piece in pieces):
        return RenderPlan(COPY, (), tuple(pieces))
    if not allow_smartcut:
        return RenderPlan(REENCODE, ("sections do not start and end on keyframes",))
    return RenderPlan(SMARTCUT, (), tuple(pieces))
