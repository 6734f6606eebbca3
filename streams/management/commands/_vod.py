"""``manage.py ingest URL ...``: each VOD URL downloaded with a progress bar, then ingested."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pipeline.management.commands._progress import follow_run
from streams.services import IngestError
from streams.sources import is_url
from streams.sources.vod import stream_ingest_url
from streams.timefmt import format_hms

EXIT_NOTHING_INGESTED = 1
EXIT_PARTLY_INGESTED = 3


def ingest_urls(command: BaseCommand, owner, options: dict) -> None:
    """Every URL in turn; a failed one is named with its reason and the others still go in."""
    sources = options["paths"]
    if not all(is_url(source) for source in sources):
        raise CommandError("give VOD URLs or recording files, not both in one call", returncode=EXIT_NOTHING_INGESTED)
    failed = 0
    for url in sources:
        with tqdm(total=100.0, unit="%", desc="downloading", disable=None, bar_format="{l_bar}{bar}| {n:.0f}%") as bar:

            def progress(percent: float, bar=bar) -> None:
                bar.update(percent - bar.n)

            try:
                report = stream_ingest_url(
                    owner=owner,
                    url=url,
                    title=options["title"],
                    series_name=options["series"],
                    progress=progress,
                    process=not options["no_process"],
                )
            except IngestError as error:
                failed += 1
                command.stderr.write(command.style.ERROR(f"not ingested: {'; '.join(error.problems)}"))
                continue
        stream = report.stream
        for line in report.skipped:
            command.stdout.write(f"   skipped {line}")
        for clip in report.added:
            command.stdout.write(
                command.style.SUCCESS(f"Stream #{stream.id} {stream.title!r}: {format_hms(stream.duration)}")
            )
            start, length = format_hms(clip.start_time), format_hms(clip.duration)
            command.stdout.write(f" + {clip.order:>2}  {start} +{length}  {clip.original_name}")
        for line in report.notes:
            command.stdout.write(f"   note: {line}")
        command.stdout.write(f"Ingest run #{report.run.id}: {report.run.status}")
        if report.process_run:
            command.stdout.write(f"Analysis and transcription queued as run #{report.process_run.id}")
            if options["wait"]:
                run = follow_run(report.process_run.id, file=command.stderr._out)
                command.stdout.write(f"Run #{run.id}: {run.status}" + (f": {run.error}" if run.error else ""))
    if failed:
        code = EXIT_NOTHING_INGESTED if failed == len(sources) else EXIT_PARTLY_INGESTED
        raise CommandError(f"{failed} of {len(sources)} URL(s) not ingested (listed above)", returncode=code)
