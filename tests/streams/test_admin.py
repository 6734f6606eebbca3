import pytest
from django.urls import reverse

from streams.models import Stream
from streams.services import stream_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_stream_page_shows_clips_with_probed_metadata(admin_client, admin_user, make_video, tmp_path):
    recording = tmp_path / "2024-05-01 20-00-00.mp4"
    recording.write_bytes(make_video("admin.mp4", seconds=3, audio_tracks=2).read_bytes())
    stream = stream_ingest(owner=admin_user, paths=[recording], title="Admin view").stream

    page = admin_client.get(reverse("admin:streams_stream_change", args=[stream.id])).content.decode()
    listing = admin_client.get(reverse("admin:streams_stream_changelist")).content.decode()

    assert "2024-05-01 20-00-00.mp4" in page
    assert "320x180" in page and "0:00:03" in page and "aac 1ch" in page
    assert "Admin view" in listing and "Ingest recordings" in listing


def test_ingest_page_uploads_recordings_and_reports_bad_ones(admin_client, make_video, tmp_path):
    (tmp_path / "broken.mp4").write_text("not a video")
    with open(make_video("2024-06-01 10-00-00.mp4", seconds=2), "rb") as good, open(tmp_path / "broken.mp4") as bad:
        response = admin_client.post(
            reverse("admin:streams_stream_ingest"), {"files": [good, bad], "title": "Uploaded in admin"}, follow=True
        )

    text = response.content.decode()
    stream = Stream.objects.get(title="Uploaded in admin")
    assert stream.clips.count() == 1
    assert "broken.mp4: is not a media file" in text


def test_pipeline_run_page_shows_status_percentage_and_steps(admin_client, admin_user, make_video):
    run = stream_ingest(owner=admin_user, paths=[make_video("run.mp4")]).run

    page = admin_client.get(reverse("admin:pipeline_pipelinerun_change", args=[run.id])).content.decode()
    listing = admin_client.get(reverse("admin:pipeline_pipelinerun_changelist")).content.decode()

    assert "completed" in page and "run.mp4" in page
    assert "100%" in listing


def test_series_proposal_weights_are_edited_and_checked_in_the_admin(admin_client, admin_user):
    from streams.models import Series

    series = Series.objects.create(owner=admin_user, name="Show")
    url = reverse("admin:streams_series_change", args=[series.id])
    form = {"owner": admin_user.id, "name": "Show", "episode_title_template": "{title} - Episode {order}"}
    form |= {"episode_description_template": "", "youtube_category_id": "20", "tags": "[]"}

    refused = admin_client.post(url, {**form, "proposal_settings": '{"weights": {"vibes": 2}, "window": 0}'})
    saved = admin_client.post(url, {**form, "proposal_settings": '{"weights": {"chat": 2.5}}'})

    assert "weights.vibes: unknown signal" in refused.content.decode()
    assert "window: must be between 5 and 600" in refused.content.decode()
    assert saved.status_code == 302
    assert Series.objects.get(id=series.id).proposal_settings == {"weights": {"chat": 2.5}}
