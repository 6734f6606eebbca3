"""The README's first command: `manage.py studio --demo` ingests, processes and prints the bundled sample."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from pipeline.models import PipelineRun
from streams.models import Stream
from tests.conftest import ROOT, worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_demo_ingests_processes_and_prints_the_transcript():
    env = {"DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL}
    result = subprocess.run(
        [sys.executable, "manage.py", "studio", "--demo", "--exit"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Created admin user 'admin' with password:" in out
    assert "2024-05-01 20-00-00.mp4" in out and "640x360" in out and "Mic (1ch), Game (1ch)" in out
    assert "wooden house in the forest" in out
    assert "http://127.0.0.1:8000/admin/" in out
    stream = Stream.objects.get(title="Demo stream")
    assert stream.clips.count() == 2
    assert PipelineRun.objects.get(stream=stream, kind="process").status == "completed"
