"""A vertical clip of a moment in a recording, captioned from its transcript, saved to storage."""

import av
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from rendering.vertical_service import clip_render_vertical
from streams.services import stream_ingest
from transcription.models import Segment, Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcribed_clip(user, make_video):
    clip = stream_ingest(owner=user, paths=[make_video("moment.mp4", seconds=3)], process=False).added[0]
    transcript = Transcript.objects.create(clip=clip, language="en", text="what a play")
    words = [
        {"start": 0.6 + 0.3 * i, "end": 0.85 + 0.3 * i, "word": w, "probability": 0.9}
        for i, w in enumerate([" what", " a", " play"])
    ]
    Segment.objects.create(transcript=transcript, index=0, start=0.6, end=1.45, text="what a play", words=words)
    return clip


def test_vertical_clip_is_1080x1920_of_the_chosen_moment(transcribed_clip):
    key = clip_render_vertical(clip_id=transcribed_clip.id, start=0.5, end=1.5)

    with av.open(default_storage.path(key)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1080, 1920)
        assert container.duration / 1e6 == pytest.approx(1.0, abs=0.1)
    assert key == clip_render_vertical(clip_id=transcribed_clip.id, start=0.5, end=1.5)  # a re-run replaces


def test_a_moment_outside_the_clip_is_refused_clearly(transcribed_clip):
    with pytest.raises(CommandError, match=r"moment.mp4: need 0 <= start < end <= 3.0"):
        call_command("vertical_clip", str(transcribed_clip.id), "--start", "2", "--end", "9")
    with pytest.raises(CommandError, match="no clip with id 999999"):
        call_command("vertical_clip", "999999", "--start", "0", "--end", "1")


@pytest.fixture
def rendered_moment(user, transcribed_clip):
    """An episode of the clip's 3 seconds whose render is the clip itself (what a plain cut renders)."""
    from episodes.models import Episode
    from episodes.services import episode_build_cut_list

    episode = Episode.objects.create(
        owner=user, stream=transcribed_clip.stream, title="The play", tracks=[{"start": 0, "end": 3}]
    )
    episode_build_cut_list(episode=episode)
    episode.rendered_file = transcribed_clip.file.name
    episode.save()
    return episode


def test_an_episodes_vertical_render_is_the_one_tiktok_posts_and_its_owners(rendered_moment, user, other_user):
    from pipeline.media_access import media_owner_id
    from rendering.vertical_service import episode_vertical_key

    call_command("vertical_clip", "--episode", str(rendered_moment.id), "--start", "0.5", "--end", "1.5")

    key = episode_vertical_key(rendered_moment.id)
    with av.open(default_storage.path(key)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1080, 1920)
        assert container.duration / 1e6 == pytest.approx(1.0, abs=0.1)
    assert media_owner_id(key) == user.id != other_user.id


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--episode", "999999"], "no episode with id 999999"),
        (["--episode", "{id}", "--start", "1", "--end", "9"], r"need 0 <= start < end <= 3.000"),
        (["--episode", "{id}", "{clip}"], "one of them"),
        (["{clip}", "--start", "1"], "a clip needs --start and --end"),
        (["--episode", "{id}", "--logo", "logo.png"], "TikTok forbids adding a watermark"),
    ],
)
def test_bad_vertical_requests_are_refused_clearly(rendered_moment, transcribed_clip, argv, message):
    ids = {"id": rendered_moment.id, "clip": transcribed_clip.id}
    with pytest.raises(CommandError, match=message):
        call_command("vertical_clip", *[arg.format(**ids) for arg in argv])


def test_an_episode_without_a_render_has_no_vertical_render(rendered_moment):
    rendered_moment.rendered_file = ""
    rendered_moment.save()
    with pytest.raises(CommandError, match="has no render yet"):
        call_command("vertical_clip", "--episode", str(rendered_moment.id))
