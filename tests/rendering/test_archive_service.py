"""Archiving an episode's media against the local S3 server: records, deterministic keys, guarded deletes."""

import pytest
from django.core.files.base import ContentFile

from rendering.publishing.archive import ArchiveError
from rendering.publishing.archiving import episode_archive
from rendering.publishing.models import ArchivedFile
from rendering.publishing.services import episode_publish_start
from streams.models import VideoClip


@pytest.fixture
def clip(rendered_episode):
    clip = VideoClip(stream=rendered_episode.stream, order=0, original_name="rec.mkv", duration=60)
    clip.file.save("rec.mkv", ContentFile(b"original recording bytes"), save=True)
    return clip


def test_archiving_an_episode_uploads_render_and_originals_then_frees_the_disk(
    rendered_episode, clip, archive_settings, s3
):
    client, bucket = s3
    render_path, clip_path = rendered_episode.rendered_file.path, clip.file.path
    render_bytes = rendered_episode.rendered_file.open("rb").read()

    records = episode_archive(episode_id=rendered_episode.id)

    owner = rendered_episode.owner_id
    assert [r.key for r in records] == [
        f"archive/{owner}/episodes/{rendered_episode.id}/episode-3.mp4",
        f"archive/{owner}/streams/{rendered_episode.stream_id}/rec.mkv",
    ]
    assert all(r.local_deleted for r in records)
    assert not rendered_episode.rendered_file.storage.exists(render_path)
    assert not clip.file.storage.exists(clip_path)
    assert client.get_object(Bucket=bucket, Key=records[0].key)["Body"].read() == render_bytes
    assert ArchivedFile.objects.get(key=records[1].key).source_name == clip.file.name

    assert episode_archive(episode_id=rendered_episode.id) == records  # a re-run finds the work done
    assert ArchivedFile.objects.count() == 2


def test_media_still_being_uploaded_to_youtube_is_not_archived_away(rendered_episode, archive_settings):
    episode_publish_start(episode=rendered_episode)
    with pytest.raises(ArchiveError, match="still being uploaded to YouTube"):
        episode_archive(episode_id=rendered_episode.id)
    assert rendered_episode.rendered_file.storage.exists(rendered_episode.rendered_file.name)


def test_without_a_bucket_archiving_says_what_to_set(rendered_episode, youtube_settings):
    youtube_settings.ARCHIVE_BUCKET = ""
    with pytest.raises(ArchiveError, match="ARCHIVE_BUCKET"):
        episode_archive(episode_id=rendered_episode.id)
