"""Stored media for its owner only: local files streamed with HTTP ranges (or handed to nginx), S3 by signed URL.

Players seek by asking for byte ranges, so a video must answer 206 with ``Content-Range``; Django's
``FileResponse`` does not, hence the small response here.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from config.auth import request_user
from pipeline.media_access import clean_media_key, media_owner_id
from pipeline.ranges import RangeNotSatisfiable, parse_range

CHUNK = 256 * 1024


def media(request, key: str):
    """``/media/<key>``: 404 unless the caller owns the record that holds the file."""
    user = request_user(request)
    if not user.is_authenticated:
        if "text/html" in request.headers.get("Accept", ""):
            return redirect_to_login(request.get_full_path())
        return HttpResponse("Log in, or send an API token, to fetch media.", status=401, content_type="text/plain")
    key = clean_media_key(key)
    if key is None or media_owner_id(key) != user.pk:
        raise Http404("no such media")
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if not isinstance(default_storage, FileSystemStorage):  # object storage (config.storage.PrivateS3Storage)
        signed = default_storage.signed_url(key, expire=settings.MEDIA_SIGNED_URL_SECONDS)
        return _private(HttpResponseRedirect(signed))
    path = Path(default_storage.path(key))
    if not path.is_file():
        raise Http404("no such media")
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + quote(key)
        return _private(response)
    return _private(ranged_file_response(request, path, content_type))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, max-age=0"
    return response


def ranged_file_response(request, path: Path, content_type: str) -> HttpResponse:
    """The whole file (200), or the one byte range the request asks for (206), or 416 past the end."""
    size = path.stat().st_size
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = byte_range if byte_range else (0, size - 1)
    length = last - first + 1
    # Under ASGI, Django reads a synchronous iterator whole into memory before sending it: stream
    # hours of video asynchronously there, synchronously under WSGI (and the test client).
    chunks = _async_chunks if isinstance(request, ASGIRequest) else _chunks
    response = StreamingHttpResponse(
        chunks(path, first, length), status=206 if byte_range else 200, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if byte_range:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


def _chunks(path: Path, first: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(first)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


async def _async_chunks(path: Path, first: int, length: int) -> AsyncIterator[bytes]:
    handle = await sync_to_async(open, thread_sensitive=False)(path, "rb")
    try:
        await sync_to_async(handle.seek, thread_sensitive=False)(first)
        while length > 0:
            data = await sync_to_async(handle.read, thread_sensitive=False)(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data
    finally:
        handle.close()
