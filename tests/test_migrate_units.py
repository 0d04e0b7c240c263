"""migrate's pieces without a server: the key-order join, ETag reading, progress output."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_storage.migrate.command import UsageError, bucket_mapping
from platform_storage.migrate.objects import ListingOrderError, S3Object, join, list_objects
from platform_storage.migrate.progress import Progress
from platform_storage.migrate.units import size
from platform_storage.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent


def objects(*keys: str) -> Iterator[S3Object]:
    return iter(S3Object(key, 1, "0" * 32) for key in keys)


def test_join_pairs_keys_in_utf8_byte_order() -> None:
    # By UTF-8 bytes: 'a b' < 'a/b' < 'ab' < 'z' < 'É/x' ('É' is C3 89).
    source = objects("a b", "a/b", "z", "É/x")
    destination = objects("a/b", "ab", "É/x")
    pairs = [(s.key if s else None, d.key if d else None) for s, d in join(source, destination)]
    assert pairs == [("a b", None), ("a/b", "a/b"), (None, "ab"), ("z", None), ("É/x", "É/x")]


class FakePaginator:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def paginate(self, **_: object) -> Iterator[dict[str, object]]:
        yield {"Contents": [{"Key": k, "Size": 1, "ETag": '"x"'} for k in self.keys]}


class FakeClient:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def get_paginator(self, name: str) -> FakePaginator:
        return FakePaginator(self.keys)


def test_a_listing_out_of_order_is_refused_not_misjoined() -> None:
    with pytest.raises(ListingOrderError, match="does not list in S3's order"):
        list(list_objects(FakeClient(["b", "a"]), "bucket"))


@pytest.mark.parametrize(
    ("etag", "md5"),
    [
        ("9e107d9d372bb6826bd81d3542a419d6", "9e107d9d372bb6826bd81d3542a419d6"),
        ("9E107D9D372BB6826BD81D3542A419D6", "9e107d9d372bb6826bd81d3542a419d6"),
        ("a2ba3a71c6c47b3c4ac7b9e1c4f32d80-3", None),
        ("", None),
    ],
)
def test_only_a_single_part_etag_is_read_as_an_md5(etag: str, md5: str | None) -> None:
    assert S3Object("k", 1, etag).plain_md5 == md5


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(stream, objects=4, total_bytes=4096, interval=0)
    for _ in range(4):
        progress.moved(1024)
        progress.object_done(1024)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 5 and text.count("\n") == 1
    assert "[##############################] 4/4 objects, 4.0 KiB/4.0 KiB" in text


def test_progress_writes_plain_lines_elsewhere() -> None:
    stream = io.StringIO()
    progress = Progress(stream, objects=2, total_bytes=10, interval=0)
    progress.object_done(5)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("progress: 1/2 objects, 5 B/10 B")
    assert "\r" not in stream.getvalue()


@pytest.mark.parametrize(
    ("nbytes", "shown"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 2**30, "5.0 GiB")]
)
def test_sizes_read_as_people_write_them(nbytes: int, shown: str) -> None:
    assert size(nbytes) == shown


class _Raw:
    """An HTTP body as botocore reads it."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self.body


_LISTING = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>1</KeyCount>
<IsTruncated>false</IsTruncated><Contents><Key>k</Key><LastModified>2026-12-07T11:52:22.000Z</LastModified>
<ETag>"00000000000000000000000000000000"</ETag><Size>1</Size></Contents></ListBucketResult>"""


@pytest.mark.parametrize("raw", [True, False])
def test_raw_timestamps_leave_the_listed_dates_as_text(raw: bool) -> None:
    from botocore.awsrequest import AWSResponse

    from platform_storage.s3_clients import ClientSettings, s3_client

    client = s3_client(
        ClientSettings(
            endpoint="http://127.0.0.1:9",
            region="us-east-1",
            access_key_id="a",
            secret_access_key="b",
            raw_timestamps=raw,
        )
    )
    client.meta.events.register(
        "before-send.s3.ListObjectsV2",
        lambda request, **_: AWSResponse(request.url, 200, {}, _Raw(_LISTING)),
    )
    (item,) = client.list_objects_v2(Bucket="b")["Contents"]
    assert isinstance(item["LastModified"], str) is raw


def test_the_chart_buckets_map_to_the_configurations_by_default() -> None:
    assert bucket_mapping(load_plan(ROOT / "storage.yaml"), []) == {
        "massdriver": "example-massdriver-bundles",
        "state": "example-massdriver-tfstate",
        "argo": "example-massdriver-argo-artifacts",
    }


def test_argo_left_on_minio_is_not_migrated() -> None:
    plan = load_plan(ROOT / "examples/massdriver-s3-argo-minio/storage.yaml")
    assert bucket_mapping(plan, []) == {
        "massdriver": "acme-massdriver-bundles",
        "state": "acme-massdriver-tfstate",
    }


def test_bucket_overrides_replace_and_add_pairs_in_order() -> None:
    plan = load_plan(ROOT / "storage.yaml")
    mapping = bucket_mapping(plan, ["state=moved-tfstate", "extra-minio=extra-s3"])
    assert mapping == {
        "massdriver": "example-massdriver-bundles",
        "state": "moved-tfstate",
        "argo": "example-massdriver-argo-artifacts",
        "extra-minio": "extra-s3",
    }


def test_two_sources_into_one_destination_are_refused() -> None:
    plan = load_plan(ROOT / "storage.yaml")
    with pytest.raises(UsageError, match="destination 'example-massdriver-tfstate' receives two"):
        bucket_mapping(plan, ["argo=example-massdriver-tfstate"])
