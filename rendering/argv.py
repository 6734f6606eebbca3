"""Cut list -> one ffmpeg argv (no Django). The full re-encode path and the audio of the fast paths.

Each output section and each overlay is its own ffmpeg input opened with ``-ss`` half a frame before its
first frame, so ffmpeg decodes from the nearest keyframe instead of from the top of a 20-minute file, and
the filter graph trims by frame count, which keeps every cut frame-accurate whatever the float rounding.
The argv leaves out the binary and global flags (``run_ffmpeg`` adds them).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from episodes.cutlist import AudioMix, CutList, CutListError, Overlay, Transition


@dataclass(frozen=True)
class OutputPreset:
    """Output settings. ``width``/``height`` None keeps the size of the first input."""

    name: str
    width: int | None = None
    height: int | None = None
    video_codec: str = "libx264"
    crf: int = 18
    speed: str = "medium"
    pix_fmt: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    sample_rate: int = 48000
    audio_channels: int = 2

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None

    def video_args(self) -> list[str]:
        if self.video_codec.endswith("_nvenc"):
            # NVENC has no CRF: constant-quality VBR is its equivalent.
            return [
                "-c:v",
                self.video_codec,
                "-preset",
                self.speed,
                "-rc",
                "vbr",
                "-cq",
                str(self.crf),
                "-b:v",
                "0",
                "-pix_fmt",
                self.pix_fmt,
            ]
        return ["-c:v", self.video_codec, "-crf", str(self.crf), "-preset", self.speed, "-pix_fmt", self.pix_fmt]

    def audio_args(self) -> list[str]:
        return [
            "-c:a",
            self.audio_codec,
            "-b:a",
            self.audio_bitrate,
            "-ar",
            str(self.sample_rate),
            "-ac",
            str(self.audio_channels),
        ]


PRESETS: dict[str, OutputPreset] = {
    # What the reference renderer always produced.
    "reference": OutputPreset("reference", 2560, 1440),
    "source": OutputPreset("source"),
    "1080p": OutputPreset("1080p", 1920, 1080),
    "draft": OutputPreset("draft", 1280, 720, crf=23, speed="veryfast", audio_bitrate="128k"),
    "nvenc": OutputPreset("nvenc", 2560, 1440, video_codec="h264_nvenc", crf=19, speed="p5"),
}


def get_preset(name: str, **overrides) -> OutputPreset:
    """A named preset with some fields replaced (settings: ``RENDER_PRESET`` plus overrides)."""
    if name not in PRESETS:
        raise ValueError(f"unknown render preset {name!r} (choose from {', '.join(PRESETS)})")
    fields = {key: value for key, value in overrides.items() if value not in (None, "")}
    return replace(PRESETS[name], **fields)


def rate_text(rate: float) -> str:
    """A frame rate as ffmpeg reads it exactly: 60, 30000/1001."""
    fraction = Fraction(rate).limit_denominator(1001)
    return str(fraction.numerator) if fraction.denominator == 1 else f"{fraction.numerator}/{fraction.denominator}"


def seconds(value: float) -> str:
    return f"{value:.6f}"


def input_args(path: str, start_frame: int, frames: int, rate: float) -> list[str]:
    """Open ``path`` half a frame before ``start_frame`` for a little more than ``frames`` frames.

    Half a frame early, so rounding can never seek past the wanted frame; the filters trim exactly.
    """
    start = max(0.0, (start_frame - 0.5) / rate)
    return ["-ss", seconds(start), "-t", seconds((frames + 1.5) / rate), "-i", path]


def _lead_in(start_frame: int, rate: float) -> float:
    """Seconds between the seek point and the wanted first frame (what audio must drop to stay in sync)."""
    return start_frame / rate - max(0.0, (start_frame - 0.5) / rate)


def volume_expression(keyframes: Sequence, rate: float) -> str:
    """Piecewise-linear volume over output time ``t`` through the keyframes; flat before and after."""
    points = [(key.frame / rate, key.volume) for key in keyframes]
    expression = f"{points[-1][1]:g}"
    for (t0, v0), (t1, v1) in reversed(list(itertools.pairwise(points))):
        ramp = f"{v0:g}+({v1 - v0:g})*(t-{t0:.6f})/{t1 - t0:.6f}" if t1 > t0 else f"{v1:g}"
        expression = f"if(lt(t,{t1:.6f}),{ramp},{expression})"
    return f"if(lt(t,{points[0][0]:.6f}),{points[0][1]:g},{expression})"


@dataclass
class _Graph:
    cut_list: CutList
    preset: OutputPreset
    size: tuple[int, int]
    audio_streams: Sequence[int]
    inputs: list[str]
    chains: list[str]

    @property
    def rate(self) -> str:
        return rate_text(self.cut_list.frame_rate)

    def open(self, path: str, start_frame: int, frames: int) -> int:
        self.inputs += input_args(path, start_frame, frames, self.cut_list.frame_rate)
        return self.inputs.count("-i") - 1

    def video_section(self, index: int, frames: int, label: str, fades: list[str], *, has_video: bool = True) -> None:
        width, height = self.size
        if not has_video:  # an audio-only recording: its sound over a black frame of the output size
            black = f"color=c=black:s={width}x{height}:r={self.rate},trim=end_frame={frames},setsar=1"
            self.chains.append(",".join([black, f"format={self.preset.pix_fmt}", *fades]) + f"[{label}]")
            return
        steps = [
            "setpts=PTS-STARTPTS",
            f"fps={self.rate}",
            f"trim=end_frame={frames}",
            f"scale={width}:{height}:force_original_aspect_ratio=decrease",
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2",
            "setsar=1",
            f"format={self.preset.pix_fmt}",
            *fades,
        ]
        self.chains.append(f"[{index}:v:0]{','.join(steps)}[{label}]")

    def audio_section(
        self, index: int, media_index: int, start_frame: int, frames: int, label: str, fades: list[str]
    ) -> None:
        rate = self.cut_list.frame_rate
        duration = seconds(frames / rate)
        mixing = self.cut_list.audio_mixing
        # Mixing addresses source channels by index, so keep them apart until the mix; else plain stereo.
        channels = max(mix.source_channel for mix in mixing) + 1 if mixing else self.preset.audio_channels
        if self.audio_streams[media_index] == 0:
            source = f"anullsrc=r={self.preset.sample_rate}:cl={_layout(channels)},atrim=duration={duration}"
            shape = ["aformat=sample_fmts=fltp"]
        else:
            track = self.cut_list.inputs[media_index].audio_track
            source = (
                f"[{index}:a:{track}]atrim=start={seconds(_lead_in(start_frame, rate))}:duration={duration},"
                "asetpts=PTS-STARTPTS"
            )
            routes = "|".join(f"c{c}=c{c}" for c in range(channels))
            shape = [
                f"aresample={self.preset.sample_rate}",
                f"pan={_layout(channels)}|{routes}" if mixing else f"aformat=channel_layouts={_layout(channels)}",
                "aformat=sample_fmts=fltp",
                # Pad short audio so every section's audio lasts exactly as long as its video.
                f"apad=whole_dur={duration}",
            ]
        self.chains.append(f"{source},{','.join([*shape, *fades])}[{label}]")

    def mix(self, source: str, target: str) -> None:
        """Route source channels to output channels, each route with its volume automation."""
        mixing = self.cut_list.audio_mixing
        outputs = self.preset.audio_channels
        labels = [f"mix{i}" for i in range(len(mixing))]
        self.chains.append(
            f"[{source}]asplit={len(mixing)}{''.join(f'[{label}in]' for label in labels)}"
            if len(mixing) > 1
            else f"[{source}]anull[{labels[0]}in]"
        )
        for mix, label in zip(mixing, labels, strict=True):
            expression = volume_expression(mix.keyframes, self.cut_list.frame_rate)
            self.chains.append(
                f"[{label}in]pan=mono|c0=c{mix.source_channel},volume=volume='{expression}':eval=frame[{label}]"
            )
        routes = "|".join(_route(mixing, channel) for channel in range(outputs))
        merged = "".join(f"[{label}]" for label in labels)
        merge = f"{merged}amerge=inputs={len(labels)}," if len(labels) > 1 else f"{merged}"
        self.chains.append(f"{merge}pan={_layout(outputs)}|{routes}[{target}]")


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def _route(mixing: Sequence[AudioMix], channel: int) -> str:
    sources = [f"c{i}" for i, mix in enumerate(mixing) if mix.output_channel == channel]
    return f"c{channel}={'+'.join(sources)}" if sources else f"c{channel}=0*c0"


def _fades(
    transition_in: Transition | None, transition_out: Transition | None, frames: int, rate: float
) -> tuple[list[str], list[str]]:
    video: list[str] = []
    audio: list[str] = []
    if transition_in and transition_in.type == "fade" and transition_in.duration:
        video.append(f"fade=t=in:s=0:n={transition_in.duration}")
        audio.append(f"afade=t=in:st=0:d={seconds(transition_in.duration / rate)}")
    if transition_out and transition_out.type == "fade" and transition_out.duration:
        start = frames - transition_out.duration
        video.append(f"fade=t=out:s={start}:n={transition_out.duration}")
        audio.append(f"afade=t=out:st={seconds(start / rate)}:d={seconds(transition_out.duration / rate)}")
    return video, audio


def overlay_scale(overlay: Overlay, size: tuple[int, int]) -> str:
    """The scale step of an overlay (empty for its own size): fit in the output frame, or the cut list's size."""
    if overlay.width or overlay.height:
        return f"scale={overlay.width or -1}:{overlay.height or -1},"
    if overlay.scale == "none":
        return ""
    return f"scale={size[0]}:{size[1]}:force_original_aspect_ratio=decrease,"


def check_output_channels(cut_list: CutList, preset: OutputPreset) -> None:
    problems = [
        f"/audioMixing/{i}/outputChannel: out of range: {mix.output_channel} "
        f"(the output has {preset.audio_channels} channels)"
        for i, mix in enumerate(cut_list.audio_mixing)
        if mix.output_channel >= preset.audio_channels
    ]
    if problems:
        raise CutListError(problems)


def build_render_argv(
    cut_list: CutList,
    input_paths: Sequence[str],
    output_path: str,
    preset: OutputPreset,
    *,
    source_size: tuple[int, int] | None = None,
    audio_streams: Sequence[int] | None = None,
    video: bool = True,
    video_inputs: Sequence[bool] | None = None,
) -> list[str]:
    """The ffmpeg arguments that render ``cut_list`` into ``output_path`` in one process.

    ``input_paths[i]`` is the local file of ``inputMedia[i]``; ``audio_streams[i]`` how many audio streams
    it has (0: the section gets silence); ``video_inputs[i]`` whether it has video (False: the section
    shows a black frame). ``video=False`` renders only the audio (the fast paths use it).
    """
    if len(input_paths) != len(cut_list.inputs):
        raise ValueError(f"{len(cut_list.inputs)} inputMedia but {len(input_paths)} paths")
    check_output_channels(cut_list, preset)
    streams = list(audio_streams) if audio_streams is not None else [1] * len(cut_list.inputs)
    for i, media in enumerate(cut_list.inputs):
        if streams[i] and media.audio_track >= streams[i]:
            raise CutListError(
                [
                    f"/inputMedia/{i}/audioTrack: out of range: {media.audio_track} "
                    f"({media.location} has {streams[i]} audio stream(s))"
                ]
            )
    size = preset.size or source_size
    if video and size is None:
        raise ValueError(f"preset {preset.name!r} keeps the source size: pass source_size")
    graph = _Graph(cut_list, preset, size or (0, 0), streams, [], [])
    rate = cut_list.frame_rate
    pairs = []
    for k, item in enumerate(cut_list.output):
        section = cut_list.section(item.media_index, item.section_index)
        index = graph.open(str(input_paths[item.media_index]), section.start_frame, section.frames)
        video_fades, audio_fades = _fades(item.transition_in, item.transition_out, section.frames, rate)
        if video:
            has_video = video_inputs is None or video_inputs[item.media_index]
            graph.video_section(index, section.frames, f"v{k}", video_fades, has_video=has_video)
        graph.audio_section(index, item.media_index, section.start_frame, section.frames, f"a{k}", audio_fades)
        pairs.append((f"[v{k}]" if video else "") + f"[a{k}]")

    count = len(pairs)
    audio_out = "amix" if cut_list.audio_mixing else "aout"
    if count == 1:
        graph.chains.append(f"[a0]anull[{audio_out}]")
        if video:
            graph.chains.append("[v0]null[vcat]")
    else:
        outs = ("[vcat]" if video else "") + f"[{audio_out}]"
        graph.chains.append(f"{''.join(pairs)}concat=n={count}:v={int(video)}:a=1{outs}")
    if cut_list.audio_mixing:
        graph.mix("amix", "aout")

    maps = []
    if video:
        last = "vcat"
        for j, overlay in enumerate(cut_list.overlays):
            section = cut_list.section(overlay.media_index, overlay.section_index)
            index = graph.open(str(input_paths[overlay.media_index]), section.start_frame, section.frames)
            key = "colorkey=black:0.1:0.05," if overlay.type == "colorkey" else ""
            graph.chains.append(
                f"[{index}:v:0]setpts=PTS-STARTPTS,fps={graph.rate},trim=end_frame={section.frames},{key}"
                f"{overlay_scale(overlay, graph.size)}"
                f"format=yuva420p,setpts=PTS+{overlay.start_frame}/(({graph.rate})*TB)[ov{j}]"
            )
            # The shifted timestamps alone place it: overlay frames exist only for [start, start + frames),
            # and eof_action=pass shows the main picture after. (An enable on ``n`` counted the overlay's
            # own frames in ffmpeg 5.1, which showed an overlay on its first frame only.)
            graph.chains.append(f"[{last}][ov{j}]overlay=x={overlay.x:g}:y={overlay.y:g}:eof_action=pass[o{j}]")
            last = f"o{j}"
        graph.chains.append(f"[{last}]format={preset.pix_fmt}[vout]")
        maps += ["-map", "[vout]", *preset.video_args(), "-r", graph.rate]
    maps += ["-map", "[aout]", *preset.audio_args()]
    return [*graph.inputs, "-filter_complex", ";".join(graph.chains), *maps, str(output_path)]
