"""The search `make demo` ends with (`studio --demo`): the sample's moment, or a plain word that there is none yet."""

import datetime as dt
from io import StringIO

from pipeline.management.commands.studio import Command
from tests.transcription.search_rows import HOUSE_WINDOWS, add_rows, make_stream


def _demo_search(user, stream) -> str:
    command = Command(stdout=StringIO())
    command._demo_search(user, stream)
    return command.stdout._out.getvalue()


def test_the_demo_prints_where_the_sample_talks_about_the_house(db, user):
    stream, clip = make_stream(user, "Demo stream", day=dt.date(2026, 1, 1))
    add_rows(stream, clip, HOUSE_WINDOWS)

    output = _demo_search(user, stream)

    assert 'Search: "where do we build the wooden house"' in output
    assert "Demo stream  0:00:00  Today we are going to [build] a small [wooden] [house] in the forest." in output


def test_before_the_embed_step_has_run_it_says_so(db, user):
    stream, _ = make_stream(user, "Demo stream", day=dt.date(2026, 1, 1))

    assert "no results yet: the embed step stored no search rows" in _demo_search(user, stream)
