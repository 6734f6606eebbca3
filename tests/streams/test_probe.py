import pytest

from streams.probe import ProbeError, probe_media


def test_probe_reports_streams_duration_and_audio_tracks(make_video):
    path = make_video("two-tracks.mp4", seconds=3, audio_tracks=2, size="320x180", rate=30)

    info = probe_media(path)

    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.video_codec, info.width, info.height, info.frame_rate) == ("h264", 320, 180, 30.0)
    assert [(t.index, t.codec, t.sample_rate) for t in info.audio_tracks] == [(0, "aac", 48000), (1, "aac", 48000)]
    assert [s["type"] for s in info.streams] == ["video", "audio", "audio"]


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make_bad_file", "problem"),
    [
        (lambda tmp, good: tmp / "missing.mp4", "no such file"),
        (lambda tmp, good: _write(tmp / "empty.mp4", b""), "is empty (0 bytes)"),
        (lambda tmp, good: _write(tmp / "notes.mp4", b"these are my stream notes\n"), "is not a media file"),
        (lambda tmp, good: _write(tmp / "cut.mp4", good.read_bytes()[:40_000]), "is a truncated MP4"),
    ],
    ids=["missing", "zero-byte", "text-renamed", "truncated"],
)
def test_bad_files_get_a_message_naming_file_and_problem(tmp_path, make_video, make_bad_file, problem):
    bad = make_bad_file(tmp_path, make_video("good.mp4", seconds=3))

    with pytest.raises(ProbeError) as caught:
        probe_media(bad)

    assert str(caught.value).startswith(bad.name + ": ")
    assert problem in str(caught.value)


def test_faststart_file_cut_short_is_reported_truncated(tmp_path, ffmpeg):
    import subprocess

    whole = tmp_path / "whole.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=30:duration=20",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=20",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            "-shortest",
            str(whole),
        ],
        check=True,
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    with pytest.raises(ProbeError, match=r"cut.mp4: is truncated: data ends at \d+\.\d s of 20\.0 s"):
        probe_media(cut)


def test_file_without_audio_is_refused(make_video):
    with pytest.raises(ProbeError, match="silent.mp4: has no audio track"):
        probe_media(make_video("silent.mp4", audio_tracks=0))


class _RangeServer:
    """A local HTTP server for one folder that honours Range requests and counts the body bytes it sends."""

    def __init__(self, folder):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                data = (folder / self.path.lstrip("/")).read_bytes()
                start, end = 0, len(data) - 1
                ranged = self.headers.get("Range", "").removeprefix("bytes=")
                if ranged:
                    first, _, last = ranged.partition("-")
                    start, end = int(first), int(last) if last else len(data) - 1
                body = data[start : end + 1]
                self.send_response(206 if ranged else 200)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(body)))
                if ranged:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
                self.end_headers()
                try:
                    self.wfile.write(body)
                    server.sent += len(body)
                except (BrokenPipeError, ConnectionResetError):  # ffmpeg hangs up once it has what it needs
                    pass

            def log_message(self, *args):
                pass

        self.sent = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("layout", ["obs.mp4", "faststart.mp4", "recording.mkv"])
def test_probe_remote_reads_a_fraction_of_the_file_over_http(make_video, ffmpeg, tmp_path, layout):
    import subprocess

    from streams.probe import probe_remote

    source = make_video("remote-40s.mp4", seconds=40, size="640x360")
    extra = ["-movflags", "+faststart"] if layout == "faststart.mp4" else []
    if layout == "obs.mp4":
        (tmp_path / layout).write_bytes(source.read_bytes())
    else:
        argv = [ffmpeg, "-v", "error", "-i", str(source), "-c", "copy", *extra, str(tmp_path / layout)]
        subprocess.run(argv, check=True)
    size = (tmp_path / layout).stat().st_size
    server = _RangeServer(tmp_path)
    try:
        info = probe_remote(f"{server.url}/{layout}", name=layout, size=size, head=lambda: b"")
    finally:
        server.close()

    assert info.duration == pytest.approx(40.0, abs=0.2) and info.width == 640 and info.audio_tracks
    assert server.sent < size / 2, f"read {server.sent} of {size} bytes"


def test_probe_remote_names_bad_content_and_network_failures_apart(tmp_path):
    from streams.probe import RemoteProbeError, probe_remote

    (tmp_path / "page.mp4").write_bytes(b"<html>" + b"x" * 5000)
    server = _RangeServer(tmp_path)
    try:
        with pytest.raises(ProbeError, match="is a truncated MP4") as bad:
            probe_remote(f"{server.url}/page.mp4", name="page.mp4", size=5006, head=lambda: b"\0\0\0\x18ftypisom")
        assert not isinstance(bad.value, RemoteProbeError)
    finally:
        server.close()
    with pytest.raises(RemoteProbeError, match="page.mp4: cannot be read over the network"):
        probe_remote(f"{server.url}/page.mp4", name="page.mp4", size=5006, head=lambda: b"", timeout=5)
    with pytest.raises(ProbeError, match="is empty"):
        probe_remote("http://127.0.0.1:9/x.mp4", name="x.mp4", size=0, head=lambda: b"")
