"""Admin for summaries: each clip's and each stream's, editable by the streamer (an edit is kept by re-runs),
shown on the clip and stream pages, and the "Summarise again" action. Registered from transcription/admin.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_ownership import OwnedAdmin, OwnedTabularInline
from transcription.models import Segment
from transcription.subtitles import format_timestamp
from transcription.summaries.models import ClipSummary, StreamSummary
from transcription.summaries.schema import (
    CLIP_FIELDS,
    STREAM_FIELDS,
    SummaryInvalid,
    validate_clip_summary,
    validate_stream_summary,
)
from transcription.summaries.services import clip_summary_edit, stream_summary_edit

KEPT_HELP = "A re-run keeps an edited summary; it replaces one nobody edited."


class ClipSummaryForm(forms.ModelForm):
    """Checked whole by the one validator, so the admin can store nothing the API would refuse."""

    class Meta:
        model = ClipSummary
        fields = list(CLIP_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for name in ("keywords", "highlights", "attentions", "transcription_errors"):
            if cleaned.get(name) is None:  # an emptied JSON box means none
                cleaned[name] = []
        indexes = set(Segment.objects.filter(transcript__clip_id=self.instance.clip_id).values_list("index", flat=True))
        try:
            validate_clip_summary({name: cleaned.get(name) for name in CLIP_FIELDS}, segment_indexes=indexes)
        except SummaryInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class StreamSummaryForm(forms.ModelForm):
    class Meta:
        model = StreamSummary
        fields = list(STREAM_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                validate_stream_summary({name: cleaned.get(name) or "" for name in STREAM_FIELDS})
            except SummaryInvalid as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


class EditedMixin:
    """Saving a change marks the summary edited (through the service, which checks it again)."""

    edit = None
    actions = ["forget_edits"]

    @admin.action(description="Forget the edits: the next run replaces the selected summaries", permissions=["change"])
    def forget_edits(self, request, queryset):
        count = queryset.update(edited_at=None, kept_edit=False)
        self.message_user(request, f"{count} summary(ies) will be replaced by the next summarise run.")

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            type(self).edit(summary=obj, changes={})
        elif not change:
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False


@admin.register(ClipSummary)
class ClipSummaryAdmin(EditedMixin, OwnedAdmin):
    owner_field = "clip__stream__owner"
    form = ClipSummaryForm
    edit = clip_summary_edit
    list_display = ["clip", "stream", "title", "engine", "edited_at", "kept_edit", "updated_at"]
    list_filter = ["engine", "kept_edit", "clip__stream__owner"]
    search_fields = ["title", "summary_main_discussion", "clip__original_name", "clip__stream__title"]
    list_select_related = ["clip__stream"]
    readonly_fields = ["clip", "moments", "engine", "model_name", "edited_at", "kept_edit", "updated_at"]
    fieldsets = [
        (None, {"fields": ["clip", "title", "keywords", "summary_main_discussion", "summary_context"]}),
        ("Moments (times on the stream timeline)", {"fields": ["moments"]}),
        ("Edit the moments", {"classes": ["collapse"], "fields": ["highlights", "attentions", "transcription_errors"]}),
        (
            "Origin",
            {"fields": ["engine", "model_name", "edited_at", "kept_edit", "updated_at"], "description": KEPT_HELP},
        ),
    ]

    @admin.display(description="stream", ordering="clip__stream__title")
    def stream(self, summary):
        return summary.clip.stream

    @admin.display(description="moments")
    def moments(self, summary):
        return moments_table(summary)


@admin.register(StreamSummary)
class StreamSummaryAdmin(EditedMixin, OwnedAdmin):
    owner_field = "stream__owner"
    form = StreamSummaryForm
    edit = stream_summary_edit
    list_display = ["stream", "title", "engine", "edited_at", "kept_edit", "updated_at"]
    list_filter = ["engine", "kept_edit", "stream__owner"]
    search_fields = ["title", "description", "stream__title"]
    list_select_related = ["stream"]
    readonly_fields = ["stream", "engine", "model_name", "edited_at", "kept_edit", "updated_at"]
    fieldsets = [
        (None, {"fields": ["stream", "title", "description"]}),
        (
            "Origin",
            {"fields": ["engine", "model_name", "edited_at", "kept_edit", "updated_at"], "description": KEPT_HELP},
        ),
    ]


def moments_table(summary: ClipSummary):
    """Highlights, attentions and transcription errors at their stream times, with the segments they cite."""
    rows = [
        (kind, item)
        for kind, items in (
            ("highlight", summary.highlights),
            ("attention", summary.attentions),
            ("transcription error", summary.transcription_errors),
        )
        for item in items
    ]
    if not rows:
        return "-"
    body = format_html_join(
        "",
        '<tr><td style="white-space:nowrap">{}</td><td>{}</td><td>{}</td><td style="color:#666">{}</td>'
        "<td>{}</td></tr>",
        (
            (
                format_timestamp(item["timestamp_start"], "."),
                kind,
                item["description"],
                item["reasoning"],
                ", ".join(str(index) for index in item["segments"]),
            )
            for kind, item in sorted(rows, key=lambda row: row[1]["timestamp_start"])
        ),
    )
    return format_html(
        "<table><tr><th>stream time</th><th>kind</th><th>what</th><th>why</th><th>segments</th></tr>{}</table>", body
    )


class ClipSummaryInline(OwnedTabularInline):
    """On a clip's page: its summary, read-only here, edited on its own page."""

    model = ClipSummary
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["title", "keywords", "summary_main_discussion", "moments", "edited_at", "kept_edit"]
    readonly_fields = fields
    verbose_name_plural = "summary"

    @admin.display(description="moments")
    def moments(self, summary):
        return moments_table(summary)

    def has_add_permission(self, request, obj=None):
        return False


class StreamSummaryInline(OwnedTabularInline):
    """On a stream's page: the draft title and description, edited on its own page."""

    model = StreamSummary
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["title", "description", "engine", "edited_at", "kept_edit"]
    readonly_fields = fields
    verbose_name_plural = "summary draft"

    def has_add_permission(self, request, obj=None):
        return False


def clip_summaries_html(stream):
    """For the stream's page: each clip's summary title, keywords and gist, linked to its page."""
    summaries = ClipSummary.objects.filter(clip__stream=stream).select_related("clip").order_by("clip__order")
    rows = format_html_join(
        "",
        '<tr><td style="white-space:nowrap">{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                format_timestamp(summary.clip.start_time, "."),
                reverse("admin:transcription_clipsummary_change", args=[summary.id]),
                summary.title or "(no speech)",
                ", ".join(summary.keywords),
                summary.summary_main_discussion[:300],
                "edited" if summary.edited_at else "",
            )
            for summary in summaries
        ),
    )
    if not rows:
        return "- (not summarised yet: the summarise step does it)"
    header = mark_safe("<tr><th>starts</th><th>title</th><th>keywords</th><th>main discussion</th><th></th></tr>")
    return format_html("<table>{}{}</table>", header, rows)
