"""S3 storage whose links go through the owner-checked media view, like local files do under MEDIA_URL.

``FieldFile.url`` (the admin's file widgets, any serializer) then never hands out a bucket URL that skips
the owner check; the media view checks the owner and redirects to :meth:`signed_url`.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        from pipeline.media_access import media_url

        return media_url(name)

    def signed_url(self, name: str, *, expire: int) -> str:
        """A presigned GET that lasts ``expire`` seconds."""
        return super().url(name, expire=expire)
