from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from episodes.models import Episode
from rendering.publish import PublishError, episode_publish, episode_publish_start
from rendering.youtube_description import PRIVACY_STATUSES


def parse_chapter(text: str) -> tuple[float, str]:
    """``"90 Boss fight"`` or ``"1:30 Boss fight"`` -> ``(90.0, "Boss fight")``."""
    start, _, title = text.strip().partition(" ")
    try:
        seconds = sum(float(part) * 60**power for power, part in enumerate(reversed(start.split(":"))))
    except ValueError:
        raise CommandError(f"--chapter {text!r}: expected 'SECONDS TITLE' or 'M:SS TITLE'") from None
    return seconds, title.strip()


class Command(BaseCommand):
    help = "Upload an episode's render to YouTube now (resuming an interrupted upload), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("episode", type=int, help="episode id")
        parser.add_argument("--privacy", default="private", choices=PRIVACY_STATUSES)
        parser.add_argument(
            "--chapter", action="append", default=[], metavar="'M:SS TITLE'",
            help="a chapter for the description (repeat; at least three, the first at 0:00)",
        )

    def handle(self, *args, **options):
        try:
            episode = Episode.objects.select_related("stream").get(id=options["episode"])
        except Episode.DoesNotExist:
            raise CommandError(f"no episode with id {options['episode']}") from None
        chapters = [parse_chapter(text) for text in options["chapter"]] or None
        try:
            upload = episode_publish_start(episode=episode, privacy_status=options["privacy"], chapters=chapters)
        except PublishError as error:
            raise CommandError(str(error)) from None

        with tqdm(total=upload.total_bytes, unit="B", unit_scale=True, desc=episode.title[:30], disable=None) as bar:
            outcome = episode_publish(episode_id=episode.id, progress=lambda done, _: bar.update(done - bar.n))

        if outcome.status == "uploaded":
            note = f" ({outcome.message})" if outcome.message else ""
            self.stdout.write(self.style.SUCCESS(f"Uploaded: https://youtu.be/{outcome.video_id}{note}"))
        elif outcome.status == "throttled":
            wait = f"{outcome.retry_in:.0f} s"
            raise CommandError(f"YouTube throttled the upload; run again in {wait}: {outcome.message}")
        elif outcome.status == "busy":
            raise CommandError("another worker is uploading this episode right now")
        else:
            raise CommandError(outcome.message or f"upload {outcome.status}")
