"""`make bench`, day two: `migrate` against `rclone copy --checksum` and `aws s3 sync` on the
same pair of local S3 APIs (moto's server), and `state history` over 1,000 versions.

The source holds 10,000 small objects and 20 objects of 50 MB. Each tool copies it into a fresh
bucket of the other server; objects/s, MB/s and the peak memory of the tool's process tree are
measured the same way as the synth benchmarks. `aws s3 sync` cannot read from one endpoint and
write to another, so it runs twice (down to a local directory, then up) and its time is the sum.
Memory flatness: `migrate` is also run on 1,000 and on 10,000 small objects; the peak should not
grow with ten times the objects.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.process import Runs, measure_process  # noqa: E402
from tests.s3_servers import ACCESS, S3Server  # noqa: E402

MB = 1024 * 1024
SMALL = 10_000
LARGE = 20
LARGE_SIZE = 50 * MB
JOBS = 8
VERSIONS = 1_000
# migrate and rclone (the target's peer) run this many times, alternated, and the median counts:
# one run each on a shared machine moved their ratio by a third between two benches.
ROUNDS = 3


@dataclass
class Transfer(Runs):
    """One tool's runs on the same data (`wall` and `peak` are their medians)."""

    tool: str
    objects: int
    nbytes: int
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    @property
    def objects_per_s(self) -> float:
        return self.objects / self.wall

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / MB / self.wall


def populate(client: Any, bucket: str, small: int, large: int) -> tuple[int, int]:
    client.create_bucket(Bucket=bucket)
    rng = random.Random(3)
    bodies = [
        (f"small/{i % 50:02d}/{i:06d}.json", rng.randbytes(rng.randint(512, 4096)))
        for i in range(small)
    ]

    def put(item: tuple[str, bytes]) -> None:
        client.put_object(Bucket=bucket, Key=item[0], Body=item[1], ContentType="application/json")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, bodies))
    block = rng.randbytes(LARGE_SIZE)
    for i in range(large):
        # Distinct content per object, uploaded in parts as MinIO receives big bundles.
        body = block[i:] + block[:i]
        client.upload_fileobj(io.BytesIO(body), bucket, f"large/{i:02d}.bin")
    return small + large, sum(len(b) for _, b in bodies) + large * LARGE_SIZE


def empty_bucket(client: Any, bucket: str) -> None:
    """Delete every object, so the next run copies into an empty bucket and the server does
    not grow by a gigabyte per run."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def count(client: Any, bucket: str) -> tuple[int, int]:
    objects = nbytes = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects += 1
            nbytes += item["Size"]
    return objects, nbytes


def _config(work: Path) -> Path:
    path = work / "bench-migrate.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "aws": {"account_id": "123456789012", "region": "us-east-1"},
                "orchestrator": {
                    "state_bucket": {"name": "bench-state"},
                    "runners": [{"id": "bench", "type": "serverless-ecs", "path_prefix": "bench"}],
                },
            }
        )
    )
    return path


def _aws_env(work: Path, destination: str) -> dict[str, str]:
    config = work / "aws-config"
    config.write_text("[default]\ns3 =\n  addressing_style = path\n")
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": ACCESS["aws_secret_access_key"],
        "AWS_CONFIG_FILE": str(config),
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": destination,
    }


def run_migrate(
    python: Path, source: S3Server, target: S3Server, bucket: str, dest: str, work: Path
) -> tuple[float, float]:
    env = _aws_env(work, target.url) | {
        "SOURCE_AWS_ACCESS_KEY_ID": ACCESS["aws_access_key_id"],
        "SOURCE_AWS_SECRET_ACCESS_KEY": ACCESS["aws_secret_access_key"],
    }
    wall, peak, _ = measure_process(
        [
            str(python),
            "-m",
            "platform_storage",
            "migrate",
            "--config",
            str(_config(work)),
            "--from-endpoint",
            source.url,
            "--bucket",
            f"{bucket}={dest}",
            "--jobs",
            str(JOBS),
            "--no-progress",
            "--report",
            str(work / f"report-{dest}.json"),
        ],
        env,
        ROOT,
    )
    report = json.loads((work / f"report-{dest}.json").read_text())
    assert report["ok"], "migrate did not verify everything"
    return wall, peak


def _rclone_remote(server: S3Server, bucket: str) -> str:
    return (
        f':s3,provider=Other,endpoint="{server.url}",access_key_id={ACCESS["aws_access_key_id"]},'
        f"secret_access_key={ACCESS['aws_secret_access_key']},force_path_style=true:{bucket}"
    )


def run_rclone(
    source: S3Server, target: S3Server, bucket: str, dest: str, work: Path
) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # rclone 1.60 trips on it
    wall, peak, _ = measure_process(
        [
            "rclone",
            "copy",
            "--checksum",
            "--transfers",
            str(JOBS),
            "--checkers",
            str(JOBS),
            _rclone_remote(source, bucket),
            _rclone_remote(target, dest),
        ],
        env,
        work,
    )
    return wall, peak


def run_aws(
    aws: Path, source: S3Server, target: S3Server, bucket: str, dest: str, work: Path
) -> tuple[float, float]:
    stage = work / f"stage-{dest}"
    stage.mkdir()
    env = _aws_env(work, source.url)
    env.pop("AWS_ENDPOINT_URL_S3")
    down, peak_down, _ = measure_process(
        [
            str(aws),
            "--endpoint-url",
            source.url,
            "s3",
            "sync",
            f"s3://{bucket}",
            str(stage),
            "--only-show-errors",
        ],
        env,
        work,
    )
    up, peak_up, _ = measure_process(
        [
            str(aws),
            "--endpoint-url",
            target.url,
            "s3",
            "sync",
            str(stage),
            f"s3://{dest}",
            "--only-show-errors",
        ],
        env,
        work,
    )
    shutil.rmtree(stage)
    return down + up, max(peak_down, peak_up)


def run_state_history(python: Path, server: S3Server, work: Path) -> tuple[float, float, int]:
    """1,000 versions of one environment's state, then `state history` on them."""
    client = server.s3()
    client.create_bucket(Bucket="bench-state")
    client.put_bucket_versioning(
        Bucket="bench-state", VersioningConfiguration={"Status": "Enabled"}
    )
    environment = str(uuid.uuid4())
    key = f"bench/{environment}.tfstate"
    lineage = str(uuid.uuid4())
    for serial in range(1, VERSIONS + 1):
        document = {
            "version": 4,
            "terraform_version": "1.11.0",
            "serial": serial,
            "lineage": lineage,
            "outputs": {},
            "resources": [
                {
                    "mode": "managed",
                    "type": "terraform_data",
                    "name": f"r{i}",
                    "provider": "x",
                    "instances": [{"attributes": {"input": serial}}],
                }
                for i in range(serial % 7 + 1)
            ],
        }
        client.put_object(Bucket="bench-state", Key=key, Body=json.dumps(document).encode())
    env = _aws_env(work, server.url)
    wall, peak, _ = measure_process(
        [
            str(python),
            "-m",
            "platform_storage",
            "state",
            "--config",
            str(_config(work)),
            "history",
            "bench",
            environment,
        ],
        env,
        ROOT,
    )
    return wall, peak, VERSIONS


def bench_day_two(python: Path, aws: Path | None, log: Callable[[str], None]) -> dict[str, Any]:
    """Every day-two figure; a tool that is not installed is reported as such."""
    results: dict[str, Any] = {"transfers": [], "missing": []}
    aws = aws.resolve() if aws is not None else None
    with tempfile.TemporaryDirectory(prefix="platform-storage-day-two-") as tmp:
        work = Path(tmp)
        source, target = S3Server(work), S3Server(work)
        try:
            log("day two: filling the source (10,000 small objects, 20 x 50 MB)")
            client, other = source.s3(), target.s3()
            objects, nbytes = populate(client, "bench-src", SMALL, LARGE)
            populate(client, "bench-src-1k", SMALL // 10, 0)
            populate(client, "bench-src-10k", SMALL, 0)
            # (tool, how to run it into a bucket, how many rounds it runs)
            tools: list[tuple[str, Callable[[str], tuple[float, float]], int]] = [
                (
                    "platform_storage migrate (verified)",
                    lambda d: run_migrate(python, source, target, "bench-src", d, work),
                    ROUNDS,
                ),
            ]
            if shutil.which("rclone"):
                tools.append(
                    (
                        "rclone copy --checksum",
                        lambda d: run_rclone(source, target, "bench-src", d, work),
                        ROUNDS,
                    )
                )
            else:
                results["missing"].append("rclone (apt-get install rclone)")
            if aws is not None and aws.exists():
                # Once: it is slower than both by a wide margin and not the target's peer.
                tools.append(
                    (
                        "aws s3 sync (down + up)",
                        lambda d: run_aws(aws, source, target, "bench-src", d, work),
                        1,
                    )
                )
            else:
                results["missing"].append("aws (awscli)")
            transfers = [Transfer(tool, objects, nbytes) for tool, _, _ in tools]
            for round_ in range(max(rounds for _, _, rounds in tools)):
                for index, ((tool, runner, rounds), transfer) in enumerate(
                    zip(tools, transfers, strict=True)
                ):
                    if round_ >= rounds:
                        continue
                    dest = f"bench-dst-{index}"
                    if round_ == 0:
                        other.create_bucket(Bucket=dest)
                    log(f"day two: {tool}, run {round_ + 1} of {rounds}")
                    wall, peak = runner(dest)
                    copied = count(other, dest)
                    assert copied == (objects, nbytes), (
                        f"{tool} copied {copied}, not {(objects, nbytes)}"
                    )
                    empty_bucket(other, dest)
                    transfer.walls.append(wall)
                    transfer.peaks.append(peak)
            results["transfers"] = transfers
            for label, bucket in (("1,000", "bench-src-1k"), ("10,000", "bench-src-10k")):
                dest = bucket.replace("src", "dst")
                other.create_bucket(Bucket=dest)
                log(f"day two: migrate on {label} small objects (memory flatness)")
                wall, peak = run_migrate(python, source, target, bucket, dest, work)
                done, size = count(other, dest)
                results.setdefault("flatness", []).append(
                    Transfer(f"migrate, {label} small objects", done, size, [wall], [peak])
                )
            small_only = S3Server(work)
            try:
                log("day two: state history over 1,000 versions")
                wall, peak, versions = run_state_history(python, small_only, work)
                results["history"] = (wall, peak, versions)
            finally:
                small_only.stop()
        finally:
            source.stop()
            target.stop()
    return results
