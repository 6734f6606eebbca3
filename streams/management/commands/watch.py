import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from streams.management.commands._owner import resolve_owner
from streams.watch import FolderWatcher, ScanReport, watch_folder_problems

log = logging.getLogger("streams.watch")


class Command(BaseCommand):
    help = (
        "Watch folders for finished recordings (size and mtime stable for WATCH_SETTLE_SECONDS, no process "
        "writing them) and ingest them: one stream per session (a gap over WATCH_SESSION_GAP starts a new one), "
        "each file version once. Folders: the arguments, else WATCH_FOLDERS. Ctrl-C stops."
    )

    def add_arguments(self, parser):
        parser.add_argument("folders", nargs="*", help="folders to watch (default: WATCH_FOLDERS)")
        parser.add_argument("--owner", help="owner's username (default: WATCH_OWNER, else the first superuser)")
        parser.add_argument("--once", action="store_true", help="scan once and exit")
        parser.add_argument("--interval", type=float, help="seconds between scans (default: WATCH_POLL_SECONDS)")
        parser.add_argument("--settle", type=float, help="seconds a file must stay unchanged (WATCH_SETTLE_SECONDS)")
        parser.add_argument("--gap", type=float, help="seconds between recordings that start a new stream")
        parser.add_argument("--no-process", action="store_true", help="store only; do not queue analysis")

    def handle(self, *args, **options):
        folders = options["folders"] or settings.WATCH_FOLDERS
        if not folders:
            raise CommandError("no folders to watch: name them, or set WATCH_FOLDERS")
        problems = watch_folder_problems(folders)
        if problems:
            raise CommandError("cannot watch:\n" + "\n".join(f"  {problem}" for problem in problems))
        for name in ("interval", "settle", "gap"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(f"--{name} must not be negative")
        owner = resolve_owner(options["owner"] or settings.WATCH_OWNER or None)
        watcher = FolderWatcher(
            owner=owner,
            folders=folders,
            settle=options["settle"],
            gap=options["gap"],
            process=not options["no_process"],
        )
        interval = settings.WATCH_POLL_SECONDS if options["interval"] is None else options["interval"]
        self.stdout.write(f"Watching {', '.join(str(f) for f in watcher.folders)} for {owner.username}")
        if options["once"]:
            self._show(watcher.scan())
            return
        bar = tqdm(unit="file", desc="ingested", disable=None)
        try:
            while True:
                try:
                    report = watcher.scan()
                except Exception:  # noqa: BLE001  (the database or storage is away for a moment: keep watching)
                    log.exception("scan failed; trying again in %g s", interval)
                    connection.close()  # a fresh connection next time, should the old one be broken
                else:
                    bar.update(len(report.ingested))
                    bar.set_postfix_str(f"waiting for {len(report.waiting)}")
                    self._show(report)
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            bar.close()

    def _show(self, report: ScanReport) -> None:
        if not report.writers_known:
            log.debug("open-for-writing check unavailable on this system: relying on stable size and mtime")
        for row in report.ingested:
            self.stdout.write(self.style.SUCCESS(f"ingested {row.path} -> stream #{row.stream_id}"))
        for row in report.skipped:
            self.stdout.write(f"skipped {row.path}: {row.error}")
        for row in report.failed:
            self.stderr.write(self.style.ERROR(f"not ingested: {row.path}: {row.error}"))
