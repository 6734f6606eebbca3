from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from episodes.models import Episode
from pipeline.ffmpeg import FFmpegError
from rendering.vertical_service import clip_render_vertical, episode_render_vertical
from streams.models import VideoClip


class Command(BaseCommand):
    help = (
        "Render a 9:16 clip (blurred background, captions from the transcript) of a moment in a recording, or "
        "with --episode of an episode's render (the vertical render `publish --tiktok` posts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("clip", type=int, nargs="?", help="clip id")
        parser.add_argument("--episode", type=int, help="episode id, instead of a clip")
        parser.add_argument("--start", type=float, help="seconds in (default for an episode: 0)")
        parser.add_argument("--end", type=float, help="seconds in (default for an episode: its end)")
        parser.add_argument("--logo", type=Path, help="PNG to place at the top (clips only)")

    def handle(self, *args, clip, episode, start, end, logo, **options):
        if (clip is None) == (episode is None):
            raise CommandError("name a clip id or --episode ID (one of them)")
        if episode is not None and logo:
            raise CommandError(
                "an episode's vertical render is what `publish --tiktok` posts, and TikTok forbids adding a "
                "watermark or branding: leave out --logo"
            )
        if clip is not None and (start is None or end is None):
            raise CommandError("a clip needs --start and --end")
        with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}%", file=self.stderr._out) as bar:
            try:
                if episode is not None:
                    key = episode_render_vertical(
                        episode_id=episode,
                        start=start or 0.0,
                        end=end,
                        progress=lambda p: bar.update(p - bar.n),
                    )
                else:
                    key = clip_render_vertical(
                        clip_id=clip, start=start, end=end, logo=logo, progress=lambda p: bar.update(p - bar.n)
                    )
            except VideoClip.DoesNotExist:
                raise CommandError(f"no clip with id {clip}") from None
            except Episode.DoesNotExist:
                raise CommandError(f"no episode with id {episode}") from None
            except (ValueError, FFmpegError) as error:
                raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Saved {key}"))
