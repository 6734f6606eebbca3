"""HTTP byte ranges (RFC 9110 §14): which part of a file a ``Range`` header asks for. No Django.

One range per request, which is what media players send; a header this does not understand (another
unit, several ranges, bad syntax) is ignored and the whole file is sent, as the RFC allows.
"""

from __future__ import annotations


class RangeNotSatisfiable(ValueError):
    """The range starts past the end of the file (answer 416 with ``Content-Range: bytes */size``)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or None to send the whole file."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, dash, last_text = header.removeprefix("bytes=").strip().partition("-")
    if not dash or not (first_text or last_text):
        return None
    if not all(part.isdigit() for part in (first_text, last_text) if part):
        return None
    if not first_text:  # "-N": the last N bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header)
    return first, min(int(last_text) if last_text else size - 1, size - 1)
