"""Show or stop the embedded PostgreSQL and Redis. Starts nothing: settings never start them."""

from django.conf import settings
from django.core.management.base import BaseCommand

from config import embedded


class Command(BaseCommand):
    help = "Show or stop the embedded PostgreSQL and Redis (used when DATABASE_URL / REDIS_URL are unset)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if action == "stop":
            stopped = embedded.services_stop(settings.VAR_DIR, ["postgres", "redis"])
            self.stdout.write(f"stopped: {', '.join(stopped) or 'nothing (neither was running)'}")
        for service in embedded.services_status(settings.VAR_DIR):
            state = f"running (pid {service.pid})" if service.pid else "stopped"
            self.stdout.write(f"{service.name + ':':9} {state}, data in {service.data_dir}")
            if service.pid:
                self.stdout.write(f"{'':9} {service.url}")
        if not settings.EMBEDDED_POSTGRES:
            self.stdout.write("DATABASE_URL is set: the project uses that database, not the embedded one.")
        if not settings.EMBEDDED_REDIS:
            self.stdout.write("REDIS_URL is set: the project uses that Redis, not the embedded one.")
