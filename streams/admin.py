from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse

from config.admin_ownership import OwnedAdmin, OwnedTabularInline
from streams.forms import IngestForm
from streams.models import Series, Stream, VideoClip, WatchedFile
from streams.services import IngestError, IngestReport
from streams.timefmt import format_hms
from transcription.admin import embed_streams, propose_streams, reprocess_streams, summarise_streams
from transcription.summaries.admin import ClipSummaryInline, StreamSummaryInline, clip_summaries_html


class VideoClipInline(OwnedTabularInline):
    model = VideoClip
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["order", "original_name", "start", "length", "resolution", "frame_rate", "video_codec", "audio"]
    readonly_fields = fields

    @admin.display(description="starts at")
    def start(self, clip):
        return format_hms(clip.start_time)

    @admin.display(description="duration")
    def length(self, clip):
        return format_hms(clip.duration)

    @admin.display(description="audio tracks")
    def audio(self, clip):
        return ", ".join(f"{t['codec']} {t['channels']}ch {t.get('title', '')}".strip() for t in clip.audio_tracks)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(OwnedAdmin):
    list_display = ["name", "owner", "episode_title_template", "stream_count", "created_at"]
    list_filter = ["owner"]
    search_fields = ["name", "description"]

    @admin.display(description="streams")
    def stream_count(self, series):
        return series.streams.count()


@admin.register(Stream)
class StreamAdmin(OwnedAdmin):
    list_display = ["title", "series", "owner", "recorded_at", "length", "clip_count", "created_at"]
    list_filter = ["series", "owner", "recorded_at"]
    search_fields = ["title", "description", "clips__original_name"]
    date_hierarchy = "recorded_at"
    readonly_fields = ["length", "recorded_at", "created_at", "updated_at", "clip_summaries"]
    fields = ["owner", "title", "series", "description", "language", "recorded_at", "length", "clip_summaries"]
    inlines = [StreamSummaryInline, VideoClipInline]
    change_list_template = "admin/streams/stream/change_list.html"
    actions = [reprocess_streams, summarise_streams, embed_streams, propose_streams]

    def get_inlines(self, request, obj):
        # A new stream has no summary yet (and its form then needs no summary rows).
        return [inline for inline in self.inlines if obj is not None or inline is not StreamSummaryInline]

    @admin.display(description="clip summaries")
    def clip_summaries(self, stream):
        return clip_summaries_html(stream) if stream.pk else "-"

    @admin.display(description="duration", ordering="duration")
    def length(self, stream):
        return format_hms(stream.duration)

    @admin.display(description="clips")
    def clip_count(self, stream):
        return stream.clips.count()

    def get_urls(self):
        ingest = path("ingest/", self.admin_site.admin_view(self.ingest_view), name="streams_stream_ingest")
        return [ingest, *super().get_urls()]

    def ingest_view(self, request):
        """Upload recordings or name files/folders on the server; the same service as `manage.py ingest`."""
        if not self.has_add_permission(request):
            raise PermissionDenied  # ingest creates streams (and adds clips to the user's own)
        form = IngestForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                report = form.ingest(request.user)
            except IngestError as error:
                for problem in error.problems:
                    messages.error(request, problem)
            else:
                _report_ingest(request, report)
                return redirect(reverse("admin:streams_stream_change", args=[report.stream.id]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Ingest recordings",
            "opts": self.model._meta,
        }
        return render(request, "admin/streams/stream/ingest.html", context)


def _report_ingest(request, report: IngestReport) -> None:
    """Success only when everything went in; a partial ingest is a warning naming each failed file."""
    title = report.stream.title
    for note in report.notes:
        messages.info(request, note)
    if report.partial:
        added, failed = len(report.added), len(report.failed)
        messages.warning(request, f"Partly ingested into “{title}”: {added} recording(s) added, {failed} failed.")
        for problem in report.problems:
            messages.warning(request, f"Not ingested: {problem}")
    else:
        messages.success(request, f"Ingested {len(report.added)} recording(s) into “{title}”.")


@admin.register(VideoClip)
class VideoClipAdmin(OwnedAdmin):
    owner_field = "stream__owner"
    list_display = ["original_name", "stream", "order", "start", "length", "resolution", "frame_rate", "video_codec"]
    list_filter = ["stream__series", "video_codec", "stream__owner"]
    search_fields = ["original_name", "original_path", "stream__title"]
    list_select_related = ["stream"]
    readonly_fields = [
        "stream",
        "order",
        "file",
        "original_name",
        "original_path",
        "size_bytes",
        "recorded_at",
        "start",
        "length",
        "format_name",
        "bit_rate",
        "video_codec",
        "width",
        "height",
        "frame_rate",
        "audio_tracks",
        "media_streams",
        "source_url",
        "source_etag",
    ]
    exclude = ["start_time", "duration"]
    inlines = [ClipSummaryInline]

    @admin.display(description="starts at", ordering="start_time")
    def start(self, clip):
        return format_hms(clip.start_time)

    @admin.display(description="duration", ordering="duration")
    def length(self, clip):
        return format_hms(clip.duration)

    def has_add_permission(self, request):
        return False


@admin.register(WatchedFile)
class WatchedFileAdmin(OwnedAdmin):
    """What the watch folders did with each file version: the reason for each failure is here."""

    list_display = ["path", "status", "error", "stream", "size_bytes", "created_at"]
    list_filter = ["status", "owner"]
    search_fields = ["path", "error"]
    list_select_related = ["stream"]
    readonly_fields = [
        "owner",
        "path",
        "size_bytes",
        "mtime_ns",
        "status",
        "error",
        "stream",
        "clip",
        "recorded_at",
        "duration",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
