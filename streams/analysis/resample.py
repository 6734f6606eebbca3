"""Decoded audio blocks to 16 kHz mono int16: one libavfilter graph, fed a block of a few seconds at a time."""

from __future__ import annotations

import av
import numpy as np

SAMPLE_DTYPES = {
    "u8": np.uint8, "s16": np.int16, "s32": np.int32, "s64": np.int64, "flt": np.float32, "dbl": np.float64,
}


class MonoResampler:
    """Blocks of decoded audio (any format, layout and rate) in, int16 mono at ``rate`` out.

    One libavfilter graph (aresample, aformat) per input format; it keeps the filter's state between
    blocks, so block boundaries leave no seam.
    """

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._graph: av.filter.Graph | None = None
        self._key: tuple[str, str, int] | None = None

    def convert(self, samples: np.ndarray, key: tuple[str, str, int]) -> list[np.ndarray]:
        out = self.finish() if key != self._key else []
        if self._graph is None:
            self._graph, self._key = self._build(*key), key
        sample_format, layout, rate = key
        block = av.AudioFrame.from_ndarray(samples, format=sample_format, layout=layout)
        block.sample_rate = rate
        self._graph.push(block)
        return out + self._pull()

    def finish(self) -> list[np.ndarray]:
        if self._graph is None:
            return []
        self._graph.push(None)
        out = self._pull()
        self._graph = self._key = None
        return out

    def _build(self, sample_format: str, layout: str, rate: int) -> av.filter.Graph:
        graph = av.filter.Graph()
        source = graph.add_abuffer(format=sample_format, sample_rate=rate, layout=layout, time_base=f"1/{rate}")
        resample = graph.add("aresample", str(self.rate))
        mono = graph.add("aformat", "sample_fmts=s16:channel_layouts=mono")
        sink = graph.add("abuffersink")
        source.link_to(resample)
        resample.link_to(mono)
        mono.link_to(sink)
        graph.configure()
        return graph

    def _pull(self) -> list[np.ndarray]:
        out = []
        while True:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return out
            out.append(frame.to_ndarray().reshape(-1))


def joined_planes(frames: list[list[np.ndarray]]) -> np.ndarray:
    """(planes, samples): the frames' planes laid end to end, plane by plane."""
    return np.stack([np.concatenate(plane) for plane in zip(*frames, strict=True)])
