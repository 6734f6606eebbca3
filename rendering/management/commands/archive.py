from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from episodes.models import Episode
from rendering.publishing.archive import ArchiveError
from rendering.publishing.archiving import episode_archive


class Command(BaseCommand):
    help = (
        "Copy an episode's render and its stream's recordings to ARCHIVE_BUCKET and verify each copy; then free "
        "the local disk (unless --keep-local). Runs as a publish pipeline run, with a progress bar by file."
    )

    def add_arguments(self, parser):
        parser.add_argument("episode", type=int, help="episode id")
        parser.add_argument("--keep-local", action="store_true", help="keep the local files once archived")

    def handle(self, *args, episode, keep_local, **options):
        if not Episode.objects.filter(id=episode).exists():
            raise CommandError(f"no episode with id {episode}")
        delete_local = False if keep_local else None
        with tqdm(total=None, unit="file", desc="archive", disable=None) as bar:

            def done(files: int, total: int) -> None:
                bar.total = total
                bar.update(files - bar.n)

            try:
                records = episode_archive(episode_id=episode, delete_local=delete_local, progress=done)
            except ArchiveError as error:
                raise CommandError(str(error)) from None
        for record in records:
            where = "local copy removed" if record.local_deleted else "local copy kept"
            self.stdout.write(f"{record} ({record.size_bytes} bytes, {where})")
        self.stdout.write(self.style.SUCCESS(f"Archived {len(records)} file(s)"))
