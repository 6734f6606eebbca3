from django.contrib import admin
from django.utils.html import format_html

from config.admin_ownership import OwnedAdmin, OwnedTabularInline
from pipeline.models import PipelineRun, StepRun
from streams.timefmt import format_hms


def progress_bar(percent: float) -> str:
    return format_html(
        '<div style="width:120px;background:#eee;border-radius:3px" title="{}%">'
        '<div style="width:{}%;background:#417690;height:10px;border-radius:3px"></div></div>',
        round(percent, 1),
        max(0, min(100, round(percent))),
    )


class StepRunInline(OwnedTabularInline):
    model = StepRun
    extra = 0
    can_delete = False
    fields = ["position", "name", "label", "status", "progress_display", "attempts", "took", "error"]
    readonly_fields = fields

    @admin.display(description="progress")
    def progress_display(self, step):
        return progress_bar(step.progress)

    @admin.display(description="took")
    def took(self, step):
        return format_hms(step.duration_seconds) if step.duration_seconds is not None else "-"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PipelineRun)
class PipelineRunAdmin(OwnedAdmin):
    list_display = ["id", "kind", "target", "owner", "status", "progress_display", "percent", "created_at", "took"]
    list_filter = ["status", "kind", "owner"]
    search_fields = ["stream__title", "episode__title", "error"]
    list_select_related = ["stream", "episode", "owner"]
    readonly_fields = [
        "owner",
        "kind",
        "stream",
        "episode",
        "status",
        "progress_display",
        "percent",
        "error",
        "celery_task_id",
        "created_at",
        "started_at",
        "finished_at",
        "took",
    ]
    exclude = ["progress"]
    inlines = [StepRunInline]

    @admin.display(description="on")
    def target(self, run):
        return run.stream or run.episode or "-"

    @admin.display(description="progress")
    def progress_display(self, run):
        return progress_bar(run.progress)

    @admin.display(description="%", ordering="progress")
    def percent(self, run):
        return f"{run.progress:.0f}%"

    @admin.display(description="took")
    def took(self, run):
        return format_hms(run.duration_seconds) if run.duration_seconds is not None else "-"

    def has_add_permission(self, request):
        return False
