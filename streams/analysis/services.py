"""Analysing a clip: one decode, then every output stored under deterministic names (re-runs replace)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from pipeline.ffmpeg import FFmpegError
from pipeline.media import local_path, save_output
from streams.analysis.decode import AudioDecodeError, scan_audio
from streams.analysis.models import ClipAnalysis
from streams.analysis.thumbnails import keyframe_thumbnails
from streams.analysis.waveform import waveform_png
from streams.models import VideoClip


class AnalysisError(RuntimeError):
    """The clip cannot be analysed; the message names the clip and the reason."""


def _prefix(clip: VideoClip) -> str:
    return f"analysis/stream-{clip.stream_id}/clip-{clip.id}"


def clip_analyse(
    *,
    clip_id: int,
    audio_track: int | None = None,
    threshold_db: float | None = None,
    min_silence: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> ClipAnalysis:
    """Silences, speech, loudness, waveform, keyframes and the 16 kHz audio of one clip, stored.

    ``audio_track`` defaults to the track chosen last time, else ``ANALYSIS_AUDIO_TRACK``.
    """
    clip = VideoClip.objects.select_related("stream").get(id=clip_id)
    previous = ClipAnalysis.objects.filter(clip=clip).first()
    if audio_track is None:
        audio_track = previous.audio_track if previous else settings.ANALYSIS_AUDIO_TRACK
    if not clip.audio_tracks:
        raise AnalysisError(f"{clip.original_name}: has no audio track")
    if not 0 <= audio_track < len(clip.audio_tracks):
        raise AnalysisError(
            f"{clip.original_name}: audio track {audio_track} does not exist "
            f"(it has {len(clip.audio_tracks)}: 0-{len(clip.audio_tracks) - 1})"
        )
    threshold_db = settings.SILENCE_THRESHOLD_DB if threshold_db is None else threshold_db
    min_silence = settings.ANALYSIS_MIN_SILENCE if min_silence is None else min_silence

    with tempfile.TemporaryDirectory(prefix="studio-analysis-") as tmp, local_path(clip.file) as source:
        work = Path(tmp)
        try:
            scan = scan_audio(
                source,
                track=audio_track,
                threshold_db=threshold_db,
                min_silence=min_silence,
                min_pause=settings.ANALYSIS_MIN_PAUSE or None,
                wav_path=work / "audio-16k.wav",
                expected_duration=clip.duration,
                progress=(lambda percent: progress(percent * 0.9)) if progress else None,
            )
        except AudioDecodeError as error:
            raise AnalysisError(f"{clip.original_name}: {error}") from error
        thumbs: list[tuple[float, Path]] = []
        if clip.has_video:
            try:
                thumbs = keyframe_thumbnails(source, work / "thumbs", every=settings.ANALYSIS_THUMBNAIL_EVERY)
            except FFmpegError as error:
                raise AnalysisError(f"{clip.original_name}: keyframes cannot be read: {error}") from error
        (work / "waveform.png").write_bytes(waveform_png(scan.peaks))
        (work / "peaks.json").write_text(
            json.dumps({"peaks_per_second": scan.peaks_per_second, "peaks": scan.peaks}, separators=(",", ":"))
        )
        prefix = _prefix(clip)
        stored = {name: save_output(work / name, f"{prefix}/{name}") for name in ("audio-16k.wav", "waveform.png")}
        stored["peaks.json"] = save_output(work / "peaks.json", f"{prefix}/peaks.json")
        thumbnails = [
            {"time": time, "name": save_output(path, f"{prefix}/thumbs/{index:05d}.jpg")}
            for index, (time, path) in enumerate(thumbs, start=1)
        ]

    fields = {
        "audio_track": audio_track,
        "threshold_db": threshold_db,
        "min_silence": min_silence,
        "duration": scan.duration,
        "silences": [list(pair) for pair in scan.silences],
        "speech": [list(pair) for pair in scan.speech],
        "pauses": [list(pair) for pair in scan.pauses],
        "loudness": scan.loudness_db,
        "peaks_per_second": scan.peaks_per_second,
        "audio": stored["audio-16k.wav"],
        "waveform_image": stored["waveform.png"],
        "waveform_peaks": stored["peaks.json"],
        "thumbnails": thumbnails,
    }
    with transaction.atomic():
        analysis, _ = ClipAnalysis.objects.update_or_create(clip=clip, defaults=fields)
    _drop_stale_thumbnails(previous, keep={thumb["name"] for thumb in thumbnails})
    if progress:
        progress(100.0)
    return analysis


def _drop_stale_thumbnails(previous: ClipAnalysis | None, *, keep: set[str]) -> None:
    for thumb in previous.thumbnails if previous else []:
        if thumb["name"] not in keep:
            default_storage.delete(thumb["name"])
