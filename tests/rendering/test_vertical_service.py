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
