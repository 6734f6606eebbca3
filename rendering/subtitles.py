"""Subtitles on an episode's timeline from clip transcripts, shifted and cut by the edit (no Django).

The SRT/WebVTT text itself comes from the one writer, ``transcription.subtitles`` (``cue_tuples`` here).
Segments are plain dicts ``{start, end, text, words?: [{start, end, word}]}`` in their recording's
seconds. A segment that straddles a cut keeps only what plays: its words inside the played stretch when
word timestamps exist, else its text over the clipped time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from episodes.cutlist import CutList
from rendering.timeline import Span, map_interval, output_spans


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    words: tuple[tuple[float, float, str], ...] = ()


def timeline_cues(cut_list: CutList, transcripts: Mapping[str, Sequence[dict]]) -> list[Cue]:
    """Cues on the output timeline; ``transcripts[location]`` is that recording's segments."""
    return span_cues(output_spans(cut_list), transcripts)


def cue_tuples(cues: Sequence[Cue]) -> list[tuple[float, float, str]]:
    """Cues as the subtitle writer takes them: ``srt(cue_tuples(cues))``."""
    return [(cue.start, cue.end, cue.text) for cue in cues]


def span_cues(spans: Sequence[Span], transcripts: Mapping[str, Sequence[dict]]) -> list[Cue]:
    cues = []
    for location, segments in transcripts.items():
        for segment in segments:
            start, end = float(segment["start"]), float(segment["end"])
            for out_start, out_end, source_start in map_interval(spans, location, start, end):
                shift = out_start - source_start
                source_end = source_start + out_end - out_start
                words = tuple(
                    (float(w["start"]) + shift, float(w["end"]) + shift, str(w["word"]).strip())
                    for w in segment.get("words") or []
                    if source_start <= (float(w["start"]) + float(w["end"])) / 2 < source_end
                )
                if segment.get("words"):
                    if not words:
                        continue
                    text = " ".join(word for _, _, word in words)
                else:
                    text = str(segment["text"]).strip()
                if text:
                    cues.append(Cue(out_start, out_end, text, words))
    return sorted(cues, key=lambda cue: (cue.start, cue.end))


def mux_extras_args(
    video: str, output: str, *, subtitles: str | None = None, chapters: str | None = None, language: str = "eng"
) -> list[str]:
    """Add an SRT as an MP4 soft subtitle track (mov_text) and/or FFMETADATA chapters; nothing re-encoded."""
    args, maps = ["-i", video], ["-map", "0:v", "-map", "0:a?"]
    if subtitles:
        args += ["-i", subtitles]
        maps += ["-map", "1:s"]
    if chapters:
        args += ["-i", chapters]
        maps += ["-map_chapters", str(len(args) // 2 - 1)]
    codecs = ["-c", "copy"] + (["-c:s", "mov_text", "-metadata:s:s:0", f"language={language}"] if subtitles else [])
    return [*args, *maps, *codecs, output]


def burn_in_args(video: str, subtitles: str, output: str, *, video_args: Sequence[str]) -> list[str]:
    """Burn subtitles (SRT or ASS) into the picture with libass; audio is copied."""
    return [
        "-i",
        video,
        "-vf",
        f"subtitles=filename={safe_filter_path(subtitles)}",
        "-map",
        "0:v",
        "-map",
        "0:a?",
        *video_args,
        "-c:a",
        "copy",
        output,
    ]


def safe_filter_path(path: str) -> str:
    """Filter options split on ``:`` ``,`` ``;`` and quotes; our temp paths never need escaping, so refuse."""
    if any(ch in path for ch in ":,;'\\[]="):
        raise ValueError(f"subtitle path {path!r} has characters a filter option cannot carry")
    return path
