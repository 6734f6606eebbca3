"""Vertical (9:16) clips of a highlight: blurred full-frame background, the original centred, burned-in
captions (word by word when word timestamps exist), optional logo. No Django."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.ffmpeg import run_ffmpeg
from rendering.argv import OutputPreset, get_preset, seconds
from rendering.subtitles import Cue, safe_filter_path, span_cues
from rendering.timeline import Span

WIDTH, HEIGHT = 1080, 1920
WORDS_PER_CAPTION = 3
_ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 0
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Caption,DejaVu Sans,{size},&H0000FFFF,&H00FFFFFF,&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,5,0,2,60,60,\
{margin},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def highlight_cues(segments: Sequence[dict], start: float, end: float) -> list[Cue]:
    """The transcript of source [start, end) on the clip's own timeline (0 = ``start``)."""
    return span_cues([Span("clip", start, end, 0.0)], {"clip": segments})


def _ass_time(value: float) -> str:
    centis = max(0, round(value * 100))
    return f"{centis // 360000}:{centis // 6000 % 60:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def _ass_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", "\\N")


def captions_ass(
    cues: Sequence[Cue], *, width: int = WIDTH, height: int = HEIGHT, words_per_caption: int = WORDS_PER_CAPTION
) -> str:
    """An ASS script: word-timed cues become short karaoke lines (each word lights up as it is said)."""
    events = []
    for cue in cues:
        if not cue.words:
            events.append((cue.start, cue.end, _ass_text(cue.text)))
            continue
        for first in range(0, len(cue.words), words_per_caption):
            group = cue.words[first : first + words_per_caption]
            parts, cursor = [], group[0][0]
            for word_start, word_end, word in group:
                gap = max(0, round((word_start - cursor) * 100))
                if gap:
                    parts.append(f"{{\\k{gap}}}")
                parts.append(f"{{\\k{max(1, round((word_end - word_start) * 100))}}}{_ass_text(word)} ")
                cursor = word_end
            events.append((group[0][0], group[-1][1], "".join(parts).rstrip()))
    header = _ASS_HEADER.format(width=width, height=height, size=height // 24, margin=height // 6)
    lines = [f"Dialogue: 0,{_ass_time(a)},{_ass_time(b)},Caption,,0,0,0,,{text}" for a, b, text in events if b > a]
    return header + "\n".join(lines) + "\n"


def build_vertical_argv(
    source: str,
    start: float,
    end: float,
    output: str,
    *,
    preset: OutputPreset,
    captions: str | None = None,
    logo: str | None = None,
    audio_track: int = 0,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> list[str]:
    """One ffmpeg run: background blurred at a quarter size (cheap), foreground centred at full width."""
    width, height = size
    inputs = ["-ss", seconds(start), "-t", seconds(end - start), "-i", source]
    chains = [
        # No setpts here: the seek already starts the clip at 0, and ffmpeg 7.0 then lost the frame rate
        # (the output fell to 25 fps).
        "[0:v:0]split=2[bg][fg]",
        f"[bg]scale={width // 4}:{height // 4}:force_original_aspect_ratio=increase,crop={width // 4}:{height // 4},"
        f"gblur=sigma=12,scale={width}:{height},setsar=1[blurred]",
        f"[fg]scale={width}:-2[front]",
        "[blurred][front]overlay=(W-w)/2:(H-h)/2[base]",
    ]
    last = "base"
    if captions:
        chains.append(f"[{last}]subtitles=filename={safe_filter_path(captions)}[captioned]")
        last = "captioned"
    if logo:
        inputs += ["-i", logo]
        chains.append(f"[1:v:0]scale={width // 5}:-2[logo]")
        chains.append(f"[{last}][logo]overlay=W-w-{width // 20}:{width // 20}:eof_action=repeat[logoed]")
        last = "logoed"
    chains.append(f"[{last}]format={preset.pix_fmt}[vout]")
    return [
        *inputs,
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[vout]",
        "-map",
        f"0:a:{audio_track}?",
        *preset.video_args(),
        *preset.audio_args(),
        "-shortest",
        output,
    ]


def render_vertical(
    source: Path | str,
    start: float,
    end: float,
    output: Path | str,
    *,
    segments: Sequence[dict] | None = None,
    logo: Path | str | None = None,
    preset: OutputPreset | None = None,
    audio_track: int = 0,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Render source [start, end) as a vertical clip with the transcript burned in."""
    if end <= start:
        raise ValueError(f"highlight end {end} must be after its start {start}")
    preset = preset or get_preset("1080p", width=size[0], height=size[1])
    with tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        captions = None
        cues = highlight_cues(segments or [], start, end)
        if cues:
            captions = str(Path(tmp) / "captions.ass")
            Path(captions).write_text(captions_ass(cues, width=size[0], height=size[1]), encoding="utf-8")
        argv = build_vertical_argv(
            str(source),
            start,
            end,
            str(output),
            preset=preset,
            captions=captions,
            logo=str(logo) if logo else None,
            audio_track=audio_track,
            size=size,
        )
        run_ffmpeg(argv, duration=end - start, progress=progress)
    return Path(output)
