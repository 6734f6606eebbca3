"""The rendering app's models. Publishing's live in ``rendering.publishing.models`` (app label ``rendering``,
tables unchanged); importing them here registers them with the app."""

from rendering.publishing.models import (  # noqa: F401
    ArchivedFile,
    TikTokCredential,
    TikTokPost,
    YouTubeCredential,
    YouTubeUpload,
)
