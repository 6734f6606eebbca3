from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from episodes.models import Episode
from rendering.publishing.services import PublishError, episode_publish, episode_publish_start
from rendering.publishing.tiktok import PRIVACY_LEVELS
from rendering.publishing.tiktok_services import tiktok_post_publish, tiktok_post_start
from rendering.publishing.youtube_description import PRIVACY_STATUSES


def parse_chapter(text: str) -> tuple[float, str]:
    """``"90 Boss fight"`` or ``"1:30 Boss fight"`` -> ``(90.0, "Boss fight")``."""
    start, _, title = text.strip().partition(" ")
    try:
        seconds = sum(float(part) * 60**power for power, part in enumerate(reversed(start.split(":"))))
    except ValueError:
        raise CommandError(f"--chapter {text!r}: expected 'SECONDS TITLE' or 'M:SS TITLE'") from None
    return seconds, title.strip()


class Command(BaseCommand):
    help = (
        "Upload an episode's render to YouTube now (resuming an interrupted upload), or with --tiktok its vertical "
        "render to TikTok (a direct post, or with --draft a draft in the creator's inbox), with a progress bar."
    )

    def add_arguments(self, parser):
        parser.add_argument("episode", type=int, help="episode id")
        parser.add_argument("--privacy", default="private", choices=PRIVACY_STATUSES)
        parser.add_argument(
            "--chapter",
            action="append",
            default=[],
            metavar="'M:SS TITLE'",
            help="a chapter for the description (repeat; at least three, the first at 0:00)",
        )
        tiktok = parser.add_argument_group("TikTok")
        tiktok.add_argument("--tiktok", action="store_true", help="post the episode's vertical render to TikTok")
        tiktok.add_argument("--draft", action="store_true", help="send it to the creator's TikTok inbox as a draft")
        tiktok.add_argument("--title", help="the TikTok caption (default: the episode's title)")
        tiktok.add_argument("--privacy-level", choices=PRIVACY_LEVELS, help="who may watch a direct post")

    def handle(self, *args, **options):
        try:
            episode = Episode.objects.select_related("stream").get(id=options["episode"])
        except Episode.DoesNotExist:
            raise CommandError(f"no episode with id {options['episode']}") from None
        if options["tiktok"]:
            self.publish_tiktok(episode, options)
            return
        if options["draft"] or options["title"] or options["privacy_level"]:
            raise CommandError("--draft, --title and --privacy-level go with --tiktok")
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

    def publish_tiktok(self, episode: Episode, options: dict) -> None:
        try:
            post = tiktok_post_start(
                episode=episode, draft=options["draft"], title=options["title"], privacy_level=options["privacy_level"]
            )
        except PublishError as error:
            raise CommandError(str(error)) from None
        with tqdm(total=post.total_bytes, unit="B", unit_scale=True, desc=f"TikTok {post.mode}", disable=None) as bar:
            outcome = tiktok_post_publish(episode_id=episode.id, progress=lambda done, _: bar.update(done - bar.n))
        if outcome.notice:
            self.stdout.write(self.style.WARNING(f"Note: {outcome.notice}"))
        if outcome.status == "published":
            posts = ", ".join(outcome.post_ids) or "its id comes once TikTok makes it public"
            self.stdout.write(self.style.SUCCESS(f"Posted to TikTok ({posts})"))
        elif outcome.status == "in_inbox":
            self.stdout.write(self.style.SUCCESS("Sent to the creator's TikTok inbox as a draft"))
        elif outcome.status == "busy":
            raise CommandError("another worker is posting this episode to TikTok right now")
        else:
            raise CommandError(outcome.message or f"TikTok post {outcome.status}")
