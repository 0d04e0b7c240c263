"""`python -m platform_storage state list|history|rollback`: a runner environment's state.

Reached with the standard AWS settings (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3`):
the runner's own role is enough (it reads and writes only its prefix, older versions included,
and its lock files), an admin profile works too. A rollback takes the environment's lock as
Terraform does, writes the old content as a new current version with a serial above the
current one, deletes nothing, and refuses while someone else holds the lock, for a version of
another lineage, and when the state changed since it was read.

Exit status: 0 done; 1 refused or failed (the reason on stderr); 2 bad configuration or flags.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import socket
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import platform_storage
from platform_storage.plan import AppPlan, RunnerPlan
from platform_storage.state.store import Location, StateObject, StateStore
from platform_storage.state.tfstate import StateError, diff, info, with_serial

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("state", help="list, show the history of, or roll back state")
    parser.add_argument("--config", help="configuration file (default: the app's)")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the environments under a runner's prefix")
    listing.add_argument("runner")
    history = actions.add_parser("history", help="every version of an environment's state")
    history.add_argument("runner")
    history.add_argument("environment", metavar="ENV_UUID")
    rollback = actions.add_parser("rollback", help="make an earlier version current again")
    rollback.add_argument("runner")
    rollback.add_argument("environment", metavar="ENV_UUID")
    rollback.add_argument("--to", required=True, metavar="VERSION_ID", dest="version")
    rollback.add_argument("--dry-run", action="store_true", help="show the change, write nothing")
    rollback.add_argument("--yes", action="store_true", help="do not ask")


def check_flags(args: argparse.Namespace) -> None:
    environment = getattr(args, "environment", None)
    if environment is not None and _UUID.fullmatch(environment) is None:
        raise ValueError(
            f"ENV_UUID {environment!r} must be an environment UUID (8-4-4-4-12 lowercase hex)"
        )
    version = getattr(args, "version", None)
    if version is not None and (not version or len(version) > 1024 or not version.isprintable()):
        raise ValueError(f"--to {version!r} must be a version id from `state history`")


def _runner(plan: AppPlan, runner_id: str) -> RunnerPlan:
    runners = plan.orchestrator.runners if plan.orchestrator else ()
    for runner in runners:
        if runner.id == runner_id:
            return runner
    known = ", ".join(r.id for r in runners) or "none"
    raise ValueError(f"runner {runner_id!r} is not in the configuration (runners: {known})")


def _store(plan: AppPlan, runner: RunnerPlan) -> StateStore:
    from platform_storage.s3_clients import ClientSettings, s3_client

    client = s3_client(ClientSettings(region=os.environ.get("AWS_REGION") or plan.account.region))
    return StateStore(client, Location(runner.bucket, runner.prefix))


def run(args: argparse.Namespace, plan: AppPlan, stdout: TextIO, stderr: TextIO) -> int:
    runner = _runner(plan, args.runner)
    store = _store(plan, runner)
    try:
        if args.action == "list":
            return _list(store, stdout)
        if args.action == "history":
            return _history(store, args.environment, stdout, stderr)
        return _rollback(store, args, stdout, stderr)
    except StateError as error:  # a stored document that is no state: not a usage error
        print(f"state {args.action}: {error}", file=stderr)
        return 1
    except Exception as error:
        from platform_storage.s3_clients import error_code

        if isinstance(error, ValueError):
            raise
        print(f"state {args.action}: {error_code(error)}: {error}", file=stderr)
        return 1


def _table(rows: Sequence[tuple[str, ...]], stdout: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(),
            file=stdout,
        )


def _described(item: StateObject) -> tuple[str, str, str, str]:
    if item.delete_marker:
        return ("(deleted)", "", "", "")
    if item.info is None:
        return (f"(unreadable: {item.problem})", "", "", "")
    return (
        str(item.info.serial),
        item.info.lineage,
        item.info.terraform_version,
        str(item.info.resources),
    )


def _list(store: StateStore, stdout: TextIO) -> int:
    found = store.environments()
    rows = [("ENVIRONMENT", "SIZE", "LAST MODIFIED", "SERIAL", "LINEAGE", "TERRAFORM", "RESOURCES")]
    for item in sorted(found, key=lambda i: i.key):
        environment = item.key.rsplit("/", 1)[-1].removesuffix(".tfstate")
        serial, lineage, version, resources = _described(item)
        rows.append(
            (
                environment,
                str(item.size),
                item.last_modified.isoformat(),
                serial,
                lineage,
                version,
                resources,
            )
        )
    _table(rows, stdout)
    print(
        f"{len(found)} environment(s) in"
        f" s3://{store.location.bucket}/{store.location.prefix or ''}",
        file=stdout,
    )
    return 0


def _history(store: StateStore, environment: str, stdout: TextIO, stderr: TextIO) -> int:
    versions = store.versions(environment)
    if not versions:
        print(f"state history: no versions of {store.location.key(environment)}", file=stderr)
        return 1
    rows = [("VERSION ID", "TIME", "SIZE", "SERIAL", "LINEAGE", "RESOURCES", "")]
    for item in versions:
        serial, lineage, _, resources = _described(item)
        rows.append(
            (
                str(item.version_id),
                item.last_modified.isoformat(),
                str(item.size),
                serial,
                lineage,
                resources,
                "current" if item.is_latest else "",
            )
        )
    _table(rows, stdout)
    return 0


def _refused(stderr: TextIO, reason: str) -> int:
    print(f"state rollback: refused: {reason}", file=stderr)
    return 1


def _lock_info(key: str, bucket: str) -> dict[str, str]:
    """The lock file's content in Terraform's own form, so a run that finds it says who."""
    return {
        "ID": str(uuid.uuid4()),
        "Operation": "platform-storage state rollback",
        "Info": "",
        "Who": f"{getpass.getuser()}@{socket.gethostname()}",
        "Version": platform_storage.__version__,
        "Created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "Path": f"{bucket}/{key}",
    }


def _rollback(store: StateStore, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Under the environment's own lock (taken as Terraform takes it, so no run can start
    meanwhile): read, check, show, confirm, write; then release the lock."""
    environment = args.environment
    key = store.location.key(environment)
    if args.dry_run:
        return _roll(store, args, stdout, stderr, locked_by_us=False)
    lock = store.acquire_lock(environment, _lock_info(key, store.location.bucket))
    if lock is None:
        return _refused(
            stderr,
            f"{key}.tflock exists: a run holds the lock, or a crashed run left it; roll back"
            " once it is released",
        )
    try:
        return _roll(store, args, stdout, stderr, locked_by_us=True)
    finally:
        store.release_lock(environment, lock)


def _roll(
    store: StateStore,
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
    *,
    locked_by_us: bool,
) -> int:
    environment = args.environment
    key = store.location.key(environment)
    current = store.read(environment)
    target = store.read(environment, args.version)
    now, then = info(current.document), info(target.document)
    if target.version_id == current.version_id:
        return _refused(stderr, f"{args.version} is already the current version")
    if then.lineage != now.lineage:
        return _refused(
            stderr,
            f"version {args.version} has lineage {then.lineage}, the current state"
            f" {now.lineage}: it is another state, not an earlier one",
        )
    serial = now.serial + 1
    print(
        f"{key}: current version {current.version_id} (serial {now.serial}) -> the content of"
        f" {args.version} (serial {then.serial}) written as serial {serial}",
        file=stdout,
    )
    for line in diff(current.document, target.document) or ["(no resource changes)"]:
        print(f"  {line}", file=stdout)
    if not locked_by_us:
        held = store.lock(environment)
        state = f"locked since {held.isoformat()}" if held else "not locked now"
        print(f"dry run: nothing written ({key} is {state})", file=stdout)
        return 0
    if not args.yes and not _confirmed(key, stdout):
        print(
            "state rollback: not confirmed (pass --yes to roll back without a prompt)", file=stderr
        )
        return 1
    written = store.write(environment, with_serial(target.content, serial), if_match=current.etag)
    print(f"rolled back: {key} is now version {written} (serial {serial})", file=stdout)
    return 0


def _confirmed(key: str, stdout: TextIO, stdin: Any = None) -> bool:
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return False
    print(f"Roll back {key}? [y/N] ", end="", file=stdout, flush=True)
    return bool(stdin.readline().strip().lower() in ("y", "yes"))
