from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from config.admin_ownership import OwnedAdmin, acting_user
from widgets import services
from widgets import state as machines
from widgets.models import StreamWidget


class StreamWidgetForm(forms.ModelForm):
    class Meta:
        model = StreamWidget
        fields = ("owner", "title", "type", "active", "config")

    def clean(self) -> dict:
        cleaned = super().clean()
        widget_type = cleaned.get("type") or self.instance.type
        if widget_type and "config" in cleaned:
            try:
                cleaned["config"] = machines.validate_config(widget_type, cleaned["config"] or {})
            except (machines.WidgetStateError, services.WidgetNotFound) as error:
                self.add_error("config", str(error))
        return cleaned


def _live_action(name: str, label: str):
    """An admin action running ``name`` on each selected widget through the same service as the websocket."""

    def run(modeladmin, request, queryset) -> None:
        done, failed = 0, []
        for widget in queryset:
            try:
                services.widget_apply_action(widget_id=widget.id, user=acting_user(request), action=name)
                done += 1
            except (machines.WidgetStateError, services.WidgetNotFound) as error:
                failed.append(f"{widget.title}: {error}")
        if done:
            modeladmin.message_user(request, f"{label}: {done} widget(s) updated.")
        for message in failed:
            modeladmin.message_user(request, message, level=messages.WARNING)

    run.__name__ = f"action_{name}"
    return admin.action(description=label, permissions=["change"])(run)


@admin.register(StreamWidget)
class StreamWidgetAdmin(OwnedAdmin):
    form = StreamWidgetForm
    list_display = ("title", "type", "owner", "active", "updated_at", "links")
    list_filter = ("type", "active")
    search_fields = ("title", "owner__username")
    readonly_fields = ("state", "access_token", "created_at", "updated_at", "links")
    actions = (
        _live_action("start", "Countdown: start"),
        _live_action("pause", "Countdown: pause"),
        _live_action("resume", "Countdown: resume"),
        _live_action("reset", "Reset"),
        _live_action("show", "Text overlay: show"),
        _live_action("hide", "Text overlay: hide"),
        _live_action("open", "Poll: open voting"),
        _live_action("close", "Poll: close voting"),
        "rotate_tokens",
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # Changing type or owner under a live widget would break its state and its open pages.
        return (*readonly, "type", "owner") if obj else readonly

    @admin.display(description="pages")
    def links(self, widget: StreamWidget) -> str:
        if not widget.pk:
            return "-"
        return format_html(
            '<a href="{}">control</a> · <a href="{}?token={}">OBS page</a>',
            reverse("widgets:control", args=[widget.pk]), reverse("widgets:page", args=[widget.pk]),
            widget.access_token,
        )

    @admin.action(description="Rotate access tokens (disconnects open OBS pages)", permissions=["change"])
    def rotate_tokens(self, request, queryset) -> None:
        for widget in queryset:
            services.widget_rotate_token(widget_id=widget.id, user=acting_user(request))
        self.message_user(request, f"Rotated {queryset.count()} token(s).")

    def save_model(self, request, obj: StreamWidget, form, change: bool) -> None:
        if change:
            services.widget_update(
                widget_id=obj.id, user=acting_user(request), title=obj.title, active=obj.active, config=obj.config
            )
        else:
            obj.state = machines.initial_state(obj.type, obj.config)
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj: StreamWidget) -> None:
        services.widget_delete(widget_id=obj.id, user=acting_user(request))

    def delete_queryset(self, request, queryset) -> None:
        for widget_id in queryset.values_list("id", flat=True):
            services.widget_delete(widget_id=widget_id, user=acting_user(request))
