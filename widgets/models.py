import secrets

from django.conf import settings
from django.db import models


def new_access_token() -> str:
    return secrets.token_urlsafe(32)


class StreamWidget(models.Model):
    """An on-screen widget that OBS shows as a browser source, driven live by its owner."""

    class Type(models.TextChoices):
        COUNTDOWN = "countdown"
        TEXT_OVERLAY = "text_overlay", "text overlay"
        POLL = "poll"
        NAME_QUEUE = "name_queue", "name queue"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="widgets")
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices)
    active = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_type_display()})"
