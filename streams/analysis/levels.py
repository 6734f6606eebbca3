"""Per-block levels over streamed PCM: loudness (RMS dBFS per second) and waveform peaks.

One pass over fixed blocks (a tenth of a second by default) keeps each block's sum of squares and
peak; the loudness series adds ten blocks up, the waveform uses the peaks as they are. The blocks'
numbers, not the samples, are what is kept, so memory grows by a few bytes per block.
"""

from __future__ import annotations

import math

import numpy as np

SILENCE_FLOOR_DB = -120.0


class LevelMeter:
    """Feed mono PCM chunks (float in [-1, 1] or int16); read ``loudness_db()`` and ``peaks()`` at the end."""

    def __init__(self, sample_rate: int, *, blocks_per_second: int = 10):
        if sample_rate % blocks_per_second:
            raise ValueError(f"{blocks_per_second} blocks per second do not divide {sample_rate} Hz")
        self.sample_rate = sample_rate
        self.blocks_per_second = blocks_per_second
        self.block = sample_rate // blocks_per_second
        self._partial: list[np.ndarray] = []
        self._partial_count = 0
        self._sums: list[np.ndarray] = []
        self._peaks: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []

    def feed(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        scale = 1.0 / 32768.0 if samples.dtype == np.int16 else 1.0
        values = samples.astype(np.float32) * np.float32(scale)
        if self._partial_count:
            need = self.block - self._partial_count
            self._partial.append(values[:need])
            self._partial_count += len(values[:need])
            values = values[need:]
            if self._partial_count < self.block:
                return
            self._add(np.concatenate(self._partial).reshape(1, -1))
            self._partial, self._partial_count = [], 0
        whole = len(values) - len(values) % self.block
        if whole:
            self._add(values[:whole].reshape(-1, self.block))
        if whole < len(values):
            self._partial = [values[whole:]]
            self._partial_count = len(values) - whole

    def _add(self, blocks: np.ndarray) -> None:
        self._sums.append(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64))
        self._peaks.append(np.abs(blocks).max(axis=1))
        self._counts.append(np.full(len(blocks), blocks.shape[1], dtype=np.int32))

    def _flush(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._partial_count:
            self._add(np.concatenate(self._partial).reshape(1, -1))
            self._partial, self._partial_count = [], 0
        if not self._sums:
            empty = np.zeros(0)
            return empty, empty, empty
        self._sums = [np.concatenate(self._sums)]
        self._peaks = [np.concatenate(self._peaks)]
        self._counts = [np.concatenate(self._counts)]
        return self._sums[0], self._peaks[0], self._counts[0]

    def blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each block's sum of squares, peak and sample count so far: what ``joined`` puts together."""
        return self._flush()

    @classmethod
    def joined(cls, sample_rate: int, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], **options) -> LevelMeter:
        """One meter from the ``blocks()`` of meters fed consecutive parts of a recording, each part but the
        last a whole number of blocks long."""
        meter = cls(sample_rate, **options)
        for sums, peaks, counts in parts:
            meter._sums.append(sums)
            meter._peaks.append(peaks)
            meter._counts.append(counts)
        return meter

    def loudness_db(self) -> list[float]:
        """RMS loudness in dBFS per second (the last second may be partial), 0.01 dB precision."""
        sums, _, counts = self._flush()
        if len(sums) == 0:
            return []
        seconds = math.ceil(len(sums) / self.blocks_per_second)
        padded = seconds * self.blocks_per_second
        sum_per_second = np.pad(sums, (0, padded - len(sums))).reshape(seconds, -1).sum(axis=1)
        count_per_second = np.pad(counts, (0, padded - len(counts))).reshape(seconds, -1).sum(axis=1)
        with np.errstate(divide="ignore"):
            db = 10.0 * np.log10(sum_per_second / count_per_second)
        return [round(float(v), 2) for v in np.maximum(db, SILENCE_FLOOR_DB)]

    def peaks(self) -> list[float]:
        """Peak amplitude (0 to 1) per block, 0.001 precision: the player's waveform."""
        _, peaks, _ = self._flush()
        return [round(float(v), 3) for v in np.minimum(peaks, 1.0)]


def loudness_db(samples: np.ndarray, sample_rate: int) -> list[float]:
    """One-shot loudness series for a whole array."""
    meter = LevelMeter(sample_rate)
    meter.feed(samples)
    return meter.loudness_db()
