from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pipeline.management.commands._progress import follow_run
from pipeline.models import PipelineRun
from streams.management.commands._owner import resolve_owner
from streams.s3_ingest import stream_ingest_s3
from streams.s3_source import is_s3_url
from streams.services import IngestError, stream_ingest, stream_ingest_chunks
from streams.timefmt import format_hms
from transcription.selectors import stream_transcript_text

# Exit statuses, in the help below: scripts tell "all in" from "some in" from "none in".
EXIT_NOTHING_INGESTED = 1
EXIT_PARTLY_INGESTED = 3


class Command(BaseCommand):
    help = (
        "Ingest recording files or folders as one stream: probe, order by recording time, store. "
        "Exit status: 0 when every recording went in (files already in the stream are skipped, not failed); "
        f"{EXIT_PARTLY_INGESTED} when some went in and others failed (each is listed with its reason); "
        f"{EXIT_NOTHING_INGESTED} when nothing went in or on any other error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", help="recording files and/or folders of recordings, or one s3://bucket/prefix"
        )
        parser.add_argument("--chunks", action="store_true", help="the paths are numbered WebM chunks of one recording")
        parser.add_argument("--stream", dest="title", help="stream title (an existing stream gets the clips added)")
        parser.add_argument("--series", help="series name (created if new)")
        parser.add_argument("--user", help="owner's username (default: the first superuser)")
        parser.add_argument("--no-process", action="store_true", help="store only; do not queue analysis")
        parser.add_argument("--wait", action="store_true", help="follow the analysis run (needs a running worker)")

    def handle(self, *args, **options):
        owner = resolve_owner(options["user"])
        with tqdm(total=len(options["paths"]), unit="file", desc="probing", disable=None) as bar:

            def progress(done: int, total: int, name: str) -> None:
                bar.total = total
                bar.set_postfix_str(name[-40:])
                bar.update(done - bar.n)

            common = {
                "owner": owner,
                "title": options["title"],
                "series_name": options["series"],
                "progress": progress,
                "process": not options["no_process"],
            }
            try:
                if any(is_s3_url(path) for path in options["paths"]):
                    report = stream_ingest_s3(url=_one_s3_url(options["paths"], options["chunks"]), **common)
                elif options["chunks"]:
                    report, late = stream_ingest_chunks(chunks=_chunk_files(options["paths"]), **common)
                    if late:
                        self.stdout.write(f"Chunks that arrived out of order, sorted into place: {late}")
                else:
                    report = stream_ingest(paths=options["paths"], **common)
            except IngestError as error:
                raise CommandError(str(error), returncode=EXIT_NOTHING_INGESTED) from None

        stream = report.stream
        self.stdout.write(self.style.SUCCESS(f"Stream #{stream.id} {stream.title!r}: {format_hms(stream.duration)}"))
        for clip in stream.clips.order_by("order"):
            marker = "+" if clip in report.added else " "
            tracks = ", ".join(f"{t['codec']} {t['channels']}ch" for t in clip.audio_tracks)
            video = "no video"
            if clip.has_video:
                video = f"{clip.resolution} {clip.frame_rate or '?'} fps {clip.video_codec}"
            self.stdout.write(
                f" {marker} {clip.order:>2}  {format_hms(clip.start_time)} +{format_hms(clip.duration)}  "
                f"{video}  audio: {tracks}  "
                f"{clip.original_name}"
            )
        for line in report.skipped:
            self.stdout.write(f"   skipped {line}")
        for line in report.notes:
            self.stdout.write(f"   note: {line}")
        if report.partial:
            self.stdout.write(
                self.style.WARNING(
                    f"Ingest run #{report.run.id}: partly ingested "
                    f"({len(report.added)} added, {len(report.failed)} failed)"
                )
            )
            for failure in report.failed:
                self.stderr.write(self.style.ERROR(f"   not ingested: {failure['file']}: {failure.get('reason', '')}"))
        else:
            self.stdout.write(f"Ingest run #{report.run.id}: {report.run.status}")
        if report.run.status == "ingesting":  # an S3 source: its objects are being fetched on the io queue
            self.stdout.write(f"Fetching {len(report.added)} object(s) on the io queue as run #{report.run.id}")
            if options["wait"]:
                run = follow_run(report.run.id, file=self.stderr._out)
                self.stdout.write(f"Run #{run.id}: {run.status}")
                if run.error:
                    raise CommandError(run.error)
                report.process_run = PipelineRun.objects.filter(
                    stream=stream, kind=PipelineRun.Kind.PROCESS, id__gt=run.id
                ).first()
        if report.process_run:
            self.stdout.write(f"Analysis and transcription queued as run #{report.process_run.id}")
            if options["wait"]:
                run = follow_run(report.process_run.id, file=self.stderr._out)
                self.stdout.write(f"Run #{run.id}: {run.status}")
                if run.error:
                    raise CommandError(run.error)
                self.stdout.write(stream_transcript_text(stream))
        if report.partial:
            raise CommandError(
                f"partly ingested: {len(report.failed)} file(s) failed (listed above)", returncode=EXIT_PARTLY_INGESTED
            )


def _one_s3_url(paths: list[str], chunks: bool) -> str:
    if len(paths) > 1 or chunks:
        raise CommandError("an s3:// source is ingested alone: give one s3://bucket/prefix and no other paths")
    return paths[0]


def _chunk_files(paths: list[str]) -> list[Path]:
    """Chunk files as given, or every .webm in a given folder."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files += sorted(path.glob("*.webm")) if path.is_dir() else [path]
    return files
