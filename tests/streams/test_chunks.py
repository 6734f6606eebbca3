"""Browser-recorded WebM chunks joined into one MP4 with correct timestamps; bad sets reported."""

import subprocess

import av
import pytest

from streams.chunks import ChunkError, concatenate_chunks, order_chunks


def webm(ffmpeg, path, seconds, offset=0):
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=160x90:rate=30:duration={seconds + offset},trim=start={offset},setpts=PTS-STARTPTS",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}:sample_rate=48000",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "300k",
            "-c:a",
            "libopus",
            str(path),
        ],
        check=True,
    )
    return path


def check_mp4(path, frames, seconds):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        pts = [frame.pts for frame in container.decode(video=0)]
        assert len(pts) == frames
        assert pts == sorted(pts) and len(set(pts)) == len(pts)
        assert container.duration / 1e6 == pytest.approx(seconds, abs=0.1)


def test_self_contained_chunks_are_laid_end_to_end_in_number_order(ffmpeg, tmp_path):
    chunks = [webm(ffmpeg, tmp_path / f"rec-chunk-{n}.webm", 1, offset=n) for n in (2, 0, 1)]
    out = tmp_path / "joined.mp4"
    order = concatenate_chunks(chunks, out)
    assert order.numbers == (0, 1, 2)
    assert order.out_of_order == (0, 1)  # arrived after chunk 2
    check_mp4(out, 90, 3.0)


def test_continuation_chunks_from_media_recorder_are_joined_byte_for_byte(ffmpeg, tmp_path):
    whole = webm(ffmpeg, tmp_path / "whole.webm", 3).read_bytes()
    size = len(whole) // 3
    chunks = []
    for n, part in enumerate([whole[:size], whole[size : 2 * size], whole[2 * size :]]):
        chunks.append(tmp_path / f"{n:04d}.webm")
        chunks[-1].write_bytes(part)
    out = tmp_path / "joined.mp4"
    concatenate_chunks(chunks, out)
    check_mp4(out, 90, 3.0)


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["c0.webm", "c2.webm", "c5.webm"], "missing chunk(s) 1, 3, 4"),
        (["c0.webm", "c1.webm", "again-1.webm"], "chunk 1 appears more than once (c1.webm, again-1.webm)"),
        (["c0.webm", "notes.webm"], "notes.webm: no chunk number in the file name"),
    ],
)
def test_gaps_duplicates_and_unnumbered_chunks_are_reported(names, problem):
    with pytest.raises(ChunkError) as error:
        order_chunks(names)
    assert problem in error.value.problems


def test_missing_first_chunk_is_reported_when_numbering_starts_at_zero():
    with pytest.raises(ChunkError, match="missing chunk"):
        order_chunks(["c1.webm", "c2.webm"], first=0)


def test_a_header_less_first_chunk_is_refused(tmp_path):
    first, second = tmp_path / "c0.webm", tmp_path / "c1.webm"
    first.write_bytes(b"\x00cluster bytes")
    second.write_bytes(b"\x00more")
    with pytest.raises(ChunkError, match="chunk 0 has no WebM header"):
        concatenate_chunks([first, second], tmp_path / "out.mp4")


def segments(ffmpeg, folder, *, reset: bool, seconds: int = 20, drop: int | None = None):
    """A recording cut by ffmpeg's segment muxer into 5 s self-contained WebM chunks (as live recorders do);
    ``drop`` removes that chunk and renumbers the rest, leaving a real gap in the timestamps."""
    folder.mkdir()
    subprocess.run(
        [
            ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
            "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", "30",
            "-c:a", "libopus", "-f", "segment", "-segment_time", "5", "-reset_timestamps", "1" if reset else "0",
            str(folder / "chunk%d.webm"),
        ],
        check=True,
    )
    paths = sorted(folder.glob("chunk*.webm"), key=lambda path: int(path.stem[5:]))
    if drop is not None:
        paths[drop].unlink()
        later = [path.rename(folder / f"chunk{index}.webm") for index, path in enumerate(paths[drop + 1 :], drop)]
        paths = paths[:drop] + later
    return paths


def duration_and_frames(path):
    with av.open(str(path)) as container:
        return container.duration / 1e6, sum(1 for _ in container.decode(video=0))


@pytest.mark.parametrize("reset", [True, False], ids=["timestamps-restart", "timestamps-carry-on"])
def test_self_contained_segments_join_to_the_recordings_true_length(ffmpeg, tmp_path, reset):
    paths = segments(ffmpeg, tmp_path / "chunks", reset=reset)

    order = concatenate_chunks(paths, tmp_path / "joined.mp4")

    seconds, frames = duration_and_frames(tmp_path / "joined.mp4")
    assert abs(seconds - 20) < 0.1 and frames == 600  # carrying on, this was 41 s with repeated frames
    assert order.gaps == ()


def test_a_jump_in_carried_on_timestamps_is_a_gap_kept_on_the_clock_and_reported(ffmpeg, tmp_path):
    paths = segments(ffmpeg, tmp_path / "chunks", reset=False, drop=2)  # 10-15 s never arrived

    order = concatenate_chunks(paths, tmp_path / "joined.mp4")

    [(number, missing)] = order.gaps
    assert number == 2 and abs(missing - 5) < 0.3
    seconds, frames = duration_and_frames(tmp_path / "joined.mp4")
    assert abs(seconds - 20) < 0.1 and frames == 450  # chunk 3 still plays at 15 s: chat stays in sync
