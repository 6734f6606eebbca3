"""``manage.py search "query"``: the owner's best moments, one per line with stream, time and snippet."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from streams.management.commands._owner import resolve_owner
from streams.timefmt import format_hms
from transcription.search.embedders import EmbeddingError
from transcription.search.forms import SearchForm
from transcription.search.fusion import QueryError
from transcription.search.presenting import plain_snippet
from transcription.search.queries import MODES, search


class Command(BaseCommand):
    help = "Search your streams' transcripts and summaries (vector + full-text, fused)."

    def add_arguments(self, parser):
        parser.add_argument("query", help='words or a question, e.g. "when did I talk about the borrow checker"')
        parser.add_argument("--owner", help="whose streams (username; default: the first superuser)")
        parser.add_argument("--stream", help="only this stream (id)")
        parser.add_argument("--series", help="only this series (id)")
        parser.add_argument("--from", dest="date_from", help="streams recorded on or after YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="streams recorded on or before YYYY-MM-DD")
        parser.add_argument("--limit", default="10", help="how many hits (1-100, default 10)")
        parser.add_argument("--mode", default="hybrid", help=f"{', '.join(MODES)} (default hybrid)")

    def handle(self, *args, **options):
        owner = resolve_owner(options["owner"])
        data = {
            "q": options["query"],
            "stream": options["stream"],
            "series": options["series"],
            "from": options["date_from"],
            "to": options["date_to"],
            "limit": options["limit"],
            "mode": options["mode"],
        }
        form = SearchForm({key: value for key, value in data.items() if value is not None}, owner=owner)
        if not form.is_valid():
            raise CommandError(form.error_text())
        try:
            hits = search(owner, **form.search_arguments())
        except (QueryError, EmbeddingError) as error:
            raise CommandError(str(error)) from None
        if not hits:
            self.stdout.write("No results.")
            return
        for hit in hits:
            self.stdout.write(f"{hit.stream_title}  {format_hms(hit.start)}  {plain_snippet(hit.snippet)}")
