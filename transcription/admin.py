"""Admin: transcripts with timestamps and subtitle downloads, clip analyses, and re-run actions."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_ownership import OwnedAdmin, owned_by
from config.downloads import attachment
from pipeline.media_access import media_url
from pipeline.steps import ANALYSE, EMBED, PROCESS_STEPS, PROPOSE, SUMMARISE, TRANSCRIBE
from pipeline.workflows import start_stream_processing
from streams.analysis.models import ClipAnalysis
from streams.models import Stream, VideoClip
from transcription.exports import CONTENT_TYPES, stream_subtitles, transcript_subtitles
from transcription.models import Transcript
from transcription.subtitles import format_timestamp
from transcription.summaries.admin import ClipSummaryAdmin, StreamSummaryAdmin  # noqa: F401  (registers them)


def _start_runs(request, clips_by_stream: dict[int, list[int]], steps: tuple[str, ...]) -> None:
    for stream_id, clip_ids in clips_by_stream.items():
        stream = Stream.objects.get(id=stream_id)
        try:
            run = start_stream_processing(stream_id, stream.owner, steps=steps, clip_ids=clip_ids)
        except ValueError as error:
            messages.error(request, f"{stream.title}: {error}")
        else:
            messages.success(request, f"{stream.title}: {' + '.join(steps)} queued as pipeline run #{run.id}.")


def _by_stream(clip_rows) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for clip_id, stream_id in clip_rows:
        grouped.setdefault(stream_id, []).append(clip_id)
    return grouped


@admin.action(description="Process the selected streams again (every step)", permissions=["change"])
def reprocess_streams(modeladmin, request, queryset):
    """For the stream admin's ``actions`` (streams/admin.py); ``queryset`` is the user's own streams."""
    _start_runs(request, {stream.id: None for stream in queryset}, PROCESS_STEPS)


@admin.action(description="Summarise the selected streams again (edited summaries are kept)", permissions=["change"])
def summarise_streams(modeladmin, request, queryset):
    """For the stream admin's ``actions``: every clip in order, then the stream's draft."""
    _start_runs(request, {stream.id: None for stream in queryset}, (SUMMARISE,))


@admin.action(description="Embed again (search rows, with the configured model)", permissions=["change"])
def embed_streams(modeladmin, request, queryset):
    """For the stream admin's ``actions``: one embed run per stream, over its transcribed clips."""
    transcribed = VideoClip.objects.filter(stream__in=queryset, transcript__isnull=False)
    clips = _by_stream(transcribed.values_list("id", "stream_id"))
    for stream in queryset.exclude(id__in=clips):
        messages.warning(request, f"{stream.title}: nothing to embed (no clip is transcribed yet).")
    _start_runs(request, clips, (EMBED,))


@admin.action(
    description="Propose episodes and highlights again (accepted and edited ones are kept)", permissions=["change"]
)
def propose_streams(modeladmin, request, queryset):
    """For the stream admin's ``actions``: one proposals step per stream."""
    _start_runs(request, {stream.id: None for stream in queryset}, (PROPOSE,))


@admin.register(Transcript)
class TranscriptAdmin(OwnedAdmin):
    owner_field = "clip__stream__owner"
    list_display = ["clip", "stream", "language", "segment_count", "speech_seconds", "engine", "updated_at"]
    list_filter = ["language", "engine", "clip__stream__owner"]
    search_fields = ["text", "clip__original_name", "clip__stream__title"]
    list_select_related = ["clip__stream"]
    actions = ["transcribe_again"]
    fields = ["clip", "language", "engine", "model_name", "initial_prompt", "speech_seconds", "downloads", "timeline"]
    readonly_fields = fields

    @admin.display(description="stream", ordering="clip__stream__title")
    def stream(self, transcript):
        return transcript.clip.stream

    @admin.display(description="segments")
    def segment_count(self, transcript):
        return transcript.segments.count()

    @admin.display(description="subtitles")
    def downloads(self, transcript):
        links = [
            (reverse("admin:transcription_transcript_subtitles", args=[transcript.id, fmt]), f"clip .{fmt}")
            for fmt in CONTENT_TYPES
        ] + [
            (reverse("admin:transcription_stream_subtitles", args=[transcript.clip.stream_id, fmt]), f"stream .{fmt}")
            for fmt in CONTENT_TYPES
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description="transcript")
    def timeline(self, transcript):
        """Each segment at its time on the stream (and on the clip), as the review page will show it."""
        offset = transcript.clip.start_time
        rows = format_html_join(
            "",
            '<tr><td style="white-space:nowrap">{}</td><td style="white-space:nowrap;color:#888">{}</td>'
            "<td>{}</td></tr>",
            (
                (format_timestamp(s.start + offset, "."), format_timestamp(s.start, "."), s.text)
                for s in transcript.segments.all()
            ),
        )
        header = mark_safe("<tr><th>stream time</th><th>clip time</th><th>text</th></tr>")  # a constant
        return format_html("<table>{}{}</table>", header, rows) if rows else "(no speech)"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/subtitles.<str:fmt>",
                view(self.subtitles_view),
                name="transcription_transcript_subtitles",
            ),
            path(
                "stream/<int:stream_id>/subtitles.<str:fmt>",
                view(self.stream_subtitles_view),
                name="transcription_stream_subtitles",
            ),
            *super().get_urls(),
        ]

    def subtitles_view(self, request, pk: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        transcript = get_object_or_404(self.get_queryset(request), pk=pk)
        return self._download(transcript_subtitles, transcript, fmt, transcript.clip.original_name.rsplit(".", 1)[0])

    def stream_subtitles_view(self, request, stream_id: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        stream = get_object_or_404(owned_by(Stream.objects.all(), request.user, self.admin_site), pk=stream_id)
        return self._download(stream_subtitles, stream, fmt, f"stream-{stream.id}")

    @staticmethod
    def _download(write, obj, fmt: str, name: str) -> HttpResponse:
        if fmt not in CONTENT_TYPES:
            return HttpResponse(
                f"unknown subtitle format {fmt!r}; use srt or vtt", status=404, content_type="text/plain"
            )
        response = HttpResponse(write(obj, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = attachment(f"{name}.{fmt}")
        return response

    @admin.action(description="Transcribe the selected clips again", permissions=["change"])
    def transcribe_again(self, request, queryset):
        _start_runs(request, _by_stream(queryset.values_list("clip_id", "clip__stream_id")), (TRANSCRIBE,))

    def has_add_permission(self, request):
        return False


@admin.register(ClipAnalysis)
class ClipAnalysisAdmin(OwnedAdmin):
    owner_field = "clip__stream__owner"
    list_display = ["clip", "audio_track", "duration", "speech_seconds", "silence_count", "updated_at"]
    list_filter = ["audio_track", "clip__stream__owner"]
    search_fields = ["clip__original_name", "clip__stream__title"]
    list_select_related = ["clip__stream"]
    actions = ["analyse_again"]
    exclude = ["silences", "speech", "pauses", "loudness", "thumbnails"]
    readonly_fields = [
        "clip",
        "audio_track",
        "threshold_db",
        "min_silence",
        "duration",
        "waveform",
        "keyframes",
        "speech_spans",
        "audio",
        "waveform_image",
        "waveform_peaks",
        "peaks_per_second",
    ]

    @admin.display(description="silences")
    def silence_count(self, analysis):
        return len(analysis.silences)

    @admin.display(description="waveform")
    def waveform(self, analysis):
        if not analysis.waveform_image:
            return "-"
        image = media_url(analysis.waveform_image.name)
        return format_html('<img src="{}" style="width:100%;max-width:1200px">', image)

    @admin.display(description="keyframes")
    def keyframes(self, analysis):
        return format_html_join(
            "",
            '<figure style="display:inline-block;margin:2px"><img src="{}" height="60"><figcaption>{}</figcaption>'
            "</figure>",
            ((media_url(t["name"]), format_timestamp(t["time"], ".")) for t in analysis.thumbnails),
        )

    @admin.display(description="speech")
    def speech_spans(self, analysis):
        return ", ".join(
            f"{format_timestamp(start, '.')}-{format_timestamp(end, '.')}" for start, end in analysis.speech
        )

    @admin.action(description="Analyse and transcribe the selected clips again", permissions=["change"])
    def analyse_again(self, request, queryset):
        _start_runs(request, _by_stream(queryset.values_list("clip_id", "clip__stream_id")), (ANALYSE, TRANSCRIBE))

    def has_add_permission(self, request):
        return False
