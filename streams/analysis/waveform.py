"""The waveform image for the review page: peaks drawn as mirrored bars (Pillow, no Django)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def column_peaks(peaks: list[float], width: int) -> np.ndarray:
    """Reduce (max) or stretch a peak series to exactly ``width`` columns."""
    values = np.asarray(peaks, dtype=np.float32)
    if len(values) == 0:
        return np.zeros(width, dtype=np.float32)
    if len(values) >= width:
        return np.maximum.reduceat(values, np.linspace(0, len(values), width + 1)[:-1].astype(int))
    return values[np.arange(width) * len(values) // width]


def waveform_png(
    peaks: list[float],
    *,
    width: int = 1200,
    height: int = 96,
    color: tuple[int, int, int, int] = (56, 132, 255, 255),
) -> bytes:
    """A transparent PNG with one bar per column, height proportional to the peak."""
    if width <= 0 or height <= 1:
        raise ValueError(f"waveform size must be positive, got {width}x{height}")
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    for x, peak in enumerate(column_peaks(peaks, width)):
        half = max(0.5, float(peak) * middle)
        draw.line([(x, middle - half), (x, middle + half)], fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
