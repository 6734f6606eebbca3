import pytest
from django.core.management import CommandError, call_command

from rendering.management.commands.publish import parse_chapter


@pytest.mark.parametrize(("text", "chapter"), [("0 Intro", (0, "Intro")), ("1:30 Boss fight", (90, "Boss fight")),
                                               ("1:00:05 End", (3605, "End"))])
def test_chapter_arguments(text, chapter):
    assert parse_chapter(text) == chapter


def test_publish_command_uploads_with_chapters_and_reports_the_link(rendered_episode, fake_youtube, capsys):
    call_command("publish", str(rendered_episode.id), "--privacy", "unlisted",
                 "--chapter", "0:00 Intro", "--chapter", "0:15 Fight", "--chapter", "0:40 Outro")

    video = fake_youtube.videos["vid1"]
    assert "https://youtu.be/vid1" in capsys.readouterr().out
    assert "0:00 Intro\n0:15 Fight\n0:40 Outro" in video.metadata["snippet"]["description"]
    assert video.metadata["status"]["privacyStatus"] == "unlisted"


def test_publish_command_explains_a_throttle(rendered_episode, fake_youtube):
    fake_youtube.fail("init", "429", retry_after="120")
    with pytest.raises(CommandError, match="run again in 120 s"):
        call_command("publish", str(rendered_episode.id))


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["999999"], "no episode with id 999999"), (["{id}", "--chapter", "soon Intro"], "expected 'SECONDS TITLE'"),
     (["{id}", "--chapter", "0 A"], "at least 3 chapters")],
)
def test_publish_command_bad_input(rendered_episode, argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish", *[arg.format(id=rendered_episode.id) for arg in argv])
