"""Stored names stay under the filesystem's limit, keep their extension and stay unique (was an OSError)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from streams.filenames import stored_file_name
from streams.models import Stream

LONG = "x" * 251 + ".mp4"  # 255 characters: the most a file name may have


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("2024-06-01 18-00-00.mp4", "2024-06-01_18-00-00.mp4"),
        (LONG, "x" * 196 + ".mp4"),
        ("é" * 150 + ".mkv", "é" * 98 + ".mkv"),  # two bytes each: cut on a character, not inside one
        ("noextension" * 30, ("noextension" * 30)[:200]),
        ("a." + "b" * 40, ("a." + "b" * 40)),  # not an extension: too long to be one
    ],
)
def test_stored_file_name(name, stored):
    assert stored_file_name(name) == stored
    assert len(stored_file_name(name).encode()) <= 200


@pytest.mark.django_db
def test_a_255_character_name_uploaded_twice_into_one_stream(api_client, make_video):
    data = make_video("long-name.mp4", seconds=1).read_bytes()

    responses = [
        api_client.post(
            reverse("streams-ingest"),
            {"files": [SimpleUploadedFile(LONG, data, content_type="video/mp4")], "title": "Long names"},
        )
        for _ in range(2)
    ]

    assert [r.status_code for r in responses] == [201, 201], responses[-1].content
    clips = Stream.objects.get(title="Long names").clips.order_by("id")
    assert [clip.original_name for clip in clips] == [LONG, LONG]
    keys = [clip.file.name for clip in clips]
    assert len(set(keys)) == 2 and all(key.endswith(".mp4") for key in keys)
    assert all(clip.file.storage.exists(key) for clip, key in zip(clips, keys, strict=True))
