from django.core.management.base import BaseCommand, CommandError

from pipeline.management.commands._progress import follow_run
from pipeline.models import RunStatus
from pipeline.steps import PROCESS_STEPS
from pipeline.workflows import create_process_run, run_here, start_stream_processing
from streams.models import Stream
from transcription.selectors import stream_transcript_text
from transcription.summaries.selectors import stream_summary_text


class Command(BaseCommand):
    help = "Analyse and transcribe a stream again (or one step of it); outputs are replaced, never duplicated."

    def add_arguments(self, parser):
        parser.add_argument("stream", help="stream id or exact title")
        parser.add_argument("--step", choices=PROCESS_STEPS, help="re-run only this step (default: all)")
        parser.add_argument("--track", type=int, help="audio track to analyse (0 = first; default: as before)")
        parser.add_argument(
            "--here", action="store_true", help="run the steps in this process instead of on the Celery workers"
        )
        parser.add_argument("--no-wait", action="store_true", help="enqueue and return without a progress bar")
        parser.add_argument("--timeout", type=float, help="stop waiting after this many seconds")

    def handle(self, *args, **options):
        stream = self._stream(options["stream"])
        steps = (options["step"],) if options["step"] else PROCESS_STEPS
        try:
            if options["here"]:
                run = run_here(
                    create_process_run(stream, owner=stream.owner, steps=steps), audio_track=options["track"]
                )
            else:
                run = start_stream_processing(stream.id, stream.owner, steps=steps, audio_track=options["track"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["no_wait"] and not options["here"]:
            self.stdout.write(f"Pipeline run #{run.id} queued for stream #{stream.id} {stream.title!r}")
            return
        if not options["here"]:
            run = follow_run(run.id, timeout=options["timeout"], file=self.stderr._out)
        self.stdout.write(f"Pipeline run #{run.id}: {run.status} ({run.progress:.0f}%)")
        if run.status == RunStatus.FAILED:
            raise CommandError(run.error)
        if "transcribe" in steps and run.status == RunStatus.COMPLETED:
            self.stdout.write(stream_transcript_text(stream))
        if "summarise" in steps and run.status == RunStatus.COMPLETED:
            self.stdout.write(stream_summary_text(stream))

    def _stream(self, key: str) -> Stream:
        streams = Stream.objects.filter(id=int(key)) if key.isdigit() else Stream.objects.filter(title=key)
        if not streams.exists():
            raise CommandError(f"no stream with id or title {key!r}")
        if streams.count() > 1:
            raise CommandError(f"several streams are titled {key!r}: give the id")
        return streams.get()
