"""Everything on one machine with one command: services, schema, an admin, a worker, beat and the web server."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import embedded
from config.celery import QUEUES
from pipeline.management.commands._progress import follow_run
from pipeline.models import PipelineRun
from pipeline.workflows import start_stream_processing
from streams.sample import make_sample_recordings
from streams.services import stream_ingest
from streams.timefmt import format_hms
from transcription.selectors import stream_transcript_text


class Command(BaseCommand):
    help = "Run Stream Studio locally: embedded services, migrations, an admin user, a worker, beat and the web server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="ingest and process the bundled sample")
        parser.add_argument("--exit", action="store_true", help="stop once the demo is done instead of serving")
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes")

    def handle(self, *args, host, port, demo, exit, concurrency, **options):
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']} ({_where(_database_url())})")
        self.stdout.write(f"Redis:    {_where(settings.REDIS_URL)}")
        call_command("migrate", interactive=False, verbosity=0)
        admin = self._ensure_admin()
        children = [
            self._start_worker(concurrency),
            self._start(
                ["celery", "-A", "config", "beat", "-l", "WARNING", "-s", str(settings.VAR_DIR / "celerybeat-schedule")]
            ),
        ]
        if not exit:
            children.append(self._start_web(host, port))
        try:
            if demo:
                self._demo(admin)
            self.stdout.write(self.style.SUCCESS(f"\nAdmin:  http://{host}:{port}/admin/  (user {admin.username})"))
            self.stdout.write(f"API:    http://{host}:{port}/api/  ·  schema http://{host}:{port}/api/docs/")
            self.stdout.write(f"Flower: {sys.executable} -m celery -A config flower")
            if not exit:
                self.stdout.write("Serving; press Ctrl+C to stop.")
                while all(child.poll() is None for child in children):
                    time.sleep(1)
                failed = [child.args for child in children if child.poll() is not None]
                self.stderr.write(self.style.ERROR(f"a child process stopped: {failed}"))
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                _stop(child)

    def _ensure_admin(self):
        User = get_user_model()
        admin = User.objects.filter(is_superuser=True).order_by("id").first()
        if admin:
            return admin
        password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser("admin", "admin@localhost", password)
        self.stdout.write(self.style.WARNING(f"Created admin user 'admin' with password: {password}  (shown once)"))
        return admin

    def _start(self, argv: list[str]) -> subprocess.Popen:
        command = [sys.executable, "-m", *argv]
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=_child_env(), start_new_session=True)

    def _start_worker(self, concurrency: int) -> subprocess.Popen:
        return self._start(
            [
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "-n",
                "studio@%h",
                "-l",
                "WARNING",
                "--concurrency",
                str(concurrency),
            ]
        )

    def _start_web(self, host: str, port: int) -> subprocess.Popen:
        # Channels' runserver is daphne: HTTP and websockets, static files served while DEBUG.
        return subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env=_child_env(),
            start_new_session=True,
        )

    def _demo(self, admin) -> None:
        files = make_sample_recordings(settings.VAR_DIR / "sample")
        self.stdout.write(f"\nIngesting the bundled sample: {', '.join(path.name for path in files)}")
        report = stream_ingest(owner=admin, paths=files, title="Demo stream", series_name="Demo series")
        stream = report.stream
        for clip in stream.clips.order_by("order"):
            tracks = ", ".join(f"{t.get('title') or t['codec']} ({t['channels']}ch)" for t in clip.audio_tracks)
            self.stdout.write(
                f"  clip {clip.order}: {clip.original_name}  at {format_hms(clip.start_time)}  "
                f"{format_hms(clip.duration)}  {clip.resolution} {clip.frame_rate} fps {clip.video_codec}  "
                f"audio: {tracks}"
            )
        self.stdout.write(f"  ingest run #{report.run.id}: {report.run.status}")
        self.stdout.write("Analysing and transcribing on the worker:")
        run = report.process_run or _last_processing(stream) or start_stream_processing(stream.id, admin)
        run = follow_run(run.id, timeout=1800, file=self.stderr._out)
        self.stdout.write(f"  processing run #{run.id}: {run.status}")
        if run.error:
            self.stderr.write(self.style.ERROR(f"    {run.error}"))
        self.stdout.write(self.style.MIGRATE_HEADING("\nTranscript"))
        self.stdout.write(stream_transcript_text(stream))


def _last_processing(stream) -> PipelineRun | None:
    """A second demo finds the sample already ingested: show the run that processed it."""
    return PipelineRun.objects.filter(stream=stream, kind=PipelineRun.Kind.PROCESS).order_by("-id").first()


def _child_env() -> dict:
    # Children must join the same embedded servers rather than each starting their own.
    return {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}


def _database_url() -> str:
    """DATABASE_URL, else the embedded server's, known once it runs: this starts (or joins) it."""
    return settings.DATABASE_URL or embedded.postgres_url(settings.VAR_DIR)


def _where(url: str) -> str:
    return url.split("@")[-1]


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
