"""When was a recording made? Parsed from the names recorders give files. No Django."""

from __future__ import annotations

import re
from datetime import datetime

# OBS "2024-05-01 20-15-33", Streamlabs/ShadowPlay "2024.05.01 - 20.15.33", "20240501_201533",
# "2024-05-01T20:15:33", "2024-05-01_20-15-33" and friends: date, a separator, time.
_PATTERN = re.compile(
    r"(?P<y>(?:19|20)\d{2})[-._]?(?P<mo>[01]\d)[-._]?(?P<d>[0-3]\d)"
    r"(?:[ _T.-]|\s-\s)+"
    r"(?P<h>[0-2]\d)[-._:h]?(?P<mi>[0-5]\d)[-._:m]?(?P<s>[0-5]\d)"
    r"(?:[.,](?P<ms>\d{1,6}))?"
)


def recording_time_from_name(name: str) -> datetime | None:
    """The naive local date-time in a recorder's file name, or None when the name carries none."""
    match = _PATTERN.search(name)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if key != "ms" and value}
    micro = int((match["ms"] or "0").ljust(6, "0")[:6])
    try:
        return datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["mi"], parts["s"], micro)
    except ValueError:
        return None
