from django.conf import settings
from django.core.management.base import BaseCommand

from config import embedded


class Command(BaseCommand):
    help = "Show or stop the embedded PostgreSQL and Redis (used when DATABASE_URL / REDIS_URL are unset)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        self.stdout.write(f"data directory: {settings.VAR_DIR}")
        self.stdout.write(f"database: {settings.DATABASE_URL}")
        self.stdout.write(f"redis:    {settings.REDIS_URL}")
        if action == "stop":
            redis_stopped = embedded.stop_redis(settings.VAR_DIR)
            postgres_stopped = embedded.stop_postgres(settings.VAR_DIR)
            self.stdout.write(f"stopped redis: {redis_stopped}, postgres: {postgres_stopped}")
