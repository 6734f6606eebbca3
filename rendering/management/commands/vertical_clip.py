from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pipeline.ffmpeg import FFmpegError
from rendering.vertical_service import clip_render_vertical
from streams.models import VideoClip


class Command(BaseCommand):
    help = "Render a 9:16 clip (blurred background, captions from the transcript) of a moment in a recording."

    def add_arguments(self, parser):
        parser.add_argument("clip", type=int, help="clip id")
        parser.add_argument("--start", type=float, required=True, help="seconds into the clip")
        parser.add_argument("--end", type=float, required=True, help="seconds into the clip")
        parser.add_argument("--logo", type=Path, help="PNG to place at the top")

    def handle(self, *args, clip, start, end, logo, **options):
        with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}%", file=self.stderr._out) as bar:
            try:
                key = clip_render_vertical(
                    clip_id=clip, start=start, end=end, logo=logo, progress=lambda p: bar.update(p - bar.n)
                )
            except VideoClip.DoesNotExist:
                raise CommandError(f"no clip with id {clip}") from None
            except (ValueError, FFmpegError) as error:
                raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Saved {key}"))
