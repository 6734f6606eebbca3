"""Download names built from user data: no header injection, no broken quoting (each was a 500 or worse)."""

import pytest
from django.urls import reverse

from config.downloads import attachment
from streams.models import Stream, VideoClip
from transcription.models import Segment, Transcript


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("talk.srt", 'attachment; filename="talk.srt"'),
        ('say "hi".srt', 'attachment; filename="say \\"hi\\".srt"'),
        ("evil\r\nSet-Cookie: x=1.srt", 'attachment; filename="evil_Set-Cookie: x=1.srt"'),
        ("../../etc/passwd", 'attachment; filename="etc_passwd"'),
        ("a\\b.vtt", 'attachment; filename="a_b.vtt"'),
        ("Grüße.srt", "attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe.srt"),
        ("\n\n", 'attachment; filename="download"'),
    ],
)
def test_attachment_header(name, header):
    assert attachment(name) == header


@pytest.fixture
def hostile_clip(user):
    stream = Stream.objects.create(owner=user, title="Names")
    clip = VideoClip.objects.create(
        stream=stream, order=0, file="clips/x.mkv", original_name='my "best"\r\nX-Injected: 1.mkv', duration=5
    )
    transcript = Transcript.objects.create(clip=clip, language="en", text="Hi.")
    Segment.objects.create(transcript=transcript, index=0, start=0.5, end=1.5, text="Hi.")
    return transcript


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_api_subtitles_of_a_clip_with_a_hostile_name(api_client, hostile_clip, fmt):
    response = api_client.get(f"/api/transcripts/{hostile_clip.id}/{fmt}/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="my \\"best\\"_X-Injected: 1.{fmt}"'
    assert "X-Injected" not in response.headers


@pytest.mark.django_db
def test_admin_subtitles_of_a_clip_with_a_hostile_name(admin_client, hostile_clip):
    response = admin_client.get(reverse("admin:transcription_transcript_subtitles", args=[hostile_clip.id, "srt"]))

    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"] and "X-Injected" not in response.headers
