"""Is the destination's object the source's, byte for byte? Each answer names its check.

- `md5-etag`: the source's ETag is its content's MD5 (a single-part upload) and so is the
  destination's (single-part, not SSE-KMS): the two ETags are compared, nothing is read.
- `md5`: the source's ETag is an MD5 but the destination's is not (a multipart upload, or an
  SSE-KMS bucket): the destination is read and hashed, and compared with the source's MD5.
- `sha256`: the source's ETag is not an MD5 (a multipart upload): both sides are read again and
  hashed with SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from platform_storage.migrate.objects import S3Object
from platform_storage.s3_clients import is_missing

CHUNK = 1024 * 1024


class Check(StrEnum):
    MD5_ETAG = "md5-etag"
    MD5 = "md5"
    SHA256 = "sha256"
    NONE = "none"  # missing, or sizes differ: no content check was needed


@dataclass(frozen=True)
class Verdict:
    """`ok`: the destination holds the source's bytes; `problem` says what differs when not."""

    ok: bool
    check: Check
    problem: str | None = None


class HashingReader:
    """A file-like view of a streamed body that hashes what passes through it and reports the
    bytes read (to a progress callback)."""

    def __init__(
        self,
        body: Any,
        algorithms: tuple[str, ...],
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self._body = body
        self.hashes = {name: hashlib.new(name) for name in algorithms}
        self.size = 0
        self._on_bytes = on_bytes

    def read(self, amount: int = -1) -> bytes:
        data: bytes = self._body.read(amount if amount and amount > 0 else CHUNK)
        if data:
            for digest in self.hashes.values():
                digest.update(data)
            self.size += len(data)
            if self._on_bytes is not None:
                self._on_bytes(len(data))
        return data

    def hexdigest(self, algorithm: str) -> str:
        return self.hashes[algorithm].hexdigest()


def stream_digest(client: Any, bucket: str, key: str, algorithm: str) -> tuple[str, int]:
    """The digest and size of an object's content, read in 1 MiB chunks."""
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    reader = HashingReader(body, (algorithm,))
    try:
        while reader.read(CHUNK):
            pass
    finally:
        body.close()
    return reader.hexdigest(algorithm), reader.size


def verify(
    source_client: Any,
    source_bucket: str,
    source: S3Object,
    destination_client: Any,
    destination_bucket: str,
) -> Verdict:
    """Compare the destination's object of `source.key` with `source`."""
    try:
        head = destination_client.head_object(Bucket=destination_bucket, Key=source.key)
    except Exception as error:
        if is_missing(error):
            return Verdict(False, Check.NONE, "missing at the destination")
        raise
    size = int(head["ContentLength"])
    if size != source.size:
        return Verdict(
            False, Check.NONE, f"size {size} at the destination, {source.size} at the source"
        )
    source_md5 = source.plain_md5
    if source_md5 is not None:
        target = S3Object(source.key, size, str(head.get("ETag", "")).strip('"'))
        # SSE-KMS and DSSE-KMS ETags are no MD5 even when they look like one.
        kms = str(head.get("ServerSideEncryption", "")).startswith("aws:kms")
        if not kms and target.plain_md5 is not None:
            same = target.plain_md5 == source_md5
            return Verdict(same, Check.MD5_ETAG, None if same else "MD5 (ETag) differs")
        digest, _ = stream_digest(destination_client, destination_bucket, source.key, "md5")
        same = digest == source_md5
        return Verdict(same, Check.MD5, None if same else "MD5 of the content differs")
    # Read the source again, on its own: the copy's read is what is being checked.
    source_sha256, _ = stream_digest(source_client, source_bucket, source.key, "sha256")
    digest, _ = stream_digest(destination_client, destination_bucket, source.key, "sha256")
    same = digest == source_sha256
    return Verdict(same, Check.SHA256, None if same else "SHA-256 of the content differs")
