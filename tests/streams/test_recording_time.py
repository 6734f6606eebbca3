from datetime import datetime

import pytest

from streams.recording_time import recording_time_from_name
from streams.timefmt import format_hms


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2024-05-01 20-15-33.mkv", datetime(2024, 5, 1, 20, 15, 33)),
        ("2024.05.01 - 20.15.33.mp4", datetime(2024, 5, 1, 20, 15, 33)),
        ("20240501_201533.mp4", datetime(2024, 5, 1, 20, 15, 33)),
        ("Replay 2023-12-31_23-59-59.flv", datetime(2023, 12, 31, 23, 59, 59)),
        ("vod_2024-05-01T20:15:33.250.mp4", datetime(2024, 5, 1, 20, 15, 33, 250000)),
        ("clip.mp4", None),
        ("2024-13-01 20-15-33.mkv", None),
    ],
)
def test_recording_time_from_name(name, expected):
    assert recording_time_from_name(name) == expected


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00:00"), (59.9, "0:00:59"), (3725.4, "1:02:05"), (None, "-")])
def test_format_hms(seconds, text):
    assert format_hms(seconds) == text
