"""The one ffmpeg runner: which binary (bundled unless FFMPEG_BINARY, version-checked), progress, errors, cancel."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from pipeline.ffmpeg import (
    MINIMUM_VERSION,
    Cancelled,
    FFmpegError,
    FFmpegUnsupported,
    check_version,
    ffmpeg_binary,
    parse_version,
    run_ffmpeg,
    version_text,
)

ROOT = Path(__file__).resolve().parents[2]
MINIMUM = version_text(MINIMUM_VERSION)


def fake_ffmpeg(folder: Path, first_line: str) -> Path:
    """An executable named ffmpeg that only answers ``-version`` (what a distribution's old build would say)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ffmpeg"
    path.write_text(f"#!/bin/sh\necho '{first_line}'\necho 'libavcodec     59. 37.100 / 59. 37.100'\n")
    path.chmod(0o755)
    return path


def binary_in_fresh_process(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from pipeline.ffmpeg import ffmpeg_binary; print(ffmpeg_binary())"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers", (5, 1)),
        ("ffmpeg version 6.1.1-3ubuntu5 Copyright (c) 2000-2023 the FFmpeg developers", (6, 1)),
        ("ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/", (7, 0)),
        ("ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright (c) 2000-2026", (9, 0)),
        ("ffmpeg version 8.0 Copyright (c) 2000-2025 the FFmpeg developers", (8, 0)),
        # A build from git names no release: its libavcodec's major version tells which release it follows.
        ("ffmpeg version N-121000-gabcdef1234\nlibavutil      60.  8.100\nlibavcodec     62. 11.100", (8, 0)),
        ("avconv version 12.3", None),
    ],
)
def test_versions_are_read_from_what_ffmpeg_version_prints(text, version):
    assert parse_version(text) == version


def test_without_ffmpeg_binary_the_bundled_build_runs_even_with_another_ffmpeg_on_path(tmp_path):
    old = fake_ffmpeg(tmp_path / "bin", "ffmpeg version 5.1.9-0+deb12u1")
    env = {k: v for k, v in os.environ.items() if k != "FFMPEG_BINARY"}
    env["PATH"] = f"{old.parent}{os.pathsep}{env['PATH']}"
    result = binary_in_fresh_process(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == imageio_ffmpeg.get_ffmpeg_exe()


def test_an_older_ffmpeg_binary_is_refused_naming_the_minimum_version(tmp_path):
    old = fake_ffmpeg(tmp_path / "bin", "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026")
    result = binary_in_fresh_process({**os.environ, "FFMPEG_BINARY": str(old)})
    assert result.returncode != 0
    assert f"FFMPEG_BINARY={old} is ffmpeg 5.1, but Stream Studio needs ffmpeg {MINIMUM} or newer" in result.stderr
    assert "unset FFMPEG_BINARY to use the ffmpeg bundled with imageio-ffmpeg" in result.stderr


def test_an_ffmpeg_binary_that_cannot_run_or_says_no_version_is_refused(tmp_path):
    with pytest.raises(FFmpegUnsupported, match=f"{tmp_path}/missing cannot be run"):
        check_version(str(tmp_path / "missing"))
    silent = fake_ffmpeg(tmp_path / "bin", "hello")
    silent.write_text("#!/bin/sh\necho hello\n")
    with pytest.raises(FFmpegUnsupported, match=f"does not report an ffmpeg version \\(needs ffmpeg {MINIMUM}"):
        check_version(str(silent))


def test_a_supported_ffmpeg_binary_passes_the_check_and_is_used(monkeypatch, tmp_path):
    bundled = imageio_ffmpeg.get_ffmpeg_exe()
    copy = tmp_path / "ffmpeg-release"
    shutil.copy(bundled, copy)  # a path of its own: FFMPEG_BINARY is honoured, not the default
    monkeypatch.setenv("FFMPEG_BINARY", str(copy))
    assert check_version(str(copy)) >= MINIMUM_VERSION
    assert ffmpeg_binary() == str(copy)
    result = run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:duration=0.2", "-f", "null", "-"])
    assert result.args[0] == str(copy)


def test_the_distribution_ffmpeg_on_path_is_accepted_or_refused_by_its_version(monkeypatch):
    """CI installs Debian's ffmpeg (``make distro-ffmpeg``); elsewhere this runs when any ffmpeg is on PATH."""
    distro = shutil.which("ffmpeg")
    if distro is None:
        pytest.skip("no ffmpeg on PATH (make distro-ffmpeg installs Debian's)")
    text = subprocess.run([distro, "-version"], capture_output=True, text=True).stdout
    version = parse_version(text)
    assert version is not None, text
    monkeypatch.setenv("FFMPEG_BINARY", distro)
    if version < MINIMUM_VERSION:
        refused = f"is ffmpeg {version_text(version)}, but Stream Studio needs ffmpeg {MINIMUM}"
        with pytest.raises(FFmpegUnsupported, match=refused):
            ffmpeg_binary()
    else:
        assert ffmpeg_binary() == distro
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:duration=0.2", "-f", "null", "-"])


def test_progress_follows_output_time_and_stderr_is_kept_as_asked(tmp_path):
    seen: list[float] = []
    args = ["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=30:duration=3", "-vf", "showinfo", "-f", "null", "-"]
    tail = run_ffmpeg(args, duration=3.0, progress=seen.append)
    assert seen and seen == sorted(seen) and 90 <= seen[-1] <= 100
    assert len(tail.stderr.splitlines()) <= 200  # a long run's log does not pile up in memory
    full = run_ffmpeg(args, keep_stderr=True)
    assert sum("Parsed_showinfo" in line and " n:" in line for line in full.stderr.splitlines()) == 90


def test_a_failure_carries_the_tail_of_stderr(tmp_path):
    with pytest.raises(FFmpegError) as caught:
        run_ffmpeg(["-i", str(tmp_path / "absent.mp4"), str(tmp_path / "out.mp4")])
    assert caught.value.returncode != 0
    assert "absent.mp4" in str(caught.value) and "No such file or directory" in str(caught.value)


def ffmpeg_children() -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == os.getpid() and name.startswith("ffmpeg"):
            children.append(int(entry.name))
    return children


def test_should_stop_kills_ffmpeg_and_raises_cancelled(tmp_path):
    out = tmp_path / "never.mp4"
    args = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-c:v", "libx264", "-preset", "veryslow", str(out)]
    with pytest.raises(Cancelled):
        run_ffmpeg(args, duration=3600, should_stop=lambda: True, check_every=0.0)
    assert ffmpeg_children() == []


def test_manage_py_check_names_an_unsupported_ffmpeg_binary(tmp_path):
    old = fake_ffmpeg(tmp_path / "bin", "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021")
    env = {**os.environ, "FFMPEG_BINARY": str(old)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    refused = f"(pipeline.E001) FFMPEG_BINARY={old} is ffmpeg 4.4, but Stream Studio needs ffmpeg {MINIMUM}"
    assert refused in result.stderr
