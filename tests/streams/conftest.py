import subprocess

import pytest

from tests.rendering.conftest import s3_server  # noqa: F401  (a local S3 server, moto in server mode)
from tests.transcription.conftest import ingest, speech_stream, speech_video  # noqa: F401  (shared media)


@pytest.fixture
def full_disk(tmp_path):
    """A 128 KiB tmpfs: neither the 150 KB VOD nor 8 s (240 KB) of live recording fit."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(folder)], check=True)  # never leave a mount behind
        pytest.fail("a file on the full disk is still open (a leaked handle keeps its space taken)")
