"""Names under which recordings are stored: safe characters, and short enough for any filesystem.

A file name may be 255 bytes (NAME_MAX), and Django's storage makes a taken name unique by appending
``_`` and 7 characters, so a 255-byte upload stored twice in one stream failed with ``OSError``
(file name too long). Stored names keep at most ``MAX_NAME_BYTES``; the clip keeps its original name.
"""

from django.utils.text import get_valid_filename

MAX_NAME_BYTES = 200
MAX_EXTENSION_CHARS = 16


def stored_file_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` with safe characters, cut to ``max_bytes`` of UTF-8 keeping its extension."""
    valid = get_valid_filename(name)
    stem, dot, extension = valid.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_CHARS:
        stem, extension = valid, ""
    suffix = f".{extension}" if extension else ""
    stem = stem.encode()[: max_bytes - len(suffix.encode())].decode("utf-8", "ignore").rstrip(".") or "recording"
    return stem + suffix
