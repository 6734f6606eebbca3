"""Reads of transcripts for other apps (rendering's subtitles)."""

from streams.models import VideoClip
from transcription.models import Segment, Transcript
from transcription.subtitles import format_timestamp


def clip_segments(clip: VideoClip) -> list[dict]:
    """The clip's segments as ``{start, end, text, words, ...}`` in clip seconds; empty if not transcribed."""
    return [segment.as_dict() for segment in Segment.objects.filter(transcript__clip=clip).order_by("index")]


def stream_transcript_text(stream) -> str:
    """The stream's transcript for a terminal: a heading per clip, each segment at its stream time."""
    lines = []
    for transcript in Transcript.objects.filter(clip__stream=stream).select_related("clip").order_by("clip__order"):
        offset = transcript.clip.start_time
        lines.append(f"{transcript.clip.original_name} ({transcript.language or 'no speech'})")
        lines += [f"[{format_timestamp(s.start + offset, '.')}] {s.text}" for s in transcript.segments.all()]
    return "\n".join(lines)
