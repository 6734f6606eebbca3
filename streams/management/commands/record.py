"""manage.py record URL | --monitor: record live channels into OBS-shaped parts, each ingested as it closes."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from streams.management.commands._owner import resolve_owner
from streams.sources.live import Monitor, configured_channels, live_record
from streams.sources.recorder import RecordError
from streams.timefmt import format_hms


class Command(BaseCommand):
    help = (
        "Record a live stream (Twitch, Kick, YouTube, any URL streamlink knows) into parts named by their "
        "recording time, ingesting each part as a clip of one stream; or, with --monitor, record the "
        "configured channels (LIVE_CHANNELS or --channel) whenever they go live. Ctrl-C ends the recording "
        "and still ingests the part in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="the live stream's URL (e.g. https://www.twitch.tv/NAME)")
        parser.add_argument("--monitor", action="store_true", help="watch the configured channels instead")
        parser.add_argument(
            "--channel", action="append", help="twitch:LOGIN or kick:SLUG to watch (repeatable; default LIVE_CHANNELS)"
        )
        parser.add_argument("--once", action="store_true", help="with --monitor: check once, record, then exit")
        parser.add_argument("--poll", type=float, help="with --monitor: seconds between checks (LIVE_POLL_SECONDS)")
        parser.add_argument(
            "--part-minutes", type=float, help=f"part length (default {settings.LIVE_PART_SECONDS / 60:g})"
        )
        parser.add_argument("--stream", dest="title", help="stream title (an existing stream gets the parts added)")
        parser.add_argument("--series", help="series name (created if new)")
        parser.add_argument("--user", help="owner's username (default: the first superuser)")
        parser.add_argument("--no-process", action="store_true", help="store only; do not queue analysis")

    def handle(self, *args, **options):
        owner = resolve_owner(options["user"])
        if options["monitor"]:
            return self._monitor(owner, options)
        if not options["url"]:
            raise CommandError("give the URL of a live stream, or --monitor")
        part_seconds = options["part_minutes"] * 60 if options["part_minutes"] else None
        if part_seconds is not None and part_seconds <= 0:
            raise CommandError("--part-minutes must be positive")
        recorders = []
        with tqdm(unit="part", desc="recording", disable=None) as bar:

            def on_part(part, ingested, notes) -> None:
                bar.update(1)
                where = f"stream #{ingested.stream.id}" if ingested else "kept on disk: not ingested"
                bar.write(f" + {part.path.name}  {format_hms(part.seconds)}  -> {where}")
                for note in notes:
                    bar.write(f"   note: {note}")

            try:
                report = live_record(
                    owner=owner,
                    url=options["url"],
                    title=options["title"],
                    series_name=options["series"],
                    part_seconds=part_seconds,
                    process=not options["no_process"],
                    on_part=on_part,
                    on_start=recorders.append,
                )
            except RecordError as error:
                raise CommandError(str(error)) from None
            except KeyboardInterrupt:
                raise CommandError("interrupted") from None
        if report.stream is not None:
            stream = report.stream
            self.stdout.write(
                self.style.SUCCESS(
                    f"Stream #{stream.id} {stream.title!r}: {format_hms(stream.duration)}, "
                    f"{len(report.clips)} part(s) recorded"
                )
            )
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"   not ingested: {problem}"))
        if not report.clips:
            raise CommandError("nothing was recorded")

    def _monitor(self, owner, options) -> None:
        try:
            channels = configured_channels(options["channel"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not channels:
            raise CommandError("no channels to watch: set LIVE_CHANNELS or pass --channel twitch:LOGIN")
        monitor = Monitor(owner, channels, process=not options["no_process"], report=self.stdout.write)
        self.stdout.write(f"Watching {', '.join(map(str, channels))}")
        poll = options["poll"] or settings.LIVE_POLL_SECONDS
        try:
            while True:
                monitor.tick()
                if options["once"]:
                    break
                time.sleep(poll)
            monitor.wait()
        except KeyboardInterrupt:
            self.stdout.write("Stopping: the parts in progress are ingested first")
            monitor.stop()
