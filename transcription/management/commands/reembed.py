from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from streams.models import Stream
from transcription.search.embedders import EmbeddingError, embedder_from_settings
from transcription.search.selectors import clips_to_embed
from transcription.search.services import clip_embed


class Command(BaseCommand):
    help = (
        "Embed transcribed clips again with the configured model (EMBEDDING_ENGINE, EMBEDDING_MODEL): those "
        "whose search rows another model made or that have none, or every one with --all. Rows are replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stream", type=int, metavar="ID", help="only this stream's clips")
        parser.add_argument("--all", action="store_true", help="every transcribed clip, whatever made its rows")

    def handle(self, *args, **options):
        stream_id = options["stream"]
        if stream_id is not None and not Stream.objects.filter(id=stream_id).exists():
            raise CommandError(f"no stream with id {stream_id}")
        try:
            embedder = embedder_from_settings()
        except EmbeddingError as error:
            raise CommandError(str(error)) from None
        clips = list(
            clips_to_embed(
                model_name=embedder.model_name,
                dimensions=embedder.dimensions,
                stream_id=stream_id,
                everything=options["all"],
            ).select_related("stream")
        )
        if not clips:
            self.stdout.write(f"Nothing to embed: every transcribed clip has rows from {embedder.model_name}.")
            return
        rows, failures = 0, []
        with tqdm(clips, unit="clip", desc="embedding", file=self.stderr._out) as bar:
            for clip in bar:
                bar.set_postfix_str(f"{clip.stream.title[:20]} / {clip.original_name[:20]}")
                try:
                    rows += clip_embed(clip_id=clip.id, embedder=embedder)
                except EmbeddingError as error:
                    failures.append(f"stream #{clip.stream_id} {clip.original_name}: {error}")
        done = len(clips) - len(failures)
        self.stdout.write(f"Embedded {done} clip(s) with {embedder.model_name}: {rows} search rows.")
        if failures:
            raise CommandError(f"{len(failures)} clip(s) failed (their rows are as they were):\n" + "\n".join(failures))
