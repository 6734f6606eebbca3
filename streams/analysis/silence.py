"""Silence and speech spans over streamed PCM, the way ffmpeg's ``silencedetect`` defines them.

A sample is silent when its amplitude is strictly below the threshold; a silence is a maximal run of
silent samples lasting at least ``min_duration``. Because runs are maximal, the silences for a longer
minimum are exactly the silences for a shorter one filtered by length: analysis stores the short ones
once and every consumer (speech-only transcription, episode proposals) filters.

Pure numpy, fed chunk by chunk, so memory stays flat however long the recording is.
"""

from __future__ import annotations

import copy
import math

import numpy as np

DEFAULT_THRESHOLD_DB = -48.0
DEFAULT_MIN_PAUSE = 0.3  # a breath between phrases; shorter gaps are stop consonants inside words

Interval = tuple[float, float]


def db_to_amplitude(db: float) -> float:
    """dBFS to a linear amplitude on the [-1, 1] scale (-48 dBFS is about 0.004, the reference's value)."""
    return 10.0 ** (db / 20.0)


def amplitude_to_db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def _seconds(sample: int, sample_rate: int) -> float:
    return round(sample / sample_rate, 3)


class SilenceDetector:
    """Feed mono PCM chunks (float in [-1, 1] or int16), then ``finish()`` for the silences in seconds.

    With ``min_pause`` (shorter than ``min_duration``) the shorter silent runs of at least ``min_pause``
    are kept apart as ``pauses``: the gaps between phrases inside speech, where a long talk can be cut
    without cutting a word.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        threshold_db: float | None = DEFAULT_THRESHOLD_DB,
        amplitude: float | None = None,
        min_duration: float = 1.0,
        min_pause: float | None = None,
        start: int = 0,
    ):
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if min_duration < 0:
            raise ValueError(f"min_duration must be >= 0, got {min_duration}")
        if min_pause is not None and min_pause <= 0:
            raise ValueError(f"min_pause must be > 0, got {min_pause}")
        self.sample_rate = sample_rate
        self.amplitude = amplitude if amplitude is not None else db_to_amplitude(threshold_db)
        if not 0 < self.amplitude <= 1:
            raise ValueError(f"threshold amplitude must be in (0, 1], got {self.amplitude}")
        self.silence_samples = max(1, math.ceil(min_duration * sample_rate - 1e-9))
        pause_samples = math.ceil(min_pause * sample_rate - 1e-9) if min_pause else self.silence_samples
        self.min_samples = max(1, min(pause_samples, self.silence_samples))  # the shortest run kept
        self.pauses: list[Interval] = []  # filled by finish()
        self.start = start  # the recording's sample this detector's first sample is (a part of a recording)
        self.position = start  # the next sample to come
        self.first_loud: int | None = None  # the first sample at or above the threshold
        self._open_start: int | None = None  # start of a silent run still going at the end of the last chunk
        self._runs: list[tuple[int, int]] = []

    def _limit(self, dtype: np.dtype) -> float:
        return self.amplitude * 32768.0 if dtype == np.int16 else self.amplitude

    def feed(self, samples: np.ndarray) -> None:
        count = len(samples)
        if count == 0:
            return
        limit = self._limit(samples.dtype)
        # Two comparisons instead of abs(): abs(int16 -32768) overflows.
        silent = (samples < limit) & (samples > -limit)
        edges = np.diff(silent.view(np.int8))
        starts = np.flatnonzero(edges == 1) + 1
        ends = np.flatnonzero(edges == -1) + 1
        if silent[0]:
            starts = np.concatenate(([0], starts))
        if silent[-1]:
            ends = np.concatenate((ends, [count]))
        offset = self.position
        self.position += count
        if self.first_loud is None and not silent.all():
            self.first_loud = offset + int(np.argmin(silent))

        if self._open_start is not None and not silent[0]:
            self._close(self._open_start, offset)
            self._open_start = None
        if len(starts) == 0:
            return
        first_start = self._open_start if self._open_start is not None else offset + int(starts[0])
        self._open_start = None
        trailing_open = bool(silent[-1])
        last = len(starts) - 1

        if last == 0:
            if trailing_open:
                self._open_start = first_start
            else:
                self._close(first_start, offset + int(ends[0]))
            return
        self._close(first_start, offset + int(ends[0]))
        # Speech has a zero crossing every few samples: keep the loop to the few long runs only.
        middle_starts, middle_ends = starts[1:last], ends[1:last]
        for index in np.flatnonzero(middle_ends - middle_starts >= self.min_samples):
            self._runs.append((offset + int(middle_starts[index]), offset + int(middle_ends[index])))
        if trailing_open:
            self._open_start = offset + int(starts[last])
        else:
            self._close(offset + int(starts[last]), offset + int(ends[last]))

    def _close(self, start: int, end: int) -> None:
        if end - start >= self.min_samples:
            self._runs.append((start, end))

    def finish(self) -> list[Interval]:
        """The silences found, in seconds with millisecond precision (a run reaching the end is closed there).

        The shorter runs, when ``min_pause`` asked for them, go to ``self.pauses``.
        """
        if self._open_start is not None:
            self._close(self._open_start, self.position)
            self._open_start = None
        silences: list[Interval] = []
        self.pauses = []
        for start, end in self._runs:
            found = silences if end - start >= self.silence_samples else self.pauses
            found.append((_seconds(start, self.sample_rate), _seconds(end, self.sample_rate)))
        return silences

    @property
    def duration(self) -> float:
        return (self.position - self.start) / self.sample_rate

    @classmethod
    def joined(cls, parts: list[SilenceDetector]) -> SilenceDetector:
        """Detectors fed consecutive parts of one recording (each made with ``start`` = where its part begins)
        as the one detector fed the whole of it, ready for ``finish()``: a silent run crossing a boundary is
        joined, and kept if the whole run is long enough even when neither piece was."""
        whole = copy.copy(parts[0])
        runs: list[tuple[int, int]] = []
        carry: int | None = None  # a silent run still going at the end of the last part
        for part in parts:
            part_runs = list(part._runs)
            if carry is not None:
                if part.first_loud is None:  # silent all through: the run goes on
                    continue
                part_runs = [run for run in part_runs if run[0] != part.start]  # its piece of the run
                if part.first_loud - carry >= whole.min_samples:
                    runs.append((carry, part.first_loud))
            runs += part_runs
            carry = part._open_start
        whole._runs, whole._open_start, whole.position = runs, carry, parts[-1].position
        whole.first_loud = next((part.first_loud for part in parts if part.first_loud is not None), None)
        return whole


def detect_silences(
    samples: np.ndarray,
    sample_rate: int,
    *,
    threshold_db: float | None = DEFAULT_THRESHOLD_DB,
    amplitude: float | None = None,
    min_duration: float = 1.0,
) -> list[Interval]:
    """One-shot form of :class:`SilenceDetector` for a whole array."""
    detector = SilenceDetector(sample_rate, threshold_db=threshold_db, amplitude=amplitude, min_duration=min_duration)
    detector.feed(samples)
    return detector.finish()


def filter_silences(silences: list[Interval], min_duration: float) -> list[Interval]:
    """The silences at least ``min_duration`` long (exact: silences are maximal runs)."""
    return [(start, end) for start, end in silences if end - start >= min_duration - 1e-9]


def speech_spans(silences: list[Interval], duration: float) -> list[Interval]:
    """The complement of ``silences`` in ``[0, duration]``: silences [30, 40] in 100 s -> [0, 30], [40, 100]."""
    spans: list[Interval] = []
    cursor = 0.0
    for start, end in sorted(silences):
        if start > cursor:
            spans.append((round(cursor, 3), round(min(start, duration), 3)))
        cursor = max(cursor, end)
    if cursor < duration:
        spans.append((round(cursor, 3), round(duration, 3)))
    return [(start, end) for start, end in spans if end > start]
