"""A cut list may name only its owner's media: checked on save (API, admin) and again when the render runs."""

import json

import pytest
from django.urls import reverse

from episodes.models import Episode
from pipeline.models import PipelineRun, RunStatus
from pipeline.services import run_create
from rendering.services import RenderError, episode_render, episode_render_start
from streams.models import Series, Stream, VideoClip

pytestmark = pytest.mark.django_db

THEIR_RECORDING = "streams/1/2026-01-01_10-00-00.mp4"


def cut_list(*locations):
    return {
        "version": "1.0.0",
        "inputMedia": [
            {"s3Location": location, "sections": [{"startFrame": 0, "endFrame": 60}]} for location in locations
        ],
        "outputTrack": [{"mediaIndex": i, "sectionIndex": 0} for i in range(len(locations))],
    }


@pytest.fixture
def their_recording(other_user):
    stream = Stream.objects.create(owner=other_user, title="A's stream")
    VideoClip.objects.create(stream=stream, order=0, file=THEIR_RECORDING, original_name="a.mp4", duration=60)
    return THEIR_RECORDING


@pytest.fixture
def my_stream(user):
    stream = Stream.objects.create(owner=user, title="B's stream")
    VideoClip.objects.create(stream=stream, order=0, file="clips/mine.mp4", original_name="mine.mp4", duration=60)
    series = Series.objects.create(owner=user, name="B's show", intro_file="series/intro/hello.mp4")
    Episode.objects.create(owner=user, stream=stream, title="Earlier", rendered_file="renders/episode-earlier.mp4")
    stream.series = series
    stream.save()
    return stream


def test_api_refuses_someone_elses_recording_naming_the_field(api_client, my_stream, their_recording):
    response = api_client.post(
        reverse("episodes-list"),
        {"stream": my_stream.id, "title": "Stolen", "cut_list": cut_list("clips/mine.mp4", their_recording)},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["cut_list"] == [
        f"/inputMedia/1/s3Location: '{THEIR_RECORDING}' is not one of your recordings, renders or series assets"
    ]
    assert not Episode.objects.filter(title="Stolen").exists()


def test_api_refuses_a_key_that_names_no_stored_media(api_client, my_stream):
    response = api_client.post(
        reverse("episodes-list"),
        {"stream": my_stream.id, "title": "Guess", "cut_list": cut_list("clips/guessed.mp4")},
        format="json",
    )

    assert response.status_code == 400
    assert "/inputMedia/0/s3Location" in response.json()["cut_list"][0]


def test_api_accepts_own_recordings_renders_and_series_assets(api_client, my_stream):
    document = cut_list("series/intro/hello.mp4", "clips/mine.mp4", "renders/episode-earlier.mp4")

    created = api_client.post(
        reverse("episodes-list"), {"stream": my_stream.id, "title": "Mine", "cut_list": document}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert Episode.objects.get(id=created.json()["id"]).cut_list == document


def test_api_refuses_the_swap_on_update_too(api_client, user, my_stream, their_recording):
    episode = Episode.objects.create(owner=user, stream=my_stream, title="Ep", cut_list=cut_list("clips/mine.mp4"))

    response = api_client.patch(
        reverse("episodes-detail", args=[episode.id]), {"cut_list": cut_list(their_recording)}, format="json"
    )

    assert response.status_code == 400
    episode.refresh_from_db()
    assert episode.cut_list == cut_list("clips/mine.mp4")


def test_api_refuses_a_url_in_place_of_a_key(api_client, my_stream):
    response = api_client.post(
        reverse("episodes-list"),
        {"stream": my_stream.id, "title": "Remote", "cut_list": cut_list("https://example.com/a.mp4")},
        format="json",
    )

    assert response.status_code == 400
    assert "not a URL or protocol" in response.json()["cut_list"][0]


def test_admin_form_refuses_someone_elses_recording(client, django_user_model, their_recording):
    staff = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-editor-1")
    client.force_login(staff)
    stream = Stream.objects.create(owner=staff, title="Editor's stream")

    response = client.post(
        reverse("admin:episodes_episode_add"),
        {
            "owner": staff.id,
            "stream": stream.id,
            "order": 1,
            "title": "Stolen in the admin",
            "status": "draft",
            "tracks": "[]",
            "cut_list": json.dumps(cut_list(their_recording)),
            "youtube_video_id": "",
        },
    )

    assert response.status_code == 200  # the form again, with its errors
    assert "/inputMedia/0/s3Location" in response.content.decode()
    assert not Episode.objects.filter(title="Stolen in the admin").exists()


def test_render_start_refuses_someone_elses_recording(user, my_stream, their_recording):
    episode = Episode.objects.create(owner=user, stream=my_stream, title="Ep")
    Episode.objects.filter(id=episode.id).update(cut_list=cut_list(their_recording))  # stored before the check
    episode.refresh_from_db()

    with pytest.raises(RenderError, match="/inputMedia/0/s3Location: .* is not one of your recordings"):
        episode_render_start(episode=episode)
    assert not PipelineRun.objects.filter(episode=episode).exists()


def test_render_run_fails_on_someone_elses_recording(user, my_stream, their_recording):
    # Queued while the cut list was the owner's own; swapped (stored unchecked) before the worker ran it.
    episode = Episode.objects.create(owner=user, stream=my_stream, title="Ep", cut_list=cut_list("clips/mine.mp4"))
    run = run_create(owner=user, kind=PipelineRun.Kind.RENDER, episode=episode, steps=[{"name": "render"}])
    Episode.objects.filter(id=episode.id).update(cut_list=cut_list(their_recording))

    episode_render(run_id=run.id)

    run.refresh_from_db()
    episode.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "/inputMedia/0/s3Location: '" + THEIR_RECORDING + "' is not one of your recordings" in run.error
    assert episode.status == Episode.Status.FAILED and not episode.rendered_file


@pytest.mark.parametrize("field", ["cut_list", "tracks"])
def test_admin_form_refuses_json_nested_too_deeply(admin_client, admin_user, field):
    stream = Stream.objects.create(owner=admin_user, title="Deep")
    data = {
        "owner": admin_user.id,
        "stream": stream.id,
        "order": 1,
        "title": "Deep",
        "status": "draft",
        "tracks": "[]",
        "cut_list": "{}",
        "youtube_video_id": "",
    }
    data[field] = "[" * 100_000 + "]" * 100_000

    response = admin_client.post(reverse("admin:episodes_episode_add"), data)

    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    assert not Episode.objects.filter(title="Deep").exists()
