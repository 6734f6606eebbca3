"""S3 source helpers over literal data: URL parsing, media by extension, errors in a streamer's words."""

import subprocess
import sys

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from streams.s3_source import S3Location, S3Object, S3SourceError, _explain, is_s3_url, parse_s3_url, split_media


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://vods/2024/may/", S3Location("vods", "2024/may/")),
        ("  S3://my.bucket-1  ", S3Location("my.bucket-1", "")),
        ("s3://vods//obs/", S3Location("vods", "obs/")),
    ],
)
def test_parse_s3_url(url, expected):
    assert parse_s3_url(url) == expected
    assert is_s3_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://vods.s3.amazonaws.com/x", "not an S3 URL"),
        ("s3:/vods/x", "no bucket name"),
        ("s3://", "no bucket name"),
        ("s3://ab/x", "'ab' is not a valid bucket name"),
        ("s3://UPPER/x", "'UPPER' is not a valid bucket name"),
        ("s3://a..b/x", "'a..b' is not a valid bucket name"),
        ("s3://vods/x#frag", "no ?query or #fragment"),
    ],
)
def test_malformed_s3_urls_say_what_is_wrong(url, message):
    with pytest.raises(S3SourceError, match=message.replace("?", r"\?")):
        parse_s3_url(url)


def test_split_media_by_extension_case_insensitively():
    objects = [S3Object("b", key, 1, "e") for key in ("a/REC.MKV", "a/notes.txt", "a/b.mp4", "a/noext")]
    media, other = split_media(objects, [".mkv", ".mp4"])
    assert [o.key for o in media] == ["a/REC.MKV", "a/b.mp4"]
    assert [o.key for o in other] == ["a/notes.txt", "a/noext"]
    assert media[0].name == "REC.MKV" and media[0].url == "s3://b/a/REC.MKV"


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "op")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (client_error("NoSuchBucket", 404), "s3://b/p: no such bucket"),
        (client_error("AccessDenied", 403), "s3://b/p: access denied"),
        (client_error("InvalidAccessKeyId", 403), "s3://b/p: access denied"),
        (client_error("NoSuchKey", 404), "s3://b/p: no such object"),
        (client_error("PreconditionFailed", 412), "s3://b/p: the object changed since it was listed"),
        (client_error("SlowDown", 503), "s3://b/p: SlowDown: m"),
        (EndpointConnectionError(endpoint_url="http://minio:9000"), "s3://b/p: cannot reach the S3 service"),
    ],
)
def test_errors_are_explained(error, message):
    assert str(_explain(error, "s3://b/p")).startswith(message)


def test_the_source_helpers_import_without_django():
    code = "import sys, streams.s3_source; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
