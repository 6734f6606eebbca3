"""Publishing records (app label ``rendering``: the tables kept their names when they moved here)."""

from django.conf import settings
from django.db import models

from rendering.publishing.sealed import seal, unseal

REFRESH_TOKEN_PURPOSE = "youtube refresh token"
TIKTOK_REFRESH_PURPOSE = "tiktok refresh token"
TIKTOK_ACCESS_PURPOSE = "tiktok access token"


def _unseal(sealed: str, purpose: str) -> str:
    return unseal(sealed, key_material=settings.SECRET_KEY, fallbacks=settings.SECRET_KEY_FALLBACKS, purpose=purpose)


def _seal(value: str, purpose: str) -> str:
    return seal(value, key_material=settings.SECRET_KEY, purpose=purpose) if value else ""


class YouTubeCredential(models.Model):
    """A user's YouTube authorisation: the OAuth refresh token, encrypted at rest and never displayed."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="youtube_credential")
    sealed_refresh_token = models.TextField(editable=False)
    channel_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"YouTube credential of {self.owner}"

    def __repr__(self) -> str:
        return f"<YouTubeCredential owner_id={self.owner_id}>"

    @property
    def refresh_token(self) -> str:
        return _unseal(self.sealed_refresh_token, REFRESH_TOKEN_PURPOSE)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.sealed_refresh_token = _seal(value, REFRESH_TOKEN_PURPOSE)


class YouTubeUpload(models.Model):
    """One episode's way to YouTube: the resumable session and how far it got, so any worker can carry on."""

    class Status(models.TextChoices):
        PENDING = "pending"
        UPLOADING = "uploading"
        THROTTLED = "throttled"
        UPLOADED = "uploaded"
        FAILED = "failed"

    episode = models.OneToOneField("episodes.Episode", on_delete=models.CASCADE, related_name="youtube_upload")
    run = models.ForeignKey(
        "pipeline.PipelineRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    file_name = models.CharField(max_length=500, help_text="The rendered file this session uploads.")
    metadata = models.JSONField(default=dict, help_text="The videos.insert body: snippet and status.")
    playlist_id = models.CharField(max_length=64, blank=True)
    session_url = models.TextField(blank=True)
    bytes_confirmed = models.BigIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    resume_at = models.DateTimeField(null=True, blank=True, help_text="When a throttled upload tries again.")
    throttle_count = models.PositiveIntegerField(default=0, help_text="Throttles in a row (drives the back-off).")
    attempts = models.PositiveIntegerField(default=0)
    video_id = models.CharField(max_length=32, blank=True)
    playlist_item_id = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.episode} -> YouTube ({self.status})"

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_confirmed / self.total_bytes if self.total_bytes else 0.0


class ArchivedFile(models.Model):
    """A media file copied to object storage and verified there (size, MD5 ETag and/or SHA-256)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="archived_files")
    source_name = models.CharField(max_length=500, help_text="Storage name the file had before archiving.")
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    etag = models.CharField(max_length=100, blank=True)
    local_deleted = models.BooleanField(default=False)
    archived_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "key"], name="archived_file_unique_key")]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class TikTokCredential(models.Model):
    """A user's TikTok authorisation: both OAuth tokens encrypted at rest (the access token lives 24 h, the
    refresh token a year, and each refresh may hand back a new refresh token)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tiktok_credential")
    open_id = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=300, blank=True)
    creator_username = models.CharField(max_length=200, blank=True)
    sealed_refresh_token = models.TextField(editable=False)
    sealed_access_token = models.TextField(editable=False, blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"TikTok credential of {self.owner}"

    def __repr__(self) -> str:
        return f"<TikTokCredential owner_id={self.owner_id}>"

    @property
    def refresh_token(self) -> str:
        return _unseal(self.sealed_refresh_token, TIKTOK_REFRESH_PURPOSE)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.sealed_refresh_token = _seal(value, TIKTOK_REFRESH_PURPOSE)

    @property
    def access_token(self) -> str:
        return _unseal(self.sealed_access_token, TIKTOK_ACCESS_PURPOSE) if self.sealed_access_token else ""

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.sealed_access_token = _seal(value, TIKTOK_ACCESS_PURPOSE)


class TikTokPost(models.Model):
    """An episode's vertical render on its way to TikTok (a direct post or a draft in the creator's inbox)."""

    class Mode(models.TextChoices):
        DIRECT = "direct", "direct post"
        INBOX = "inbox", "draft (inbox)"

    class Status(models.TextChoices):
        PENDING = "pending"
        UPLOADING = "uploading"
        CHECKING = "checking", "processing at TikTok (being checked)"
        PROCESSING = "processing", "processing at TikTok"
        PUBLISHED = "published"
        IN_INBOX = "in_inbox", "in the creator's inbox"
        FAILED = "failed"

    episode = models.OneToOneField("episodes.Episode", on_delete=models.CASCADE, related_name="tiktok_post")
    run = models.ForeignKey(
        "pipeline.PipelineRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.DIRECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    file_name = models.CharField(max_length=500, help_text="The vertical render this post uploads.")
    title = models.CharField(max_length=2200, blank=True, help_text="The caption (direct posts).")
    privacy_level = models.CharField(max_length=40, blank=True, help_text="What TikTok was asked for.")
    forced_private = models.BooleanField(
        default=False, help_text="TikTok let this app post only privately (SELF_ONLY): an unaudited app."
    )
    notice = models.TextField(blank=True, help_text="What the streamer should know about this post.")
    total_bytes = models.BigIntegerField(default=0)
    chunk_size = models.BigIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    bytes_sent = models.BigIntegerField(default=0)
    publish_id = models.CharField(max_length=200, blank=True)
    post_ids = models.JSONField(default=list, blank=True, help_text="Public post ids, once TikTok names them.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.episode} -> TikTok {self.get_mode_display()} ({self.status})"

    @property
    def percent(self) -> float:
        return 100.0 * self.bytes_sent / self.total_bytes if self.total_bytes else 0.0
