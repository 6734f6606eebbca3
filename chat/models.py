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
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="eventsub", help_text="eventsub or import")

    class Meta:
        ordering = ["sent_at"]
        indexes = [models.Index(fields=["broadcaster_user_id", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.chatter_display_name or self.chatter_login}: {self.text[:60]}"
