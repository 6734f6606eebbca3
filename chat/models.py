from django.conf import settings
from django.db import models


class ChatMessage(models.Model):
    """One Twitch chat message, stamped with the time Twitch says it was sent (not when we got it)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages")
    stream = models.ForeignKey(
        "streams.Stream", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_messages"
    )
    twitch_message_id = models.CharField(max_length=100, unique=True)
    broadcaster_user_id = models.CharField(max_length=50, db_index=True)
    broadcaster_login = models.CharField(max_length=100, blank=True)
    chatter_user_id = models.CharField(max_length=50, blank=True)
    chatter_login = models.CharField(max_length=100, blank=True, db_index=True)
    chatter_display_name = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    sent_at = models.DateTimeField(db_index=True, help_text="Event time, as Twitch reports it.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="Retention counts from here.")
    source = models.CharField(max_length=20, default="eventsub", help_text="eventsub or import")
    badges = models.JSONField(
        default=list, blank=True, help_text='The chatter\'s badge set ids, e.g. ["moderator"]: who may mark a clip.'
    )

    class Meta:
        ordering = ["sent_at"]
        indexes = [models.Index(fields=["broadcaster_user_id", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.chatter_display_name or self.chatter_login}: {self.text[:60]}"


class TwitchLink(models.Model):
    """A streamer's Twitch account: whose chat we subscribe to and who owns what arrives."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="twitch_link")
    twitch_user_id = models.CharField(max_length=50, unique=True)
    login = models.CharField(max_length=100)
    display_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["login"]

    def __str__(self) -> str:
        return f"{self.login} ({self.twitch_user_id})"


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "pending verification"
    ENABLED = "enabled", "enabled"
    REVOKED = "revoked", "revoked"


class EventSubSubscription(models.Model):
    """One EventSub subscription we created at Twitch, with the status Twitch last told us."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eventsub_subscriptions")
    link = models.ForeignKey(TwitchLink, on_delete=models.CASCADE, related_name="subscriptions")
    twitch_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100, default="channel.chat.message")
    version = models.CharField(max_length=10, default="1")
    condition = models.JSONField(default=dict)
    callback_url = models.URLField(max_length=500)
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING)
    twitch_status = models.CharField(max_length=100, blank=True, help_text="Twitch's own status string.")
    revoked_reason = models.CharField(max_length=100, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "EventSub subscription"

    def __str__(self) -> str:
        return f"{self.type} for {self.link.login} ({self.status})"


class ChatDeadLetter(models.Model):
    """A chat notification that could not be stored, kept with why, for an operator to read.

    ``payload`` is the inbox item as received (the signed timestamp, a newline, the body); bytes that are
    not UTF-8 and NUL characters appear backslash-escaped.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_dead_letters",
        help_text="Whose chat it was, when that could be told.",
    )
    key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the payload: a redelivery adds no row.")
    twitch_message_id = models.CharField(max_length=100, blank=True, help_text="Cut to 100 characters.")
    error = models.TextField()
    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "dead-lettered chat notification"

    def __str__(self) -> str:
        return f"{self.twitch_message_id or self.key[:12]}: {self.error[:80]}"
