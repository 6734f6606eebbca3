"""Archiving against a real S3-protocol server (moto in server mode): multipart, verified, then deleted."""

import hashlib
import os

import pytest

from rendering.publishing.archive import (
    ArchiveError,
    archive_file,
    file_digests,
    transfer_config,
    verification_problems,
)

PART = 5 * 1024 * 1024  # S3's smallest part size


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "render.mp4"
    path.write_bytes(os.urandom(2 * PART + 12345))  # three parts
    return path


def test_multipart_round_trip_verifies_then_removes_the_local_copy(s3, big_file, tmp_path):
    client, bucket = s3
    data = big_file.read_bytes()

    archived = archive_file(
        local_path=big_file, key="u1/episodes/7/render.mp4", bucket=bucket, client=client, config=transfer_config(PART)
    )

    assert not big_file.exists() and archived.local_deleted
    assert archived.etag.endswith("-3")  # it really went up in three parts
    assert archived.sha256 == hashlib.sha256(data).hexdigest()
    head = client.head_object(Bucket=bucket, Key="u1/episodes/7/render.mp4")
    assert head["ETag"].strip('"') == archived.etag and head["Metadata"]["sha256"] == archived.sha256
    restored = tmp_path / "restored.mp4"
    client.download_file(bucket, "u1/episodes/7/render.mp4", str(restored))
    assert restored.read_bytes() == data


def test_a_small_file_goes_up_in_one_put_and_can_be_kept(s3, tmp_path):
    client, bucket = s3
    path = tmp_path / "clip.mkv"
    path.write_bytes(b"tiny original")

    archived = archive_file(
        local_path=path, key="clip.mkv", bucket=bucket, client=client, config=transfer_config(PART), delete_local=False
    )

    assert path.exists() and not archived.local_deleted
    assert archived.etag == hashlib.md5(b"tiny original").hexdigest()


def test_a_copy_that_does_not_match_is_reported_and_the_local_file_stays(s3, big_file):
    client, bucket = s3
    key = "u1/episodes/8/render.mp4"

    def another_writer_replaces_the_object(**_):
        client.put_object(Bucket=bucket, Key=key, Body=b"not the render")

    client.meta.events.register("after-call.s3.CompleteMultipartUpload", another_writer_replaces_the_object)
    try:
        with pytest.raises(ArchiveError, match="which was kept: size 14 in storage"):
            archive_file(local_path=big_file, key=key, bucket=bucket, client=client, config=transfer_config(PART))
    finally:
        client.meta.events.unregister("after-call.s3.CompleteMultipartUpload", another_writer_replaces_the_object)
    assert big_file.exists()


def test_a_missing_bucket_is_a_clear_error_and_keeps_the_file(s3, big_file):
    client, _ = s3
    with pytest.raises(ArchiveError, match="no-such-bucket"):
        archive_file(local_path=big_file, key="k", bucket="no-such-bucket", client=client, config=transfer_config(PART))
    assert big_file.exists()


def test_a_missing_file_is_named(s3, tmp_path):
    client, bucket = s3
    with pytest.raises(ArchiveError, match="gone.mp4: no such file"):
        archive_file(local_path=tmp_path / "gone.mp4", key="k", bucket=bucket, client=client)


def test_digests_use_the_part_size_boto3_will_use(tmp_path):
    path = tmp_path / "f"
    parts = [b"a" * PART, b"b" * PART, b"c" * 5]
    path.write_bytes(b"".join(parts))
    digests = file_digests(path, config=transfer_config(PART))
    assert digests.parts == 3
    assert digests.etag == hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"
    # boto3 raises parts below S3's 5 MiB minimum to 5 MiB, and so must the prediction.
    assert file_digests(path, config=transfer_config(1024)).parts == 3


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        ({"ContentLength": 3, "ETag": '"x"'}, "neither an MD5 ETag nor a SHA-256"),
        ({"ContentLength": 4, "ETag": '"900150983cd24fb0d6963f7d28e17f72"'}, "size 4 in storage, 3 locally"),
        ({"ContentLength": 3, "ETag": '"00000000000000000000000000000000"'}, "ETag 0000"),
        ({"ContentLength": 3, "ChecksumSHA256": "AAAA"}, "SHA-256 checksum AAAA"),
    ],
)
def test_verification_names_what_differs(tmp_path, head, problem):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    expected = file_digests(path, config=transfer_config(PART))
    assert any(problem in p for p in verification_problems(head, expected))
    assert (
        verification_problems(
            {"ContentLength": 3, "ETag": f'"{expected.etag}"', "ChecksumSHA256": expected.checksum_sha256}, expected
        )
        == []
    )
