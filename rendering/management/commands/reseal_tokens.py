from django.core.management.base import BaseCommand, CommandError

from rendering.publishing.tokens import credentials_reseal


class Command(BaseCommand):
    help = (
        "After moving the old SECRET_KEY to SECRET_KEY_FALLBACKS and setting a new one: re-seal every stored "
        "OAuth token with the new key, so the old one can then be dropped. Exits 1 if a token cannot be read."
    )

    def handle(self, *args, **options):
        resealed, unreadable = credentials_reseal()
        self.stdout.write(f"Re-sealed {resealed} token(s) with the current SECRET_KEY.")
        if unreadable:
            raise CommandError("cannot be read with any key:\n" + "\n".join(f"  {line}" for line in unreadable))
