"""manage.py search: hits printed with stream title, hh:mm:ss and the snippet; bad input is a CommandError."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.transcription import search_rows

searchable = search_rows.searchable


def run(*args) -> str:
    out = StringIO()
    call_command("search", *args, stdout=out)
    return out.getvalue()


def test_prints_the_best_moments_with_title_time_and_marked_snippet(searchable, user):
    lines = run("when did I talk about the borrow checker", "--owner", user.username, "--limit", "2").splitlines()

    assert lines[0] == (
        "Porting the parser  0:00:30  So the [borrow] [checker] complains here because we hold a mutable "
        "reference while reading the vector."
    )
    assert len(lines) == 2


def test_the_stream_filter_and_a_search_that_finds_nothing(searchable, user):
    output = run("borrow checker", "--owner", user.username, "--stream", str(searchable.house.id), "--mode", "text")
    assert output == "No results.\n"

    output = run("chimney", "--owner", user.username, "--stream", str(searchable.house.id))
    assert output.splitlines()[0].startswith("Forest cabin  0:02:00  The roof needs stairs")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["", "--owner", "streamer"], "q: Enter something"),
        (["x" * 301, "--owner", "streamer"], "too long"),
        (["borrow", "--owner", "streamer", "--stream", "abc"], "stream: Enter a whole number"),
        (["borrow", "--owner", "streamer", "--limit", "0"], "limit: Ensure this value is greater"),
        (["borrow", "--owner", "streamer", "--mode", "fuzzy"], "mode: Select a valid choice"),
        (["borrow", "--owner", "streamer", "--from", "2026-99-01"], "from: Enter a valid date"),
        (["borrow", "--owner", "nobody"], "no user named 'nobody'"),
    ],
)
def test_bad_input_is_a_command_error(searchable, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_another_users_rows_never_print(searchable, user, other_user):
    mine = run("borrow checker mutable reference", "--owner", user.username, "--limit", "100")
    assert "Porting the parser" in mine and "Rival rust stream" not in mine

    with pytest.raises(CommandError, match=f"You have no stream {searchable.rival.id}"):
        run("borrow", "--owner", user.username, "--stream", str(searchable.rival.id))

    theirs = run("borrow checker", "--owner", other_user.username)
    assert theirs.startswith("Rival rust stream  0:00:00") and "Porting the parser" not in theirs
