"""``Content-Disposition`` for downloads named after user data (a clip's original file name, a title).

A name may hold anything: CR/LF made Django refuse the header (``BadHeaderError``, a 500) and a ``"``
broke the quoting. Control characters and slashes become ``_``; Django's ``content_disposition_header``
escapes quotes and writes non-ASCII names as RFC 6266 ``filename*``.
"""

import re

from django.utils.http import content_disposition_header

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def attachment(filename: str) -> str:
    """The header value that offers ``filename`` (cleaned) as a download."""
    cleaned = _UNSAFE.sub("_", filename).strip(" ._") or "download"
    return content_disposition_header(as_attachment=True, filename=cleaned)
