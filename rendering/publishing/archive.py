"""Archive a media file to S3-compatible storage and prove it arrived before removing the local copy (no Django).

The proof is what the server computed from the bytes it received, compared with what we computed from the
file: the size, the MD5 ETag (for a multipart upload, the MD5 of the parts' MD5s with a ``-N`` suffix) and the
SHA-256 checksum S3 keeps when asked to (``ChecksumAlgorithm='SHA256'``; composite for multipart). At least
one of the two digests must be there and every one present must match; otherwise the local file stays.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import boto3
from boto3.s3.transfer import S3UploadFailedError, TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.utils import ChunksizeAdjuster

DEFAULT_PART_SIZE = 64 * 1024 * 1024
_READ_BLOCK = 1024 * 1024
_MD5_ETAG = re.compile(r"[0-9a-f]{32}(-\d+)?")


class ArchiveError(Exception):
    """The file could not be archived or the archived copy does not match; the local file was kept."""


@dataclass(frozen=True)
class Digests:
    size: int
    sha256: str  # hex, whole file
    etag: str  # what S3 reports for these bytes uploaded with this part size
    checksum_sha256: str  # base64; composite (SHA-256 of the parts' SHA-256s) for multipart
    parts: int  # 0: single PUT


@dataclass(frozen=True)
class Archived:
    bucket: str
    key: str
    size: int
    sha256: str
    etag: str
    local_deleted: bool


def s3_client(*, endpoint_url: str | None, region_name: str | None, access_key: str | None, secret_key: str | None):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
    )


def transfer_config(part_size: int = DEFAULT_PART_SIZE) -> TransferConfig:
    return TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size)


def file_digests(path: Path, *, config: TransferConfig) -> Digests:
    """One read of the file: whole SHA-256 plus the per-part MD5 and SHA-256 that boto3's part size yields."""
    size = path.stat().st_size
    multipart = size >= config.multipart_threshold
    part_size = ChunksizeAdjuster().adjust_chunksize(config.multipart_chunksize, size) if multipart else max(size, 1)
    whole = hashlib.sha256()
    part_md5s: list[bytes] = []
    part_shas: list[bytes] = []
    with path.open("rb") as handle:
        for first in range(0, max(size, 1), part_size):
            md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
            left = min(part_size, size - first)
            while left:
                block = handle.read(min(_READ_BLOCK, left))
                if not block:
                    raise ArchiveError(f"{path} shrank while being read; is something still writing it?")
                whole.update(block)
                md5.update(block)
                sha.update(block)
                left -= len(block)
            part_md5s.append(md5.digest())
            part_shas.append(sha.digest())
    if not multipart:
        return Digests(size, whole.hexdigest(), part_md5s[0].hex(), _b64(whole.digest()), 0)
    etag = hashlib.md5(b"".join(part_md5s), usedforsecurity=False).hexdigest() + f"-{len(part_md5s)}"
    composite = _b64(hashlib.sha256(b"".join(part_shas)).digest())
    return Digests(size, whole.hexdigest(), etag, composite, len(part_md5s))


def verification_problems(head: dict, expected: Digests) -> list[str]:
    """What differs between a ``head_object(ChecksumMode='ENABLED')`` answer and the local file (empty: same)."""
    problems = []
    if head.get("ContentLength") != expected.size:
        problems.append(f"size {head.get('ContentLength')} in storage, {expected.size} locally")
    compared = 0
    etag = str(head.get("ETag", "")).strip('"')
    if _MD5_ETAG.fullmatch(etag):  # servers that encrypt with KMS or dedupe report ETags that are not MD5s
        compared += 1
        if etag != expected.etag:
            problems.append(f"ETag {etag} in storage, {expected.etag} computed locally")
    checksum = head.get("ChecksumSHA256")
    if checksum:
        compared += 1
        if checksum.split("-")[0] != expected.checksum_sha256:
            problems.append(f"SHA-256 checksum {checksum} in storage, {expected.checksum_sha256} computed locally")
    if not compared:
        problems.append("the server reported neither an MD5 ETag nor a SHA-256 checksum to compare")
    return problems


def archive_file(
    *,
    local_path: Path,
    key: str,
    bucket: str,
    client,
    config: TransferConfig | None = None,
    delete_local: bool = True,
) -> Archived:
    """Upload ``local_path`` to ``s3://bucket/key`` (multipart above the threshold), verify, then maybe delete it."""
    local_path = Path(local_path)
    if not local_path.is_file():
        raise ArchiveError(f"{local_path}: no such file to archive")
    config = config or transfer_config()
    expected = file_digests(local_path, config=config)
    try:
        client.upload_file(
            str(local_path),
            bucket,
            key,
            ExtraArgs={"ChecksumAlgorithm": "SHA256", "Metadata": {"sha256": expected.sha256}},
            Config=config,
        )
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except (ClientError, BotoCoreError, S3UploadFailedError) as error:
        raise ArchiveError(f"{local_path} -> s3://{bucket}/{key}: {error}") from error
    problems = verification_problems(head, expected)
    if problems:
        mismatch = "; ".join(problems)
        raise ArchiveError(f"s3://{bucket}/{key} does not match {local_path}, which was kept: {mismatch}")
    if delete_local:
        local_path.unlink()
    return Archived(bucket, key, expected.size, expected.sha256, expected.etag, delete_local)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")
