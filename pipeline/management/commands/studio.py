"""Everything on one machine with one command: services, schema, an admin, a worker, beat and the web server."""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import embedded
from config.celery import QUEUES
from pipeline.management.commands._progress import follow_run
from pipeline.management.commands._supervise import (
    Child,
    Interrupted,
    child_start,
    children_stop,
    ignore_stop_signals,
    stop_signals,
)
from pipeline.models import PipelineRun
from pipeline.workflows import start_stream_processing
from streams.sample import make_sample_recordings
from streams.services import stream_ingest
from streams.timefmt import format_hms
from transcription.search.models import SearchChunk
from transcription.search.presenting import plain_snippet
from transcription.search.queries import search
from transcription.selectors import stream_transcript_text

_SERVICE_NAMES = {"postgres": "PostgreSQL", "redis": "Redis"}


class Command(BaseCommand):
    help = (
        "Run Stream Studio locally: embedded services, migrations, an admin user, a worker, beat and the web "
        "server. Ctrl+C, SIGTERM or SIGHUP stop everything it started."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="ingest and process the bundled sample")
        parser.add_argument("--exit", action="store_true", help="stop once the demo is done instead of serving")
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes")

    def handle(self, *args, host, port, demo, exit, concurrency, **options):
        started: list[str] = []
        children: list[Child] = []
        with stop_signals():
            try:
                started = embedded.services_start(
                    settings.VAR_DIR, postgres=settings.EMBEDDED_POSTGRES, redis=settings.EMBEDDED_REDIS
                )
                env = self._services_env()
                call_command("migrate", interactive=False, verbosity=0)
                admin = self._ensure_admin()
                children = self._start_children(env, concurrency, web=None if exit else (host, port))
                if demo:
                    self._demo(admin)
                self.stdout.write("\nNot serving (--exit); `manage.py studio` (make run) serves:" if exit else "")
                self.stdout.write(self.style.SUCCESS(f"Admin:  http://{host}:{port}/admin/  (user {admin.username})"))
                self.stdout.write(f"API:    http://{host}:{port}/api/  ·  schema http://{host}:{port}/api/docs/")
                self.stdout.write(f"Flower: {sys.executable} -m celery -A config flower")
                if not exit:
                    self.stdout.write("Serving; Ctrl+C (or SIGTERM) stops everything.")
                    self._wait(children)
            except Interrupted as stop:
                self.stdout.write(f"\nStopping ({stop.signal_name})...")
            finally:
                ignore_stop_signals()  # until the children and services are down
                children_stop(children[::-1])
                self._stop_services(started)

    def _services_env(self) -> dict:
        """Print where the services are; the children's environment, pointing them at the same ones."""
        var_dir = settings.VAR_DIR
        database_url = settings.DATABASE_URL or embedded.postgres_url(var_dir)
        if settings.EMBEDDED_POSTGRES:
            self.stdout.write(f"Database: embedded PostgreSQL, data in {_short(embedded.postgres_data_dir(var_dir))}")
        else:
            self.stdout.write(f"Database: {database_url.split('@')[-1]}")
        if settings.EMBEDDED_REDIS:
            self.stdout.write(f"Redis:    embedded, data in {_short(embedded.redis_data_dir(var_dir))}")
        else:
            self.stdout.write(f"Redis:    {settings.REDIS_URL.split('@')[-1]}")
        # Children join the same servers rather than each starting (and registering with) their own.
        return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL}

    def _start_children(self, env: dict, concurrency: int, web: tuple[str, int] | None) -> list[Child]:
        logs = settings.VAR_DIR / "log"
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        worker = [*celery, "worker", "-Q", ",".join(QUEUES), "-n", "studio@%h", "-l", "INFO"]
        worker += ["--concurrency", str(concurrency)]
        beat = [*celery, "beat", "-l", "INFO", "-s", str(settings.VAR_DIR / "celerybeat-schedule")]
        children = [
            child_start("worker", worker, cwd=settings.BASE_DIR, env=_worker_env(env), log=logs / "worker.log"),
            child_start("beat", beat, cwd=settings.BASE_DIR, env=env, log=logs / "beat.log"),
        ]
        if web:
            # Channels' runserver is daphne: HTTP and websockets, static files served while DEBUG.
            argv = [sys.executable, "manage.py", "runserver", f"{web[0]}:{web[1]}", "--noreload"]
            children.append(child_start("web", argv, cwd=settings.BASE_DIR, env=env, log=logs / "web.log"))
        self.stdout.write(f"Logs:     {', '.join(_short(child.log) for child in children)}")
        return children

    def _wait(self, children: list[Child]) -> None:
        while all(child.process.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.process.poll() is not None:
                self.stderr.write(
                    self.style.ERROR(
                        f"The {child.name} stopped (exit status {child.process.returncode}): see {_short(child.log)}"
                    )
                )

    def _stop_services(self, started: list[str]) -> None:
        """Stop the embedded servers this command started; say which ones keep running and how to stop them."""
        stopped = embedded.services_stop(settings.VAR_DIR, started)
        if stopped:
            self.stdout.write(f"Stopped the embedded {_names(stopped)} this command started.")
        embedded_here = [name for name in _SERVICE_NAMES if getattr(settings, f"EMBEDDED_{name.upper()}")]
        kept = [name for name in embedded_here if name not in started]
        if len(kept) == 1:
            self.stdout.write(
                f"The embedded {_names(kept)} was already running before this command and keeps running; "
                "`manage.py embedded stop` stops it."
            )
        elif kept:
            self.stdout.write(
                f"The embedded {_names(kept)} were already running before this command and keep running; "
                "`manage.py embedded stop` stops them."
            )

    def _ensure_admin(self):
        User = get_user_model()
        admin = User.objects.filter(is_superuser=True).order_by("id").first()
        if admin:
            self.stdout.write(
                f"Admin user '{admin.username}' exists (its password was printed when it was created); "
                f"`manage.py changepassword {admin.username}` sets a new one."
            )
            return admin
        password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser("admin", "admin@localhost", password)
        self.stdout.write(self.style.WARNING(f"Created admin user 'admin' with password: {password}  (shown once)"))
        return admin

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
        self._demo_search(admin, stream)

    def _demo_search(self, admin, stream) -> None:
        query = "where do we build the wooden house"
        self.stdout.write(self.style.MIGRATE_HEADING(f'\nSearch: "{query}"'))
        if not SearchChunk.objects.filter(stream=stream).exists():
            self.stdout.write("  no results yet: the embed step stored no search rows for this stream")
            return
        hits = search(admin, query, stream=stream.id, limit=3)
        for hit in hits:
            self.stdout.write(f"  {hit.stream_title}  {format_hms(hit.start)}  {plain_snippet(hit.snippet)}")
        if not hits:
            self.stdout.write("  no results")
        self.stdout.write('  (also: manage.py search "...", /search/ on the site, GET /api/search/?q=...)')


def _last_processing(stream) -> PipelineRun | None:
    """A second demo finds the sample already ingested: show the run that processed it."""
    return PipelineRun.objects.filter(stream=stream, kind=PipelineRun.Kind.PROCESS).order_by("-id").first()


def _worker_env(env: dict) -> dict:
    if os.geteuid() != 0:
        return env
    # Celery warns about a worker running as root on every start. Acceptable for a local run in a container
    # that has only root (our Celery accepts JSON only, never pickle); run workers as an ordinary user elsewhere.
    # (-W takes a category from builtins only: match the message instead.)
    silence = "ignore:You're running the worker with superuser privileges"
    warnings = ",".join(filter(None, [env.get("PYTHONWARNINGS"), silence]))
    return {**env, "PYTHONWARNINGS": warnings}


def _names(names: list[str]) -> str:
    return " and ".join(label for name, label in _SERVICE_NAMES.items() if name in names)


def _short(path: Path) -> str:
    """A path relative to the working directory when it is under it (var/log/web.log)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
