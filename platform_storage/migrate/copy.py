"""Copy one object, streamed: the source body flows into the destination upload part by part.

At most one part (`part_size`) of an object is held at a time; objects below the multipart
threshold go up in one request with their Content-MD5, which S3 checks on receipt.
Content-Type, the other content headers and user metadata are kept. What was read is hashed on
the way (MD5 when the source's ETag is an MD5, to catch a bad read; SHA-256 otherwise, for the
verification that follows).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.s3.transfer import TransferConfig

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


class CopyError(RuntimeError):
    """What was read from the source is not what the source said it holds."""


@dataclass(frozen=True)
class Copied:
    """The source object as it was read (size and ETag of that read); the SHA-256 of what was
    sent when the source's ETag is no MD5; and, for a single-request upload, the verdict S3
    gave on receipt (None: verify afterwards)."""

    source: S3Object
    sha256: str | None
    verdict: Verdict | None = None


def transfer_config(*, threshold: int, part_size: int) -> TransferConfig:
    """One object, one thread: parallelism comes from copying several objects at once, which
    keeps memory at `jobs` parts at most."""
    return TransferConfig(
        multipart_threshold=threshold,
        multipart_chunksize=part_size,
        max_concurrency=1,
        use_threads=False,
    )


def copy_object(
    source_client: Any,
    source_bucket: str,
    key: str,
    destination_client: Any,
    destination_bucket: str,
    *,
    config: TransferConfig,
    on_bytes: Callable[[int], None] | None = None,
) -> Copied:
    response = source_client.get_object(Bucket=source_bucket, Key=key)
    body = response["Body"]
    source = S3Object(key, int(response["ContentLength"]), str(response.get("ETag", "")).strip('"'))
    algorithm = "md5" if source.plain_md5 is not None else "sha256"
    reader = HashingReader(body, (algorithm,), on_bytes)
    extra: dict[str, Any] = {name: response[name] for name in KEPT_HEADERS if response.get(name)}
    extra["Metadata"] = dict(response.get("Metadata") or {})
    try:
        if source.size < config.multipart_threshold:
            return _put_whole(reader, source, destination_client, destination_bucket, extra)
        destination_client.upload_fileobj(
            reader, destination_bucket, key, ExtraArgs=extra, Config=config
        )
    finally:
        body.close()
    _check_read(reader, source)
    return Copied(source, reader.hexdigest("sha256") if algorithm == "sha256" else None)


def _check_read(reader: HashingReader, source: S3Object) -> None:
    if reader.size != source.size:
        raise CopyError(f"read {reader.size} bytes of {source.size}")
    if source.plain_md5 is not None and reader.hexdigest("md5") != source.plain_md5:
        raise CopyError("the bytes read do not match the source's MD5 (ETag)")


def _put_whole(
    reader: HashingReader,
    source: S3Object,
    destination_client: Any,
    destination_bucket: str,
    extra: dict[str, Any],
) -> Copied:
    """An object below the multipart threshold, in one PutObject carrying its Content-MD5: S3
    refuses the upload unless it received exactly those bytes, and its ETag is that MD5."""
    chunks = []
    while data := reader.read(CHUNK):
        chunks.append(data)
    content = b"".join(chunks)
    _check_read(reader, source)
    md5 = hashlib.md5(content, usedforsecurity=False)
    response = destination_client.put_object(
        Bucket=destination_bucket,
        Key=source.key,
        Body=content,
        ContentMD5=base64.b64encode(md5.digest()).decode(),
        **extra,
    )
    sha256 = None if source.plain_md5 is not None else hashlib.sha256(content).hexdigest()
    etag = str(response.get("ETag", "")).strip('"')
    if source.plain_md5 is None:
        return Copied(source, sha256)  # checked by SHA-256 afterwards, as the source's ETag says
    if response.get("ServerSideEncryption") != "aws:kms" and etag == source.plain_md5:
        return Copied(source, None, Verdict(True, Check.MD5_ETAG))
    # SSE-KMS: the ETag is no MD5, but S3 accepted the Content-MD5 of the source's bytes.
    return Copied(source, None, Verdict(True, Check.MD5))
