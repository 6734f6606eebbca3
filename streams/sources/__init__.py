"""Where recordings come from besides local files: VOD URLs (``vod``) and live channels (``live``).

``source_kind`` lets the ingest command and the API dispatch on what they were given, so each source
keeps its own module.
"""

from __future__ import annotations

from urllib.parse import urlsplit

URL_SCHEMES = ("http", "https")


def is_url(source: str) -> bool:
    """An http(s) URL with a host: a VOD page or a playlist, handed to yt-dlp."""
    parts = urlsplit(source.strip())
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.netloc)
