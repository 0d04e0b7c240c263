"""Objects of a bucket as listed, and two listings walked side by side.

Listings are read page by page and joined as two sorted streams, so a bucket of any size is
compared in constant memory. S3 (and MinIO) list keys in UTF-8 byte order; a listing that is not
in that order is refused rather than misjoined.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class S3Object:
    """One object as a listing or HEAD shows it. `etag` without its quotes."""

    key: str
    size: int
    etag: str

    @property
    def plain_md5(self) -> str | None:
        """The content's MD5 when the ETag is one (a single-part upload without SSE-KMS), else
        None (a multipart ETag `<md5 of md5s>-<parts>`, or an encrypted object's)."""
        etag = self.etag.lower()
        return etag if _PLAIN_MD5.fullmatch(etag) else None


class ListingOrderError(RuntimeError):
    """A listing came back out of UTF-8 byte order."""


def list_objects(client: Any, bucket: str, prefix: str = "") -> Iterator[S3Object]:
    """Every object of `bucket` under `prefix`, page by page, checked to be in key order."""
    previous: bytes | None = None
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            encoded = key.encode("utf-8")
            if previous is not None and encoded <= previous:
                raise ListingOrderError(
                    f"bucket {bucket!r} listed {key!r} after a key that sorts later; the server"
                    " does not list in S3's order"
                )
            previous = encoded
            yield S3Object(
                key=key,
                size=int(item["Size"]),
                etag=str(item.get("ETag", "")).strip('"'),
            )


def head_object(client: Any, bucket: str, key: str) -> dict[str, Any]:
    """HEAD of one object (size, ETag, type, metadata, encryption)."""
    response: dict[str, Any] = client.head_object(Bucket=bucket, Key=key)
    return response


def join(
    source: Iterator[S3Object], destination: Iterator[S3Object]
) -> Iterator[tuple[S3Object | None, S3Object | None]]:
    """Both listings walked in key order: (source, destination) per key, None where a side has
    no object of that key."""
    src = next(source, None)
    dst = next(destination, None)
    while src is not None or dst is not None:
        if dst is None or (src is not None and src.key.encode() < dst.key.encode()):
            yield src, None
            src = next(source, None)
        elif src is None or dst.key.encode() < src.key.encode():
            yield None, dst
            dst = next(destination, None)
        else:
            yield src, dst
            src = next(source, None)
            dst = next(destination, None)
