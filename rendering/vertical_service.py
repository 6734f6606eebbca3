"""Vertical (9:16) clips, captioned from the transcript, saved to storage: of a moment in a recording, or of
an episode's render (the one ``manage.py publish --tiktok`` posts)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from episodes.cutlist import CutListError
from episodes.models import Episode
from episodes.services import cut_list_validate
from pipeline.media import local_path, save_output
from rendering.subtitles import timeline_cues
from rendering.vertical import render_vertical
from streams.models import VideoClip
from transcription.selectors import clip_segments


def clip_render_vertical(
    *,
    clip_id: int,
    start: float,
    end: float,
    logo: Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> str:
    """Render clip seconds [start, end) as 1080x1920 with burned-in word-timed captions; returns the storage key.

    The key is derived from the clip and the times, so rendering the same moment again replaces it.
    """
    clip = VideoClip.objects.get(id=clip_id)
    if not 0 <= start < end <= clip.duration + 0.001:
        raise ValueError(f"{clip.original_name}: need 0 <= start < end <= {clip.duration:.3f} s (got {start}..{end})")
    key = f"vertical/clip-{clip.id}-{start:.3f}-{end:.3f}.mp4"
    with local_path(clip.file) as source, tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        output = Path(tmp) / "vertical.mp4"
        render_vertical(source, start, end, output, segments=clip_segments(clip), logo=logo, progress=progress)
        return save_output(output, key)


def episode_vertical_key(episode_id: int) -> str:
    """Where an episode's vertical render lives: one per episode, so rendering it again replaces it."""
    return f"vertical/episode-{episode_id}.mp4"


def episode_render_vertical(
    *,
    episode_id: int,
    start: float = 0.0,
    end: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> str:
    """Render seconds [start, end) of the episode's render as 1080x1920, captioned from its transcript.

    No logo: this is what ``publish --tiktok`` posts, and TikTok forbids adding a watermark or branding.
    """
    episode = Episode.objects.select_related("stream").get(id=episode_id)
    if not episode.rendered_file:
        raise ValueError(f"episode {episode.pk} has no render yet: render it first")
    cut_list = _valid_cut_list(episode)
    length = cut_list.output_frames / cut_list.frame_rate if cut_list else episode.duration
    end = length if end is None else end
    if not 0 <= start < end <= length + 0.001:
        raise ValueError(f"episode {episode.pk}: need 0 <= start < end <= {length:.3f} s (got {start}..{end})")
    segments = []
    if cut_list:
        transcripts = {clip.file.name: clip_segments(clip) for clip in episode.stream.clips.all()}
        segments = [
            {"start": cue.start, "end": cue.end, "text": cue.text, "words": [_word(*word) for word in cue.words]}
            for cue in timeline_cues(cut_list, transcripts)
        ]
    key = episode_vertical_key(episode.id)
    with local_path(episode.rendered_file) as source, tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        output = Path(tmp) / "vertical.mp4"
        render_vertical(source, start, end, output, segments=segments, progress=progress)
        return save_output(output, key)


def _valid_cut_list(episode: Episode):
    """The cut list the render was made from (its timeline places the captions); None when there is none."""
    if not episode.cut_list:
        return None
    try:
        return cut_list_validate(document=episode.cut_list, owner=episode.owner_id)
    except CutListError:
        return None


def _word(start: float, end: float, word: str) -> dict:
    return {"start": start, "end": end, "word": word}
