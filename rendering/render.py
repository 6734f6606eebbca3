"""Rendering a cut list to a file: check the media, choose copy / smart cut / re-encode, run it (no Django).

The service layer hands over local paths (``pipeline.media.local_path``) and a progress callback; this
module never touches storage or the database, so the benchmark and the tests call it directly.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import av

from episodes.cutlist import CutList, CutListError
from pipeline.ffmpeg import run_ffmpeg
from rendering.argv import OutputPreset, build_render_argv
from rendering.graphfile import graph_in_file
from rendering.remux import SmartCutError, SourceVideo, find_keyframes, probe_video, write_pieces
from rendering.smartcut import COPY, REENCODE, SMARTCUT, RenderPlan, plan_render
from streams.probe import video_streams

log = logging.getLogger(__name__)
MODES = ("auto", COPY, SMARTCUT, REENCODE)
# Share of the progress bar the audio pass of a fast path stands for.
AUDIO_SHARE = 5.0
# Frame size when every input is audio-only and the preset keeps the source size.
AUDIO_ONLY_SIZE = (1920, 1080)


@dataclass(frozen=True)
class MediaFacts:
    """One input as the checks need it: its video (None: audio-only), each audio stream's channel count,
    and its duration in seconds."""

    path: Path
    video: SourceVideo | None
    audio_channels: tuple[int, ...]
    duration: float = 0.0

    def frames_at(self, rate: float) -> int | None:
        if self.video is None:
            return round(self.duration * rate) if self.duration else None
        if not self.video.format.frame_rate:
            return None
        return round(self.video.format.frames * rate / self.video.format.frame_rate)


@dataclass(frozen=True)
class RenderResult:
    mode: str
    reasons: tuple[str, ...]
    frames: int
    encoded_frames: int
    output: Path


def inspect_media(path: Path | str) -> MediaFacts:
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            channels = tuple(stream.codec_context.channels for stream in container.streams.audio)
            has_video = bool(video_streams(container))
            duration = (container.duration or 0) / av.time_base
    except av.error.FFmpegError as error:
        raise CutListError([f"{path.name}: not a readable media file ({error})"]) from error
    return MediaFacts(path, probe_video(path) if has_video else None, channels, duration)


def check_media(cut_list: CutList, facts: Sequence[MediaFacts]) -> None:
    """Problems only the files can reveal: sections past the end, audio tracks/channels, overlays without video.

    An input without video (an audio-only recording) is fine as a section: it shows a black frame.
    """
    problems = []
    rate = cut_list.frame_rate
    for i, (media, fact) in enumerate(zip(cut_list.inputs, facts, strict=True)):
        frames = fact.frames_at(rate)
        for j, section in enumerate(media.sections):
            if frames is not None and section.end_frame > frames:
                problems.append(
                    f"/inputMedia/{i}/sections/{j}/endFrame: {section.end_frame} is past the end of "
                    f"{media.location} ({frames} frames at {rate:g} fps)"
                )
        if fact.audio_channels and media.audio_track >= len(fact.audio_channels):
            problems.append(
                f"/inputMedia/{i}/audioTrack: out of range: {media.audio_track} "
                f"({media.location} has {len(fact.audio_channels)} audio stream(s))"
            )
    for j, overlay in enumerate(cut_list.overlays):
        if facts[overlay.media_index].video is None:
            problems.append(
                f"/overlays/{j}/mediaIndex: {cut_list.inputs[overlay.media_index].location} has no video to overlay"
            )
    used = {item.media_index for item in cut_list.output}
    for k, mix in enumerate(cut_list.audio_mixing):
        for i in sorted(used):
            channels = facts[i].audio_channels
            track = cut_list.inputs[i].audio_track
            if track < len(channels) and mix.source_channel >= channels[track]:
                problems.append(
                    f"/audioMixing/{k}/sourceChannel: {mix.source_channel} but audio stream {track} "
                    f"of {cut_list.inputs[i].location} has {channels[track]} channel(s)"
                )
    if problems:
        raise CutListError(problems)


def missing_media(cut_list: CutList, exists: Callable[[int, str], bool]) -> None:
    """``exists(index, location)`` for each input; every missing one is named."""
    problems = [
        f"/inputMedia/{i}/s3Location: no such file {media.location!r}"
        for i, media in enumerate(cut_list.inputs)
        if not exists(i, media.location)
    ]
    if problems:
        raise CutListError(problems)


def choose_plan(cut_list: CutList, facts: Sequence[MediaFacts], preset: OutputPreset, mode: str) -> RenderPlan:
    if mode not in MODES:
        raise ValueError(f"unknown render mode {mode!r} (choose from {', '.join(MODES)})")
    if mode == REENCODE:
        return RenderPlan(REENCODE, ("full re-encode requested",))
    used = sorted({item.media_index for item in cut_list.output})
    audio_only = [cut_list.inputs[i].location for i in used if facts[i].video is None]
    if audio_only:
        if mode in (COPY, SMARTCUT):
            raise CutListError([f"cannot {mode}: {', '.join(audio_only)} has no video (it needs a black frame)"])
        return RenderPlan(REENCODE, tuple(f"{location} has no video: a black frame" for location in audio_only))
    keyframes: list[list[int]] = [[] for _ in cut_list.inputs]
    for i in used:
        positions = [
            frame for section in cut_list.inputs[i].sections for frame in (section.start_frame, section.end_frame)
        ]
        keyframes[i] = find_keyframes(facts[i].video, positions)
    formats = [fact.video.format for fact in facts]
    plan = plan_render(cut_list, keyframes, formats=formats, target_size=preset.size, allow_smartcut=mode != COPY)
    if mode in (COPY, SMARTCUT) and plan.mode == REENCODE:
        raise CutListError([f"cannot {mode}: {reason}" for reason in plan.reasons])
    return plan


def render_cut_list(
    cut_list: CutList,
    paths: Sequence[Path | str],
    output: Path | str,
    *,
    preset: OutputPreset,
    mode: str = "auto",
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render into ``output`` (replaced only when the render succeeds). Raises CutListError for bad input,
    FFmpegError with ffmpeg's stderr, Cancelled when ``should_stop()`` turned true."""
    output = Path(output)
    missing_media(cut_list, lambda index, location: Path(paths[index]).is_file())
    facts = [inspect_media(path) for path in paths]
    check_media(cut_list, facts)
    plan = choose_plan(cut_list, facts, preset, mode)
    total = cut_list.output_frames
    report = progress or (lambda percent: None)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="render-", dir=output.parent) as tmp:
        partial = Path(tmp) / f"partial{output.suffix or '.mp4'}"
        audio_streams = [len(fact.audio_channels) for fact in facts]
        if plan.mode != REENCODE:
            try:
                audio = Path(tmp) / "audio.m4a"
                audio_argv = build_render_argv(
                    cut_list, [str(p) for p in paths], str(audio), preset, audio_streams=audio_streams, video=False
                )
                with graph_in_file(audio_argv) as argv:
                    run_ffmpeg(
                        argv,
                        duration=total / cut_list.frame_rate,
                        progress=lambda percent: report(percent * AUDIO_SHARE / 100),
                        should_stop=should_stop,
                    )
                write_pieces(
                    plan.pieces,
                    [fact.video for fact in facts],
                    partial,
                    audio_path=audio,
                    encoder_options=_x264_options(preset),
                    progress=lambda frames: report(AUDIO_SHARE + frames / total * (100 - AUDIO_SHARE)),
                    should_stop=should_stop,
                )
            except SmartCutError as error:
                if mode != "auto":
                    raise CutListError([f"cannot {mode}: {error}"]) from error
                log.warning("fast path failed (%s); re-encoding", error)
                plan = RenderPlan(REENCODE, (str(error),))
        if plan.mode == REENCODE:
            argv = build_render_argv(
                cut_list,
                [str(p) for p in paths],
                str(partial),
                preset,
                source_size=_source_size(cut_list, facts),
                audio_streams=audio_streams,
                video_inputs=[fact.video is not None for fact in facts],
            )
            with graph_in_file(argv) as argv:
                run_ffmpeg(argv, duration=total / cut_list.frame_rate, progress=report, should_stop=should_stop)
        os.replace(partial, output)
    report(100.0)
    return RenderResult(plan.mode, plan.reasons, total, plan.encoded_frames if plan.mode != REENCODE else total, output)


def _source_size(cut_list: CutList, facts: Sequence[MediaFacts]) -> tuple[int, int]:
    """The size of the first output section's video, skipping audio-only inputs."""
    for item in cut_list.output:
        video = facts[item.media_index].video
        if video is not None:
            return video.format.width, video.format.height
    return AUDIO_ONLY_SIZE


X264_SPEEDS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def _x264_options(preset: OutputPreset) -> dict[str, str]:
    """Partial GOPs of a smart cut: libx264 in-process at the preset's CRF, at most at ``veryfast`` speed.

    Same CRF, so the same quality; a slower x264 preset would only save a few bytes on a second or two
    per cut while costing most of the smart cut's time.
    """
    speed = preset.speed if preset.speed in X264_SPEEDS else "medium"
    speed = min(speed, "veryfast", key=X264_SPEEDS.index)
    return {"crf": str(preset.crf), "preset": speed}
