from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from chat import services
from chat.api import callback_url
from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, TwitchLink
from config.admin_ownership import OwnedAdmin


def _report(modeladmin, request, done: int, errors: list[str], what: str) -> None:
    if done:
        modeladmin.message_user(request, f"{done} {what}", messages.SUCCESS)
    for error in errors:
        modeladmin.message_user(request, error, messages.ERROR)


@admin.register(TwitchLink)
class TwitchLinkAdmin(OwnedAdmin):
    list_display = ["login", "display_name", "twitch_user_id", "owner", "subscription_status", "created_at"]
    search_fields = ["login", "display_name", "twitch_user_id"]
    actions = ["subscribe_to_chat"]

    @admin.display(description="chat subscription")
    def subscription_status(self, link):
        latest = link.subscriptions.order_by("-created_at").first()
        if latest is None:
            return "none"
        return f"{latest.status} ({latest.revoked_reason})" if latest.revoked_reason else latest.status

    @admin.action(description="Subscribe to chat (channel.chat.message) at Twitch", permissions=["change"])
    def subscribe_to_chat(self, request, queryset):
        done, errors = 0, []
        for link in queryset:
            try:
                services.subscription_create(owner=link.owner, callback_url=callback_url(request))
                done += 1
            except services.ChatError as error:
                errors.append(f"{link.login}: {error}")
        _report(self, request, done, errors, "subscription(s) created; Twitch will verify the callback")


@admin.register(EventSubSubscription)
class EventSubSubscriptionAdmin(OwnedAdmin):
    list_display = ["link", "type", "status", "revoked_reason", "revoked_at", "twitch_id", "owner", "created_at"]
    list_filter = ["status", "type", "revoked_reason"]
    search_fields = ["twitch_id", "link__login"]
    readonly_fields = [
        "owner",
        "link",
        "twitch_id",
        "type",
        "version",
        "condition",
        "callback_url",
        "status",
        "twitch_status",
        "revoked_reason",
        "revoked_at",
        "created_at",
        "updated_at",
    ]
    actions = ["refresh_from_twitch", "delete_at_twitch"]

    def has_add_permission(self, request):
        return False  # created at Twitch: use the Twitch link's action or the API

    def has_delete_permission(self, request, obj=None):
        return False  # deleting only here would leave it live at Twitch: use "Delete at Twitch"

    def has_delete_at_twitch_permission(self, request) -> bool:
        return super().has_delete_permission(request)

    @admin.action(description="Refresh status from Twitch", permissions=["change"])
    def refresh_from_twitch(self, request, queryset):
        done, errors = 0, []
        for owner in get_user_model().objects.filter(eventsub_subscriptions__in=queryset).distinct():
            try:
                done += len(services.subscriptions_sync(owner=owner))
            except services.ChatError as error:
                errors.append(str(error))
        _report(self, request, done, errors, "subscription(s) refreshed")

    @admin.action(description="Delete at Twitch (and here)", permissions=["delete_at_twitch"])
    def delete_at_twitch(self, request, queryset):
        done, errors = 0, []
        for subscription in queryset:
            try:
                services.subscription_delete(subscription=subscription)
                done += 1
            except services.ChatError as error:
                errors.append(f"{subscription.twitch_id}: {error}")
        _report(self, request, done, errors, "subscription(s) deleted")


@admin.register(ChatMessage)
class ChatMessageAdmin(OwnedAdmin):
    list_display = [
        "sent_at",
        "chatter_display_name",
        "chatter_login",
        "short_text",
        "broadcaster_login",
        "stream",
        "source",
        "owner",
    ]
    list_filter = ["source", "owner"]
    search_fields = ["chatter_login", "chatter_display_name", "text"]
    date_hierarchy = "sent_at"
    list_select_related = ["stream", "owner"]
    readonly_fields = [field.name for field in ChatMessage._meta.fields]
    show_full_result_count = False  # counting a large chat table on every page is slow

    @admin.display(description="text")
    def short_text(self, message):
        return message.text if len(message.text) <= 100 else message.text[:99] + "…"

    def has_add_permission(self, request):
        return False


@admin.register(ChatDeadLetter)
class ChatDeadLetterAdmin(admin.ModelAdmin):
    """Read-only, superusers only: a payload may be anyone's chat, and some have no known owner."""

    list_display = ["created_at", "twitch_message_id", "short_error", "owner"]
    list_filter = ["owner"]
    search_fields = ["twitch_message_id", "error", "payload"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ChatDeadLetter._meta.fields]

    @admin.display(description="error")
    def short_error(self, letter):
        return letter.error if len(letter.error) <= 100 else letter.error[:99] + "…"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
