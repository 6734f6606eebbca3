"""Recordings under an S3-compatible prefix (AWS S3, Cloudflare R2, MinIO): parse, list, sign, fetch. No Django.

Every failure is an ``S3SourceError`` whose message names the bucket or object and says what is wrong in the
words a streamer knows (no such bucket, access denied), never a botocore traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

# Bucket names per S3's rules (3-63 of lowercase letters, digits, dots, hyphens; R2 and MinIO follow them).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BLOCK = 8 * 1024 * 1024


class S3SourceError(ValueError):
    """The source cannot be read; the message says which bucket or object and why."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    etag: str
    last_modified: datetime | None = None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


def is_s3_url(text: str) -> bool:
    return text.strip().lower().startswith("s3://")


def parse_s3_url(url: str) -> S3Location:
    """``s3://bucket/prefix`` -> its parts; anything else raises ``S3SourceError`` saying what is wrong."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() != "s3":
        raise S3SourceError(f"{url}: not an S3 URL (expected s3://bucket/prefix)")
    if parts.query or parts.fragment:
        raise S3SourceError(f"{url}: an S3 URL has no ?query or #fragment (expected s3://bucket/prefix)")
    if not parts.netloc:
        raise S3SourceError(f"{url}: no bucket name (expected s3://bucket/prefix)")
    if not _BUCKET.fullmatch(parts.netloc) or ".." in parts.netloc:
        raise S3SourceError(f"{url}: {parts.netloc!r} is not a valid bucket name")
    return S3Location(parts.netloc, parts.path.lstrip("/"))


def _explain(error: Exception, where: str) -> S3SourceError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket":
            return S3SourceError(f"{where}: no such bucket")
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch") or status == 403:
            return S3SourceError(f"{where}: access denied (check the S3 credentials and the bucket's policy)")
        if code in ("NoSuchKey", "404") or status == 404:
            return S3SourceError(f"{where}: no such object")
        if code in ("PreconditionFailed", "412") or status == 412:
            return S3SourceError(f"{where}: the object changed since it was listed")
        return S3SourceError(f"{where}: {code or status}: {error.response.get('Error', {}).get('Message', error)}")
    return S3SourceError(f"{where}: cannot reach the S3 service ({error})")


def list_objects(client, location: S3Location, *, page_size: int = 1000) -> list[S3Object]:
    """Every object under the prefix (all pages), in key order; folder markers left out."""
    found = []
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix, PaginationConfig={"PageSize": page_size}
    )
    try:
        for page in pages:
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue
                found.append(
                    S3Object(
                        location.bucket,
                        item["Key"],
                        int(item.get("Size", 0)),
                        str(item.get("ETag", "")).strip('"'),
                        item.get("LastModified"),
                    )
                )
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, str(location)) from None
    return sorted(found, key=lambda o: o.key)


def split_media(objects: Iterable[S3Object], extensions: Iterable[str]) -> tuple[list[S3Object], list[S3Object]]:
    """(objects with a media extension, the others)."""
    wanted = {ext.lower() for ext in extensions}
    media, other = [], []
    for item in objects:
        (media if PurePosixPath(item.key).suffix.lower() in wanted else other).append(item)
    return media, other


def presigned_get(client, item: S3Object, *, expires: int) -> str:
    """A GET URL for the object that ffmpeg can read (with ranges) for ``expires`` seconds."""
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": item.bucket, "Key": item.key}, ExpiresIn=expires
    )


def read_head(client, item: S3Object, length: int = 12) -> bytes:
    """The object's first bytes (one ranged GET)."""
    try:
        answer = client.get_object(Bucket=item.bucket, Key=item.key, Range=f"bytes=0-{length - 1}")
        return answer["Body"].read()
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, item.url) from None


def download(client, item: S3Object, target: Path, *, progress: Callable[[int], None] | None = None) -> None:
    """Fetch the object to ``target`` in blocks, refusing a version other than the one listed (its ETag)."""
    try:
        extra = {"IfMatch": f'"{item.etag}"'} if item.etag else {}
        body = client.get_object(Bucket=item.bucket, Key=item.key, **extra)["Body"]
        with open(target, "wb") as sink:
            for block in body.iter_chunks(_BLOCK):
                sink.write(block)
                if progress:
                    progress(len(block))
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, item.url) from None


def make_client(
    *, endpoint_url: str | None, region: str | None, access_key: str | None, secret_key: str | None, style: str
):
    """A boto3 S3 client; R2 and MinIO are an ``endpoint_url`` (and usually ``style="path"``)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": style}, signature_version="s3v4", retries={"mode": "standard"}),
    )
