"""Copy one object, streamed: the source body flows into the destination part by part.

At most one part (`part_size`) of an object is held at a time: an object below that size goes up
in one PutObject, a larger one in a multipart upload run here (not by s3transfer) so that every
part carries its Content-MD5, which S3 checks on receipt, and so that the upload is completed
only once the whole source was read and found to be what the source says it holds; otherwise
it is aborted and nothing appears at the destination.

Every write is conditional on what the listing saw: `If-None-Match: *` where the destination had
no object, `If-Match: <its ETag>` where `--overwrite` replaces one. An object written at the
destination by someone else after the listing is therefore never replaced (S3 answers 412, and
the object is compared again). Content-Type, the other content headers and user metadata are
kept.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from platform_storage.migrate.objects import S3Object
from platform_storage.migrate.verify import CHUNK, Check, HashingReader, Verdict

# Headers of the source object that travel with it.
KEPT_HEADERS = (
    "ContentType",
    "ContentEncoding",
    "ContentLanguage",
    "ContentDisposition",
    "CacheControl",
)


MAX_PARTS = 10_000  # S3's limit on the parts of one multipart upload
MiB = 1024 * 1024


def part_size_for(size: int, part_size: int) -> int:
    """`part_size`, or for an object that would need more than `MAX_PARTS` parts of it the
    smallest whole number of MiB that fits (a 5 TiB object: 525 MiB parts)."""
    least = -(-size // MAX_PARTS)
    return max(part_size, -(-least // MiB) * MiB)


class CopyError(RuntimeError):
    """What was read from the source is not what the source said it holds (a bad read: worth
    another attempt)."""


@dataclass(frozen=True)
class Copied:
    """The source object as it was read (size and ETag of that read), the ETag of the object
    written, and, when S3's answer to the upload settles it, the verdict (None: verify by reading
    afterwards)."""

    source: S3Object
    etag: str
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Condition:
    """`expected_etag` None: the destination must have no object of the key; else it must
    still hold the object of that ETag (an `--overwrite`)."""

    expected_etag: str | None

    def arguments(self) -> dict[str, str]:
        if self.expected_etag is None:
            return {"IfNoneMatch": "*"}
        return {"IfMatch": f'"{self.expected_etag}"'}


def copy_object(
    source_client: Any,
    source_bucket: str,
    key: str,
    destination_client: Any,
    destination_bucket: str,
    *,
    part_size: int,
    condition: Condition,
    on_bytes: Callable[[int], None] | None = None,
    on_send: Callable[[str], None] | None = None,
) -> Copied:
    """Copy `key`; `on_send` hears the ETag the written object will have (the MD5 of its bytes,
    or of its parts' MD5s) just before the write that creates it, so that the caller knows its
    own object again when the answer to that write is lost."""
    response = source_client.get_object(Bucket=source_bucket, Key=key)
    body = response["Body"]
    source = S3Object(key, int(response["ContentLength"]), str(response.get("ETag", "")).strip('"'))
    reader = HashingReader(body, ("md5",) if source.plain_md5 is not None else (), on_bytes)
    extra: dict[str, Any] = {name: response[name] for name in KEPT_HEADERS if response.get(name)}
    extra["Metadata"] = dict(response.get("Metadata") or {})
    target = _Target(
        destination_client, destination_bucket, key, condition, extra, on_send or _ignore
    )
    try:
        if source.size < part_size:
            return _put_whole(reader, source, target)
        return _put_in_parts(reader, source, target, part_size_for(source.size, part_size))
    finally:
        body.close()


@dataclass(frozen=True)
class _Target:
    client: Any
    bucket: str
    key: str
    condition: Condition
    extra: dict[str, Any]
    on_send: Callable[[str], None]


def _ignore(etag: str) -> None:
    pass


def _read(reader: HashingReader, amount: int) -> bytes:
    chunks = []
    left = amount
    while left > 0 and (data := reader.read(min(CHUNK, left))):
        chunks.append(data)
        left -= len(data)
    return b"".join(chunks)


def _check_read(reader: HashingReader, source: S3Object) -> None:
    if reader.size != source.size:
        raise CopyError(f"read {reader.size} bytes of {source.size}")
    if source.plain_md5 is not None and reader.hexdigest("md5") != source.plain_md5:
        raise CopyError("the bytes read do not match the source's MD5 (ETag)")


def _content_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _put_whole(reader: HashingReader, source: S3Object, target: _Target) -> Copied:
    """One PutObject carrying its Content-MD5: S3 refuses it unless it received exactly these
    bytes, and for a source whose ETag is an MD5 the bytes were checked against it first."""
    content = _read(reader, source.size + 1)
    _check_read(reader, source)
    target.on_send(hashlib.md5(content, usedforsecurity=False).hexdigest())
    response = target.client.put_object(
        Bucket=target.bucket,
        Key=target.key,
        Body=content,
        ContentMD5=_content_md5(content),
        **target.condition.arguments(),
        **target.extra,
    )
    etag = str(response.get("ETag", "")).strip('"')
    if source.plain_md5 is None:
        return Copied(source, etag)  # no MD5 to hold it against: verified by SHA-256 afterwards
    if str(response.get("ServerSideEncryption", "")).startswith("aws:kms"):
        # The ETag is no MD5, but S3 accepted the Content-MD5 of bytes that matched the
        # source's MD5.
        return Copied(source, etag, Verdict(True, Check.MD5))
    if etag == source.plain_md5:
        return Copied(source, etag, Verdict(True, Check.MD5_ETAG))
    # An ETag that should be the MD5 and is not: settle nothing, the object is read back.
    return Copied(source, etag)


def _put_in_parts(
    reader: HashingReader, source: S3Object, target: _Target, part_size: int
) -> Copied:
    upload = target.client.create_multipart_upload(
        Bucket=target.bucket, Key=target.key, **target.extra
    )["UploadId"]
    try:
        parts = []
        digests = []
        number = 1
        while data := _read(reader, part_size):
            digests.append(hashlib.md5(data, usedforsecurity=False).digest())
            response = target.client.upload_part(
                Bucket=target.bucket,
                Key=target.key,
                UploadId=upload,
                PartNumber=number,
                Body=data,
                ContentMD5=_content_md5(data),
            )
            parts.append({"PartNumber": number, "ETag": response["ETag"]})
            number += 1
        _check_read(reader, source)  # before completing: a bad read never becomes an object
        whole = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
        target.on_send(f"{whole}-{len(digests)}")
        completed = target.client.complete_multipart_upload(
            Bucket=target.bucket,
            Key=target.key,
            UploadId=upload,
            MultipartUpload={"Parts": parts},
            **target.condition.arguments(),
        )
    except BaseException:
        # A failed abort leaves parts that the bucket's lifecycle rule removes; the original
        # error is the one to report.
        with contextlib.suppress(Exception):
            target.client.abort_multipart_upload(
                Bucket=target.bucket, Key=target.key, UploadId=upload
            )
        raise
    # S3 checked each part's MD5 and the whole stream was held against the source's MD5 where
    # it has one; the verification afterwards still reads the destination back.
    return Copied(source, str(completed.get("ETag", "")).strip('"'))
