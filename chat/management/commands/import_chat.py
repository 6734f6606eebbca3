"""manage.py import_chat STREAM FILE: a TwitchDownloaderCLI chat JSON onto a stream's timeline."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat.services import ChatError, chat_import
from chat.twitchdownloader import ChatLogError, parse_chat_log
from streams.models import Stream


class Command(BaseCommand):
    help = "Import chat from a TwitchDownloaderCLI JSON file (chatdownload) onto a stream, for VODs recorded " \
           "before live capture was on. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("stream", type=int, help="stream id")
        parser.add_argument("file", type=Path, help="TwitchDownloaderCLI chat JSON")
        parser.add_argument("--vod-start", type=float, default=0.0,
                            help="seconds into the VOD where the stream's first recording starts (default 0)")

    def handle(self, *args, stream: int, file: Path, vod_start: float, **options):
        try:
            target = Stream.objects.get(pk=stream)
        except Stream.DoesNotExist:
            raise CommandError(f"no stream with id {stream}") from None
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"{file}: cannot read: {error.strerror or error}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file}: not valid JSON: {error}") from None
        try:
            result = chat_import(stream=target, log=parse_chat_log(doc), vod_start=vod_start)
        except ChatLogError as error:
            raise CommandError(f"{file}: not a TwitchDownloaderCLI chat log: {error}") from None
        except ChatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{result.created} messages imported onto stream {target.pk} ({target.title}); "
            f"{result.already_stored} were already stored"))
