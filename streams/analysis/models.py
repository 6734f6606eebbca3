"""What analysis stores per clip. Registered through ``streams.models`` (app label ``streams``)."""

from django.db import models


class ClipAnalysis(models.Model):
    """Silence, speech, loudness, waveform and keyframes of one clip, from one decode of one audio track.

    Times are seconds on the clip's timeline (add the clip's ``start_time`` for the stream's).
    """

    clip = models.OneToOneField("streams.VideoClip", on_delete=models.CASCADE, related_name="analysis")
    audio_track = models.PositiveIntegerField(default=0, help_text="Index among the clip's audio tracks, from 0.")
    threshold_db = models.FloatField(help_text="Noise threshold in dBFS; quieter samples are silent.")
    min_silence = models.FloatField(help_text="Shortest silence stored, seconds; longer minimums filter these.")
    duration = models.FloatField(help_text="Seconds of audio decoded.")
    silences = models.JSONField(default=list, help_text="[[start, end], ...] seconds, millisecond precision.")
    speech = models.JSONField(default=list, help_text="[[start, end], ...]: the complement of the silences.")
    pauses = models.JSONField(
        default=list,
        help_text="[[start, end], ...]: shorter silences (from ANALYSIS_MIN_PAUSE) between phrases inside speech, "
        "where transcription may cut a long talk.",
    )
    loudness = models.JSONField(default=list, help_text="RMS loudness in dBFS, one value per second.")
    peaks_per_second = models.PositiveIntegerField(default=10)
    audio = models.FileField(max_length=500, blank=True, help_text="The track as 16 kHz mono WAV (for Whisper).")
    waveform_image = models.FileField(max_length=500, blank=True)
    waveform_peaks = models.FileField(max_length=500, blank=True, help_text="JSON peaks array for the player.")
    thumbnails = models.JSONField(default=list, help_text="[{time, name}, ...]: keyframe images in storage.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "streams"
        verbose_name_plural = "clip analyses"

    def __str__(self) -> str:
        return f"analysis of {self.clip}"

    @property
    def speech_seconds(self) -> float:
        return round(sum(end - start for start, end in self.speech), 3)
