"""`migrate` between two local S3 APIs: moto's server playing MinIO (path-style, its own keys)
and another playing AWS. 2,000+ objects: zero-byte, a 100 MB multipart upload, a 20 MB
single-part one, Unicode and space keys, deep prefixes, custom metadata and content types.
Faults: HTTP errors, stalls past the timeout, bodies cut mid-stream, a killed process, a
corrupted destination object, a source object that cannot be read."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from boto3.s3.transfer import TransferConfig

from platform_storage.cli import main
from tests.conftest import ROOT
from tests.s3_servers import ACCESS, FaultProxy, Faults, S3Server

MB = 1024 * 1024
SOURCE_BUCKETS = ("massdriver", "state", "argo")
SPECIAL_KEYS = (
    "logs/déploiement 1/ü.log",
    "state/日本/環境.tfstate",
    "a b/c d.txt",
    "emoji/🚀.json",
    "plus+and=equals&amp.txt",
    "deep/" + "/".join(f"d{j}" for j in range(40)) + "/leaf.txt",
)


@dataclass(frozen=True)
class Source:
    server: S3Server
    objects: dict[tuple[str, str], bytes]  # small objects' content by (bucket, key)
    large: dict[tuple[str, str], int]  # large objects' sizes
    metadata: dict[tuple[str, str], tuple[str, dict[str, str]]]

    @property
    def count(self) -> int:
        return len(self.objects) + len(self.large)


def _small_objects(seed: int = 7) -> Iterator[tuple[str, str, bytes, str, dict[str, str]]]:
    rng = random.Random(seed)
    for i in range(2000):
        bucket = SOURCE_BUCKETS[i % 3]
        name = "tf.tfstate" if bucket == "state" else "bundle.tar"
        key = f"org-{i % 11}/env-{i % 23}/{i:05d}/{name}"
        size = 0 if i % 97 == 0 else rng.randint(1, 4096)
        kind = ("application/x-tar", "application/json", "text/plain")[i % 3]
        yield bucket, key, rng.randbytes(size), kind, {"owner": f"team-{i % 7}", "seq": str(i)}
    for j, key in enumerate(SPECIAL_KEYS):
        yield SOURCE_BUCKETS[j % 3], key, rng.randbytes(100 + j), "text/plain", {"special": "yes"}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    server = S3Server(tmp_path_factory.mktemp("minio"))
    try:
        client = server.s3()
        for bucket in SOURCE_BUCKETS:
            client.create_bucket(Bucket=bucket)
        objects: dict[tuple[str, str], bytes] = {}
        metadata: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}

        def put(item: tuple[str, str, bytes, str, dict[str, str]]) -> None:
            bucket, key, body, kind, meta = item
            client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=kind, Metadata=meta)

        items = list(_small_objects())
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(put, items))
        for bucket, key, body, kind, meta in items:
            objects[(bucket, key)] = body
            metadata[(bucket, key)] = (kind, meta)
        big = random.Random(1).randbytes(100 * MB)
        client.upload_fileobj(
            io.BytesIO(big),
            "state",
            "large/multipart-100mb.bin",
            ExtraArgs={"ContentType": "application/octet-stream", "Metadata": {"parts": "yes"}},
            Config=TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB),
        )
        client.put_object(Bucket="massdriver", Key="large/single-20mb.bin", Body=big[: 20 * MB])
        large = {("state", "large/multipart-100mb.bin"): 100 * MB}
        large[("massdriver", "large/single-20mb.bin")] = 20 * MB
        metadata[("state", "large/multipart-100mb.bin")] = (
            "application/octet-stream",
            {"parts": "yes"},
        )
        yield Source(server, objects, large, metadata)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("aws"))
    yield server
    server.stop()


@dataclass
class Target:
    """Destination buckets of one test, and the configuration that creates them."""

    config: Path
    buckets: dict[str, str]  # source -> destination
    client: Any


_counter = iter(range(1000))


@pytest.fixture
def target(aws: S3Server, tmp_path: Path) -> Target:
    tag = f"t{next(_counter)}"
    config = yaml.safe_load((ROOT / "storage.yaml").read_text())
    names = {
        "massdriver": f"{tag}-bundles",
        "state": f"{tag}-tfstate",
        "argo": f"{tag}-argo-artifacts",
    }
    config["massdriver"]["buckets"] = {"massdriver": names["massdriver"], "state": names["state"]}
    config["massdriver"]["argo"]["bucket"] = names["argo"]
    path = tmp_path / "storage.yaml"
    path.write_text(yaml.safe_dump(config))
    client = aws.s3(region="us-east-2")
    for name in names.values():
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-east-2"}
        )
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return Target(path, names, client)


@pytest.fixture
def environment(aws: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Source keys in SOURCE_AWS_*, the destination through the SDK's standard settings."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\ns3 =\n  addressing_style = path\n")
    env = {
        "SOURCE_AWS_ACCESS_KEY_ID": "minio-root",
        "SOURCE_AWS_SECRET_ACCESS_KEY": "minio-root-password",
        "AWS_ACCESS_KEY_ID": ACCESS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": ACCESS["aws_secret_access_key"],
        "AWS_ENDPOINT_URL_S3": aws.url,
        "AWS_CONFIG_FILE": str(config),
        "AWS_REGION": "us-east-2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env


def migrate(
    target: Target, endpoint: str, tmp_path: Path, *flags: str
) -> tuple[int, str, str, dict[str, Any]]:
    stdout, stderr = io.StringIO(), io.StringIO()
    report = tmp_path / f"report-{time.monotonic_ns()}.json"
    code = main(
        [
            "migrate",
            "--config",
            str(target.config),
            "--from-endpoint",
            endpoint,
            "--report",
            str(report),
            "--no-progress",
            *flags,
        ],
        stdout,
        stderr,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return code, stdout.getvalue(), stderr.getvalue(), data


def records(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["bucket"], r["key"]): r for r in report["objects"]}


def assert_destination_matches(source: Source, target: Target) -> None:
    """Read back independently: every object, its bytes, its type and its metadata."""
    for (bucket, key), body in source.objects.items():
        got = target.client.get_object(Bucket=target.buckets[bucket], Key=key)
        assert got["Body"].read() == body, (bucket, key)
        kind, meta = source.metadata[(bucket, key)]
        assert got["ContentType"] == kind
        assert got["Metadata"] == meta
    for (bucket, key), size in source.large.items():
        head = target.client.head_object(Bucket=target.buckets[bucket], Key=key)
        assert head["ContentLength"] == size


def assert_listings_match(source: Source, target: Target) -> None:
    """Cheaper than reading back: sizes and single-part ETags (MD5s) of both listings."""
    client = source.server.s3()
    for bucket, destination in target.buckets.items():
        theirs = {
            o["Key"]: (o["Size"], o["ETag"])
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])
        }
        ours = {
            o["Key"]: (o["Size"], o["ETag"])
            for page in target.client.get_paginator("list_objects_v2").paginate(Bucket=destination)
            for o in page.get("Contents", [])
        }
        assert set(ours) == set(theirs)
        for key, (size, etag) in theirs.items():
            assert ours[key][0] == size, key
            if "-" not in etag and size < 8 * MB:
                assert ours[key][1] == etag, key


@pytest.mark.slow
def test_migration_copies_every_object_and_verifies_each_with_a_named_check(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    code, out, err, report = migrate(target, source.server.url, tmp_path)
    assert code == 0, out + err
    assert "Verified: all" in out
    found = records(report)
    assert len(found) == source.count >= 2000
    assert all(r["ok"] and r["action"] == "copied" for r in found.values())
    assert found[("state", "large/multipart-100mb.bin")]["check"] == "sha256"
    assert found[("massdriver", "large/single-20mb.bin")]["check"] == "md5"  # multipart at dest
    small = [r for k, r in found.items() if k in source.objects]
    assert {r["check"] for r in small} == {"md5-etag"}
    assert_destination_matches(source, target)
    big = target.client.get_object(Bucket=target.buckets["state"], Key="large/multipart-100mb.bin")
    assert big["Metadata"] == {"parts": "yes"}

    # A second run finds everything in place and copies nothing.
    code, out, _, again = migrate(target, source.server.url, tmp_path)
    assert code == 0
    assert {r["action"] for r in again["objects"]} == {"identical"}


@pytest.mark.slow
def test_a_different_destination_object_is_reported_and_kept_unless_overwrite(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    key = "org-1/env-1/00001/tf.tfstate"
    theirs = b"written at the destination by someone else"
    target.client.put_object(Bucket=target.buckets["state"], Key=key, Body=theirs)
    code, out, _, report = migrate(target, source.server.url, tmp_path)
    assert code == 1
    assert f"state/{key}: conflict:" in out
    assert records(report)[("state", key)]["action"] == "conflict"
    current = target.client.get_object(Bucket=target.buckets["state"], Key=key)["Body"].read()
    assert current == theirs

    code, out, _, report = migrate(target, source.server.url, tmp_path, "--overwrite")
    assert code == 0, out
    assert records(report)[("state", key)]["action"] == "overwritten"
    versions = target.client.list_object_versions(Bucket=target.buckets["state"], Prefix=key)
    assert len(versions["Versions"]) == 2  # the replaced object stays as a noncurrent version


@pytest.mark.slow
def test_verify_only_catches_hand_corruption_and_missing_objects(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    code, *_ = migrate(target, source.server.url, tmp_path)
    assert code == 0
    small_key = "org-2/env-2/00002/bundle.tar"
    original = source.objects[("argo", small_key)]
    corrupted = bytes([original[0] ^ 0xFF]) + original[1:]
    target.client.put_object(Bucket=target.buckets["argo"], Key=small_key, Body=corrupted)
    big = target.client.get_object(Bucket=target.buckets["massdriver"], Key="large/single-20mb.bin")
    data = bytearray(big["Body"].read())
    data[10 * MB] ^= 0x01
    target.client.put_object(
        Bucket=target.buckets["massdriver"], Key="large/single-20mb.bin", Body=bytes(data)
    )
    target.client.delete_object(Bucket=target.buckets["argo"], Key="a b/c d.txt")

    code, out, _, report = migrate(target, source.server.url, tmp_path, "--verify-only")
    assert code == 1
    found = records(report)
    assert found[("argo", small_key)] | {"size": 0} == {
        "bucket": "argo",
        "key": small_key,
        "size": 0,
        "action": "mismatch",
        "check": "md5-etag",
        "ok": False,
        "problem": "MD5 (ETag) differs",
    }
    assert found[("massdriver", "large/single-20mb.bin")]["action"] == "mismatch"
    assert found[("argo", "a b/c d.txt")]["action"] == "missing"
    assert report["problem_count"] == 3
    for line in ("argo/" + small_key, "massdriver/large/single-20mb.bin", "argo/a b/c d.txt"):
        assert line in out


@pytest.mark.slow
def test_dry_run_plans_and_writes_nothing(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    code, out, _, report = migrate(target, source.server.url, tmp_path, "--dry-run")
    assert code == 0
    assert {r["action"] for r in report["objects"]} == {"would-copy"}
    assert "nothing was written" in out
    for bucket in target.buckets.values():
        assert target.client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.slow
def test_dry_run_counts_what_is_already_there_and_what_conflicts(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    same, different = "org-1/env-1/00001/tf.tfstate", "org-4/env-4/00004/tf.tfstate"
    bucket = target.buckets["state"]
    kind, meta = source.metadata[("state", same)]
    body = source.objects[("state", same)]
    target.client.put_object(Bucket=bucket, Key=same, Body=body, ContentType=kind, Metadata=meta)
    target.client.put_object(Bucket=bucket, Key=different, Body=b"someone else's state")
    code, out, _, report = migrate(target, source.server.url, tmp_path, "--dry-run")
    assert code == 0
    found = records(report)
    assert found[("state", same)]["action"] == "identical"
    assert found[("state", different)]["action"] == "conflict"
    state = [r["action"] for r in report["objects"] if r["bucket"] == "state"]
    line = next(x for x in out.splitlines() if x.startswith(f"state -> {bucket}:"))
    assert f"1 conflict, 1 identical, {state.count('would-copy')} would-copy" in line
    assert target.client.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    kept = target.client.get_object(Bucket=bucket, Key=different)["Body"].read()
    assert kept == b"someone else's state"


@pytest.mark.slow
def test_errors_stalls_and_cut_bodies_are_retried_until_everything_verifies(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    faults = Faults(error_every=13, stall_every=211, stall_seconds=4.0, cut_every=17)
    proxy = FaultProxy(source.server.port, faults)
    try:
        # About one request in seven fails here, so the default 4 tries per object ran out for
        # one object of 2,008 in a fresh-clone run; the property is that retries reach a verified
        # copy, so each object gets a budget sized to this fault density.
        code, out, err, report = migrate(
            target, proxy.url, tmp_path, "--timeout", "2", "--attempts", "8"
        )
    finally:
        proxy.stop()
    assert code == 0, out + err
    assert faults.injected["error"] > 100 and faults.injected["cut"] > 50
    assert faults.injected["stall"] > 5
    assert all(r["ok"] for r in report["objects"])
    assert_listings_match(source, target)


@pytest.mark.slow
def test_a_source_object_that_cannot_be_read_fails_alone_and_is_listed(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    faults = Faults(error_every=1, error_status=403, only_key="00005/bundle.tar")
    proxy = FaultProxy(source.server.port, faults)
    try:
        code, out, _, report = migrate(target, proxy.url, tmp_path, "--attempts", "2")
    finally:
        proxy.stop()
    assert code == 1
    failed = [r for r in report["objects"] if not r["ok"]]
    assert [(r["key"], r["action"]) for r in failed] == [("org-5/env-5/00005/bundle.tar", "failed")]
    assert "org-5/env-5/00005/bundle.tar: failed:" in out
    assert report["problem_count"] == 1


@pytest.mark.slow
def test_a_killed_run_resumes_and_loses_nothing(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    command = [
        sys.executable,
        *("-m", "platform_storage", "migrate", "--config", str(target.config)),
        *("--from-endpoint", source.server.url, "--jobs", "4", "--no-progress"),
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        copied = 0
        while copied < 400 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            copied = sum(
                target.client.list_objects_v2(Bucket=b).get("KeyCount", 0)
                for b in target.buckets.values()
            )
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert copied >= 400

    code, out, _, report = migrate(target, source.server.url, tmp_path)
    assert code == 0, out
    actions = [r["action"] for r in report["objects"]]
    assert actions.count("identical") >= 400
    assert actions.count("copied") > 0
    assert set(actions) == {"identical", "copied"}
    assert_destination_matches(source, target)


def test_source_credentials_are_required_in_one_line(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_AWS_ACCESS_KEY_ID", raising=False)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        ["migrate", "--config", str(target.config), "--from-endpoint", "http://127.0.0.1:9"],
        stdout,
        stderr,
    )
    assert code == 2
    assert stderr.getvalue().startswith("migrate: source credentials: set SOURCE_AWS_ACCESS_KEY_ID")
    assert stderr.getvalue().count("\n") == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--bucket", "massdriver"], "--bucket 'massdriver' must be SRC=DEST"),
        (["--bucket", "massdriver=Bad_Name"], "DEST 'Bad_Name' may contain only"),
        (["--jobs", "0"], "--jobs 0 must be 1 to 64"),
        (["--part-size-mib", "1"], "--part-size-mib 1 must be 5 to 5120"),
        (["--report", "/nonexistent/dir/r.json"], "directory /nonexistent/dir does not exist"),
        (["--report", "/tmp"], "--report /tmp: not a file that can be written"),
        (["--from-profile", "no-such-profile"], "profile 'no-such-profile': "),
    ],
)
def test_bad_flags_are_refused_in_one_line(
    target: Target, environment: dict[str, str], flags: list[str], message: str
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        [
            "migrate",
            "--config",
            str(target.config),
            "--from-endpoint",
            "http://127.0.0.1:9",
            *flags,
        ],
        stdout,
        stderr,
    )
    assert code == 2
    assert message in stderr.getvalue()
    assert stderr.getvalue().count("\n") == 1
    assert stdout.getvalue() == ""


def test_bad_endpoint_is_refused(target: Target, environment: dict[str, str]) -> None:
    stderr = io.StringIO()
    code = main(
        ["migrate", "--config", str(target.config), "--from-endpoint", "minio:9000"],
        io.StringIO(),
        stderr,
    )
    assert code == 2
    assert "--from-endpoint 'minio:9000' must be an http(s) URL" in stderr.getvalue()


class Intercepted:
    """A source client whose GetObject goes through `on_get(key, call, response)` first."""

    def __init__(self, client: Any, on_get: Any) -> None:
        self._client = client
        self._on_get = on_get
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_object(self, **kwargs: Any) -> Any:
        key = kwargs["Key"]
        self.calls[key] = self.calls.get(key, 0) + 1
        return self._on_get(key, self.calls[key], self._client.get_object(**kwargs))


class FlippedBody:
    """A body whose first byte arrives flipped: a bad read that raises no error."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._first = True

    def read(self, amount: int = -1) -> bytes:
        data: bytes = self._body.read(amount)
        if self._first and data:
            self._first = False
            return bytes([data[0] ^ 0xFF]) + data[1:]
        return data

    def close(self) -> None:
        self._body.close()


def run_direct(source_client: Any, target: Target, bucket: str, tmp_path: Path) -> dict[str, Any]:
    from platform_storage.migrate.report import RunRecorder
    from platform_storage.migrate.run import BucketPair, Migration, RunOptions

    recorder = RunRecorder("copy", "intercepted")
    try:
        Migration(
            source_client, target.client, RunOptions(jobs=4), recorder, io.StringIO(), False
        ).run([BucketPair(bucket, target.buckets[bucket])])
        path = tmp_path / f"direct-{time.monotonic_ns()}.json"
        recorder.write_report(path, {})
    finally:
        recorder.close()
    return dict(json.loads(path.read_text()))


def digest(client: Any, bucket: str, key: str) -> str:
    import hashlib

    return hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()


@pytest.mark.slow
def test_an_object_written_at_the_destination_during_the_run_is_never_replaced(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    key = "org-3/env-3/00003/bundle.tar"
    destination = target.buckets["massdriver"]

    def meanwhile(name: str, call: int, response: Any) -> Any:
        if name == key and call == 1:  # after the listing, before the copy lands
            target.client.put_object(Bucket=destination, Key=key, Body=b"written by the new system")
        return response

    report = run_direct(Intercepted(source.server.s3(), meanwhile), target, "massdriver", tmp_path)
    (record,) = [r for r in report["objects"] if r["key"] == key]
    assert record["action"] == "conflict" and not record["ok"]
    assert "written at the destination during the run" in record["problem"]
    current = target.client.get_object(Bucket=destination, Key=key)["Body"].read()
    assert current == b"written by the new system"
    assert report["problem_count"] == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bucket", "key", "check", "reads"),
    [
        # MD5 source: the bad read is caught before the upload completes, then retried.
        ("massdriver", "large/single-20mb.bin", "md5", 2),
        # Multipart source: the copy's read cannot be checked on its own; the verification
        # reads the source again, finds the copy wrong, and the copy is redone over itself.
        ("state", "large/multipart-100mb.bin", "sha256", 4),
    ],
)
def test_a_bad_read_never_ends_as_a_verified_wrong_object(
    source: Source,
    target: Target,
    environment: dict[str, str],
    tmp_path: Path,
    bucket: str,
    key: str,
    check: str,
    reads: int,
) -> None:
    def flip_first(name: str, call: int, response: Any) -> Any:
        if name == key and call == 1:
            response["Body"] = FlippedBody(response["Body"])
        return response

    client = Intercepted(source.server.s3(), flip_first)
    report = run_direct(client, target, bucket, tmp_path)
    (record,) = [r for r in report["objects"] if r["key"] == key]
    assert record["ok"] and record["action"] == "copied" and record["check"] == check
    assert client.calls[key] == reads
    assert digest(target.client, target.buckets[bucket], key) == digest(
        source.server.s3(), bucket, key
    )
    assert report["problem_count"] == 0


class LostAnswer:
    """A destination client whose first completion of `key` lands and then loses its answer,
    as a timeout after the server acted does."""

    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key
        self.completions = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def complete_multipart_upload(self, **kwargs: Any) -> Any:
        from botocore.exceptions import ReadTimeoutError

        if kwargs["Key"] == self._key:
            self.completions += 1  # counted when sent, refused ones included
        answer = self._client.complete_multipart_upload(**kwargs)
        if kwargs["Key"] == self._key and self.completions == 1:
            raise ReadTimeoutError(endpoint_url="http://destination")
        return answer


@pytest.mark.slow
def test_a_bad_copy_whose_answer_was_lost_is_known_as_the_runs_own_and_replaced(
    source: Source, target: Target, environment: dict[str, str], tmp_path: Path
) -> None:
    """The first copy reads a flipped byte (a multipart source: nothing to hold the read
    against) and lands, but its answer is lost. The retry finds an object it did not expect;
    its ETag is the one this run sent, so it is replaced, not reported as someone else's."""
    bucket, key = "state", "large/multipart-100mb.bin"

    def flip_first(name: str, call: int, response: Any) -> Any:
        if name == key and call == 1:
            response["Body"] = FlippedBody(response["Body"])
        return response

    destination = LostAnswer(target.client, key)
    report = run_direct(
        Intercepted(source.server.s3(), flip_first),
        dataclasses.replace(target, client=destination),
        bucket,
        tmp_path,
    )
    (record,) = [r for r in report["objects"] if r["key"] == key]
    assert (record["action"], record["ok"], record["check"]) == ("copied", True, "sha256")
    assert destination.completions == 3  # lost, refused (412: not what it expected), replaced
    assert digest(target.client, target.buckets[bucket], key) == digest(
        source.server.s3(), bucket, key
    )
    assert report["problem_count"] == 0


def test_a_huge_object_is_cut_into_at_most_ten_thousand_parts() -> None:
    from platform_storage.migrate.copy import MAX_PARTS, MiB, part_size_for

    assert part_size_for(100 * MiB, 8 * MiB) == 8 * MiB
    assert part_size_for(MAX_PARTS * 8 * MiB, 8 * MiB) == 8 * MiB
    five_tib = 5 * 1024**4
    size = part_size_for(five_tib, 8 * MiB)
    assert size == 525 * MiB and -(-five_tib // size) <= MAX_PARTS
    assert -(-(MAX_PARTS * 8 * MiB + 1) // part_size_for(MAX_PARTS * 8 * MiB + 1, 8 * MiB)) <= (
        MAX_PARTS
    )
