"""Every endpoint shows a user only their own records, and refuses to touch or link anyone else's."""

import pytest
from django.urls import reverse

from episodes.models import Episode, Project
from pipeline.models import PipelineRun
from streams.models import Series, Stream, VideoClip

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_user):
    """A full set of records belonging to someone else."""
    series = Series.objects.create(owner=other_user, name="Their show")
    stream = Stream.objects.create(owner=other_user, title="Their stream", series=series)
    clip = VideoClip.objects.create(stream=stream, order=0, file="x.mp4", original_name="x.mp4", duration=10)
    project = Project.objects.create(owner=other_user, title="Their project")
    episode = Episode.objects.create(owner=other_user, stream=stream, title="Their episode")
    run = PipelineRun.objects.create(owner=other_user, kind="ingest", stream=stream)
    return {
        "series": series,
        "streams": stream,
        "clips": clip,
        "projects": project,
        "episodes": episode,
        "pipeline-runs": run,
    }


@pytest.mark.parametrize("endpoint", ["series", "streams", "clips", "projects", "episodes", "pipeline-runs"])
def test_other_users_records_are_invisible(api_client, theirs, endpoint):
    listing = api_client.get(reverse(f"{endpoint}-list"))
    detail = api_client.get(reverse(f"{endpoint}-detail", args=[theirs[endpoint].pk]))

    assert listing.status_code == 200 and listing.json()["count"] == 0
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "change"),
    [
        ("series", {"name": "Mine now"}),
        ("streams", {"title": "Mine now"}),
        ("projects", {"title": "Mine now"}),
        ("episodes", {"title": "Mine now"}),
    ],
)
def test_other_users_records_cannot_be_changed_or_deleted(api_client, theirs, endpoint, change):
    record = theirs[endpoint]
    url = reverse(f"{endpoint}-detail", args=[record.pk])

    assert api_client.patch(url, change, format="json").status_code == 404
    assert api_client.delete(url).status_code == 404
    record.refresh_from_db()
    assert "Mine now" not in (getattr(record, "name", "") or getattr(record, "title", ""))


@pytest.mark.parametrize("endpoint", ["clips", "pipeline-runs"])
def test_read_only_endpoints_refuse_writes(api_client, theirs, endpoint):
    assert api_client.delete(reverse(f"{endpoint}-detail", args=[theirs[endpoint].pk])).status_code in (404, 405)


def test_cannot_link_own_records_to_someone_elses(api_client, user, theirs):
    mine = Stream.objects.create(owner=user, title="Mine")

    episode = api_client.post(reverse("episodes-list"), {"stream": theirs["streams"].pk, "title": "E"}, format="json")
    stream = api_client.patch(reverse("streams-detail", args=[mine.pk]), {"series": theirs["series"].pk}, format="json")
    project = api_client.post(
        reverse("projects-list"), {"title": "P", "streams": [theirs["streams"].pk]}, format="json"
    )

    assert episode.status_code == 400 and "stream" in episode.json()
    assert stream.status_code == 400 and "series" in stream.json()
    assert project.status_code == 400 and "streams" in project.json()


def test_created_records_belong_to_the_caller(api_client, user):
    response = api_client.post(reverse("series-list"), {"name": "Builds"}, format="json")

    assert response.status_code == 201
    assert Series.objects.get(pk=response.json()["id"]).owner == user


def test_anonymous_requests_are_refused(client):
    assert client.get(reverse("streams-list")).status_code in (401, 403)


def test_episode_with_a_malformed_cut_list_is_refused_with_the_field_path(api_client, user):
    stream = Stream.objects.create(owner=user, title="Mine")
    bad = {"version": "1.0.0", "inputMedia": [{"s3Location": "../etc/passwd", "sections": []}], "outputTrack": []}

    response = api_client.post(
        reverse("episodes-list"), {"stream": stream.pk, "title": "E", "cut_list": bad}, format="json"
    )

    assert response.status_code == 400
    problems = " ".join(response.json()["cut_list"])
    assert "/inputMedia/0/s3Location" in problems and "/outputTrack" in problems
    assert not Episode.objects.exists()


def test_ingest_endpoint_uploads_recordings(api_client, make_video):
    with open(make_video("2024-06-01 18-00-00.mp4", seconds=2), "rb") as handle:
        response = api_client.post(reverse("streams-ingest"), {"files": [handle], "title": "Uploaded"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stream"]["title"] == "Uploaded" and len(body["stream"]["clips"]) == 1
    assert body["stream"]["clips"][0]["duration"] == pytest.approx(2.0, abs=0.1)


def test_ingest_endpoint_refuses_paths_outside_allowed_dirs_and_bad_media(api_client, tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    outside = api_client.post(reverse("streams-ingest"), {"paths": ["/etc/passwd"]}, format="json")
    with open(tmp_path / "empty.mp4", "rb") as handle:
        empty = api_client.post(reverse("streams-ingest"), {"files": [handle]})

    assert outside.status_code == 400 and "Not allowed to read" in str(outside.json())
    assert empty.status_code == 400 and "empty.mp4: is empty (0 bytes)" in empty.json()["errors"]
    assert not Stream.objects.exists()


def test_schema_is_served(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/streams/ingest/" in paths and "/api/episodes/{id}/" in paths
