"""`python -m platform_storage migrate`: Massdriver's MinIO buckets into the S3 buckets the
configuration creates, copied, resumable, never destroying, verified.

Exit status: 0 when every source object is verified at its destination (a dry run: when the
plan could be made), 1 when any object is missing, differs or failed, or a bucket could not be
listed, 2 for a bad configuration or bad flags.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from platform_storage.naming import bucket_name_problems
from platform_storage.plan import AppPlan

SOURCE_KEY_VARIABLES = ("SOURCE_AWS_ACCESS_KEY_ID", "SOURCE_AWS_SECRET_ACCESS_KEY")
MAX_JOBS = 64


class UsageError(ValueError):
    """A flag or variable that cannot work; the message names it and the rule."""


def default_jobs() -> int:
    """Four objects per core (the work waits on the network), at most 32."""
    return min(32, 4 * (os.cpu_count() or 1))


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "migrate",
        help="copy Massdriver's MinIO buckets to the S3 buckets of the configuration, verified",
    )
    parser.add_argument("--config", help="configuration file (default: the app's)")
    parser.add_argument("--from-endpoint", required=True, metavar="URL", help="the MinIO S3 API")
    parser.add_argument("--from-profile", help="AWS profile with the MinIO keys")
    parser.add_argument("--from-region", default="us-east-1", help="default: us-east-1")
    parser.add_argument(
        "--bucket",
        action="append",
        default=[],
        metavar="SRC=DEST",
        help="map source bucket SRC to DEST (repeatable; replaces the default for SRC)",
    )
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="objects at once")
    parser.add_argument("--overwrite", action="store_true", help="replace what differs")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--verify-only", action="store_true", help="copy nothing, only verify")
    mode.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument(
        "--part-size-mib",
        type=int,
        default=8,
        help="multipart threshold and part size (default 8); memory is about jobs x this",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--attempts", type=int, default=4, help="tries per object")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")


def bucket_mapping(plan: AppPlan, overrides: list[str]) -> dict[str, str]:
    """Source bucket -> destination bucket: the chart's MinIO buckets to the configuration's,
    then each `SRC=DEST` override."""
    mapping: dict[str, str] = {}
    md = plan.massdriver
    if md is not None:
        if md.massdriver_bucket is not None and md.storage is not None:
            mapping["massdriver"] = md.massdriver_bucket.name
        if md.state_bucket is not None and md.storage is not None:
            mapping["state"] = md.state_bucket.name
        if md.argo_bucket is not None and md.argo is not None:
            mapping["argo"] = md.argo_bucket.name
    for override in overrides:
        source, sep, destination = override.partition("=")
        if not sep:
            raise UsageError(f"--bucket {override!r} must be SRC=DEST")
        for side, name in (("SRC", source), ("DEST", destination)):
            problems = bucket_name_problems(name)
            if problems:
                raise UsageError(f"--bucket {override!r}: {side} {problems[0]}")
        mapping[source] = destination
    if not mapping:
        raise UsageError(
            "nothing to migrate: the configuration moves no Massdriver bucket to S3"
            " (massdriver.storage / massdriver.argo.storage); name pairs with --bucket SRC=DEST"
        )
    destinations = list(mapping.values())
    repeated = sorted({d for d in destinations if destinations.count(d) > 1})
    if repeated:
        raise UsageError(f"--bucket: destination {repeated[0]!r} receives two source buckets")
    return mapping


def check_flags(args: argparse.Namespace) -> None:
    endpoint = urlsplit(args.from_endpoint)
    if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
        raise UsageError(f"--from-endpoint {args.from_endpoint!r} must be an http(s) URL")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs {args.jobs} must be 1 to {MAX_JOBS}")
    if not 5 <= args.part_size_mib <= 5120:
        raise UsageError(f"--part-size-mib {args.part_size_mib} must be 5 to 5120 (S3's limits)")
    if not 0 < args.timeout <= 3600:
        raise UsageError(f"--timeout {args.timeout} must be above 0 and at most 3600 seconds")
    if not 1 <= args.attempts <= 20:
        raise UsageError(f"--attempts {args.attempts} must be 1 to 20")
    if args.report is not None:
        if not args.report.parent.is_dir():
            raise UsageError(
                f"--report {args.report}: directory {args.report.parent} does not exist"
            )
        if args.report.is_dir() or not os.access(args.report.parent, os.W_OK):
            raise UsageError(f"--report {args.report}: not a file that can be written")
    keys = [os.environ.get(name) for name in SOURCE_KEY_VARIABLES]
    if args.from_profile is None and not all(keys):
        raise UsageError(
            "source credentials: set SOURCE_AWS_ACCESS_KEY_ID and SOURCE_AWS_SECRET_ACCESS_KEY"
            " (MinIO's root user and password, Secret <fullname>-minio) or --from-profile"
        )


def run(args: argparse.Namespace, plan: AppPlan, stdout: TextIO, stderr: TextIO) -> int:
    """Checked flags -> clients -> the run -> summary and report."""
    from platform_storage.migrate.copy import MiB
    from platform_storage.migrate.report import RunRecorder
    from platform_storage.migrate.run import BucketPair, Migration, RunOptions
    from platform_storage.s3_clients import ClientSettings, s3_client

    mapping = bucket_mapping(plan, args.bucket)
    mode = "verify-only" if args.verify_only else "dry-run" if args.dry_run else "copy"
    pool = args.jobs + 4
    source = s3_client(
        ClientSettings(
            endpoint=args.from_endpoint,
            profile=args.from_profile,
            region=args.from_region,
            access_key_id=None if args.from_profile else os.environ[SOURCE_KEY_VARIABLES[0]],
            secret_access_key=None if args.from_profile else os.environ[SOURCE_KEY_VARIABLES[1]],
            session_token=None if args.from_profile else os.environ.get("SOURCE_AWS_SESSION_TOKEN"),
            path_style=True,
            timeout=args.timeout,
            pool=pool,
            raw_timestamps=True,
        )
    )
    destination = s3_client(
        ClientSettings(
            region=os.environ.get("AWS_REGION") or plan.account.region,
            timeout=args.timeout,
            pool=pool,
            raw_timestamps=True,
        )
    )
    recorder = RunRecorder(mode, args.from_endpoint)
    try:
        migration = Migration(
            source,
            destination,
            RunOptions(
                jobs=args.jobs,
                mode=mode,
                overwrite=args.overwrite,
                part_size=args.part_size_mib * MiB,
                attempts=args.attempts,
            ),
            recorder,
            stderr,
            progress=not args.no_progress,
        )
        migration.run([BucketPair(s, d) for s, d in mapping.items()])
        recorder.print_summary(stdout)
        if args.report is not None:
            try:
                recorder.write_report(args.report, {"buckets_mapped": mapping})
            except OSError as error:
                print(f"migrate: --report {args.report}: not written ({error})", file=stderr)
                return 1
            print(f"report: {args.report}", file=stdout)
    finally:
        recorder.close()
    if mode == "dry-run":
        return 0 if all(t.error is None for t in recorder.tallies) else 1
    return 0 if recorder.ok else 1
