"""What a user is told after an ingest: all in, partly in (and what failed), same-name uploads, refused links."""

import os

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from streams.models import Stream, VideoClip

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_folder(tmp_path, make_video):
    """Two good recordings and one that is not a video."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    os.link(make_video("2024-07-01 10-00-00.mp4", seconds=2), folder / "2024-07-01 10-00-00.mp4")
    os.link(make_video("2024-07-01 11-00-00.mp4", seconds=1), folder / "2024-07-01 11-00-00.mp4")
    (folder / "notes.mp4").write_text("not a video")
    return folder


def _upload(path, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes(), content_type="video/mp4")


def test_command_says_partly_ingested_lists_failures_and_exits_3(user, mixed_folder, capsys):
    user.is_superuser = True
    user.save()

    with pytest.raises(CommandError, match="partly ingested") as caught:
        call_command("ingest", str(mixed_folder), "--stream", "Mixed", "--no-process")

    captured = capsys.readouterr()
    assert caught.value.returncode == 3
    assert "partly ingested (2 added, 1 failed)" in captured.out and ": failed" not in captured.out
    assert "not ingested: notes.mp4: is not a media file" in captured.err
    assert Stream.objects.get(title="Mixed").clips.count() == 2


def test_command_help_names_the_exit_statuses():
    from streams.management.commands.ingest import Command

    assert "3 when some went in" in Command.help and "1 when nothing went in" in Command.help


def test_command_with_everything_ingested_exits_0_and_says_completed(user, mixed_folder, capsys):
    user.is_superuser = True
    user.save()
    (mixed_folder / "notes.mp4").unlink()

    call_command("ingest", str(mixed_folder), "--stream", "Clean", "--no-process")

    assert ": completed" in capsys.readouterr().out


def test_api_answers_207_with_each_failed_file_and_its_reason(api_client, user, mixed_folder):
    files = [_upload(path, path.name) for path in sorted(mixed_folder.iterdir())]

    response = api_client.post(reverse("streams-ingest"), {"files": files, "title": "Partial API"})

    assert response.status_code == 207, response.content
    body = response.json()
    assert body["status"] == "partly ingested" and len(body["added"]) == 2
    assert [item["file"] for item in body["failed"]] == ["notes.mp4"]
    assert body["failed"][0]["reason"].startswith("is not a media file")


def test_admin_reports_a_partial_ingest_as_a_warning_not_a_success(client, admin_user, mixed_folder):
    client.force_login(admin_user)

    response = client.post(reverse("admin:streams_stream_ingest"), {"paths": str(mixed_folder), "title": "Partial"})

    levels = {message.level for message in get_messages(response.wsgi_request)}
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert response.status_code == 302
    assert constants.SUCCESS not in levels and constants.WARNING in levels
    assert any("Partly ingested" in text and "2 recording(s) added, 1 failed" in text for text in texts)
    assert any(text.startswith("Not ingested: notes.mp4") for text in texts)


def test_admin_reports_a_full_ingest_as_a_success(client, admin_user, mixed_folder):
    client.force_login(admin_user)
    (mixed_folder / "notes.mp4").unlink()

    response = client.post(reverse("admin:streams_stream_ingest"), {"paths": str(mixed_folder), "title": "Full"})

    assert [m.level for m in get_messages(response.wsgi_request)] == [constants.SUCCESS]


def test_uploads_sharing_a_name_or_cleaning_to_one_are_all_kept(api_client, make_video):
    two, three = make_video("dup-2.mp4", seconds=2), make_video("dup-3.mp4", seconds=3)
    files = [_upload(two, "my rec.mp4"), _upload(three, "my_rec.mp4"), _upload(two, "my_rec.mp4")]

    response = api_client.post(reverse("streams-ingest"), {"files": files, "title": "Same names"})

    assert response.status_code == 201, response.content
    clips = VideoClip.objects.filter(stream__title="Same names")
    assert sorted(round(clip.duration) for clip in clips) == [2, 2, 3]
    assert len({clip.file.name for clip in clips}) == 3
    assert sorted(clip.file.size for clip in clips) == sorted([two.stat().st_size] * 2 + [three.stat().st_size])
    assert any("3 recordings named my_rec.mp4: all kept" in note for note in response.json()["notes"])


def test_admin_upload_of_two_files_with_one_name_keeps_both_and_says_so(client, admin_user, make_video):
    client.force_login(admin_user)
    files = [_upload(make_video("a.mp4", seconds=2), "take.mp4"), _upload(make_video("b.mp4", seconds=3), "take.mp4")]

    response = client.post(reverse("admin:streams_stream_ingest"), {"files": files, "title": "Takes"})

    assert Stream.objects.get(title="Takes").clips.count() == 2
    assert any("2 recordings named take.mp4: all kept" in str(m) for m in get_messages(response.wsgi_request))


def test_a_link_out_of_an_allowed_folder_is_refused_and_the_rest_go_in(api_client, settings, tmp_path, make_video):
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "private"
    inbox.mkdir()
    elsewhere.mkdir()
    os.link(make_video("inbox.mp4", seconds=2), inbox / "2024-07-02 10-00-00.mp4")
    os.link(make_video("secret.mp4", seconds=3), elsewhere / "secret.mp4")
    (inbox / "2024-07-02 11-00-00.mp4").symlink_to(elsewhere / "secret.mp4")
    (inbox / "2024-07-02 12-00-00.mp4").symlink_to(inbox / "2024-07-02 10-00-00.mp4")  # stays inside: fine
    settings.INGEST_ALLOWED_DIRS = [str(inbox)]

    folder = api_client.post(reverse("streams-ingest"), {"paths": [str(inbox)], "title": "Inbox"}, format="json")
    direct = api_client.post(
        reverse("streams-ingest"), {"paths": [str(inbox / "2024-07-02 11-00-00.mp4")]}, format="json"
    )

    assert folder.status_code == 207, folder.content
    failed = folder.json()["failed"]
    assert [item["file"] for item in failed] == [str(inbox / "2024-07-02 11-00-00.mp4")]
    assert "outside the allowed folders" in failed[0]["reason"]
    assert [round(c.duration) for c in Stream.objects.get(title="Inbox").clips.all()] == [2]
    assert direct.status_code == 400 and "Not allowed to read" in str(direct.json())
    assert not VideoClip.objects.filter(duration__gt=2.5).exists()
