"""`python -m platform_storage state list|history|rollback`: a runner environment's state.

Reached with the standard AWS settings (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3`):
the runner's own role is enough (it reads and writes only its prefix, older versions included,
and its lock files), an admin profile works too. A rollback takes the environment's lock as
Terraform does (unless the runner keeps no lock files), writes the old content as a new current
version with a serial above the current one, deletes nothing, and refuses while a lock file
exists, for a version of another lineage, and when the state changed since it was read. When the
current object is no state (a corrupted push) or is gone, it is measured against the newest
version that is one: same lineage, a serial above the highest of that lineage.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import platform_storage
from platform_storage.plan import AppPlan, RunnerPlan
from platform_storage.s3_clients import error_code, is_missing, is_precondition_failed
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
        return _rollback(store, runner, args, stdout, stderr)
    except StateError as error:  # a stored document that is no state: not a usage error
        print(f"state {args.action}: {error}", file=stderr)
        return 1
    except Exception as error:
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


@dataclass(frozen=True)
class _Baseline:
    """What a rollback is measured against: the current state, or, when the current object is
    no state (a corrupted push) or gone, the newest version that is one."""

    version_id: str | None  # the current object's version; None when there is none
    etag: str | None  # what the write is conditional on; None: that there is still none
    document: dict[str, Any]  # the state the diff starts from
    serial: int  # the highest serial of the lineage: the rollback writes one above it
    lineage: str
    note: str | None = None  # why the current object is not the baseline


def _baseline(store: StateStore, environment: str) -> _Baseline:
    key = store.location.key(environment)
    current: tuple[str, str] | None
    try:
        read = store.read(environment)
    except StateError as error:
        current, problem = store.head(environment), str(error).removeprefix(f"{key} ")
    except Exception as error:
        if not is_missing(error):
            raise
        current, problem = None, "there is no current object (deleted)"
    else:
        now = info(read.document)
        return _Baseline(read.version_id, read.etag, read.document, now.serial, now.lineage)
    readable = [v for v in store.versions(environment) if v.info is not None]
    if not readable:
        raise StateError(f"{key}: {problem}, and no earlier version is a state")
    newest = readable[0]
    assert newest.info is not None and newest.version_id is not None
    lineage = newest.info.lineage
    serial = max(v.info.serial for v in readable if v.info and v.info.lineage == lineage)
    return _Baseline(
        version_id=current[0] if current else None,
        etag=current[1] if current else None,
        document=store.read(environment, newest.version_id).document,
        serial=serial,
        lineage=lineage,
        note=f"{problem}; measured against the newest state, version {newest.version_id}"
        f" (lineage {lineage}, highest serial {serial})",
    )


def _rollback(
    store: StateStore,
    runner: RunnerPlan,
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Under the environment's own lock (taken as Terraform takes it, so no run can start
    meanwhile): read, check, show, confirm, write; then release the lock. A runner without
    lock files (`lockfile: false`) takes no lock (its identity may not remove one, and its runs
    would not look): the write stays conditional on the version read."""
    environment = args.environment
    key = store.location.key(environment)
    held = store.lock(environment)
    if held is not None and not args.dry_run:
        return _refused(
            stderr,
            f"{key}.tflock exists (since {held.isoformat()}): a run holds the lock, or a"
            " crashed run left it; roll back once it is released",
        )
    if args.dry_run or not runner.lockfile:
        if not runner.lockfile:
            print(
                f"note: runner {runner.id} keeps no lock files (lockfile: false), so nothing"
                " stops a run from starting meanwhile; the write is conditional on the version"
                " read",
                file=stdout,
            )
        return _roll(store, args, stdout, stderr, write=not args.dry_run, held=held)
    lock_info = _lock_info(key, store.location.bucket)
    lock = store.acquire_lock(environment, lock_info)
    if lock is None:
        return _refused(
            stderr,
            f"{key}.tflock exists: a run took the lock just now; roll back once it is released",
        )
    try:
        code = _roll(store, args, stdout, stderr, write=True, held=None)
    except BaseException:
        _release(store, environment, lock, lock_info["ID"], stderr)
        raise
    return code if _release(store, environment, lock, lock_info["ID"], stderr) else 1


def _release(store: StateStore, environment: str, etag: str, lock_id: str, stderr: TextIO) -> bool:
    """Remove the rollback's own lock; on failure say how to remove it (a lock left behind
    stops every later run of the environment)."""
    try:
        store.release_lock(environment, etag)
    except Exception as error:
        print(
            f"state rollback: could not remove {store.location.lock_key(environment)}"
            f" ({error_code(error)}: {error}); remove it with `terraform force-unlock {lock_id}`"
            " or by deleting the object",
            file=stderr,
        )
        return False
    return True


def _roll(
    store: StateStore,
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
    *,
    write: bool,
    held: datetime | None,
) -> int:
    environment = args.environment
    key = store.location.key(environment)
    target = store.read(environment, args.version)  # first: a target that is no state stops here
    base = _baseline(store, environment)
    then = info(target.document)
    if target.version_id == base.version_id:
        return _refused(stderr, f"{args.version} is already the current version")
    if then.lineage != base.lineage:
        return _refused(
            stderr,
            f"version {args.version} has lineage {then.lineage}, the current state"
            f" {base.lineage}: it is another state, not an earlier one",
        )
    serial = base.serial + 1
    if base.note is not None:
        print(f"{key}: the current version {base.version_id or '(none)'}: {base.note}", file=stdout)
    print(
        f"{key}: current version {base.version_id or '(none)'} (serial {base.serial}) -> the"
        f" content of {args.version} (serial {then.serial}) written as serial {serial}",
        file=stdout,
    )
    for line in diff(base.document, target.document) or ["(no resource changes)"]:
        print(f"  {line}", file=stdout)
    if not write:
        state = f"locked since {held.isoformat()}" if held else "not locked now"
        print(f"dry run: nothing written ({key} is {state})", file=stdout)
        return 0
    if not args.yes and not _confirmed(key, stdout):
        print(
            "state rollback: not confirmed (pass --yes to roll back without a prompt)", file=stderr
        )
        return 1
    try:
        written = store.write(environment, with_serial(target.content, serial), if_match=base.etag)
    except Exception as error:
        if is_precondition_failed(error):
            return _refused(
                stderr, f"{key} changed since it was read (a run wrote it): nothing written"
            )
        raise
    print(f"rolled back: {key} is now version {written} (serial {serial})", file=stdout)
    return 0


def _confirmed(key: str, stdout: TextIO, stdin: Any = None) -> bool:
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return False
    print(f"Roll back {key}? [y/N] ", end="", file=stdout, flush=True)
    return bool(stdin.readline().strip().lower() in ("y", "yes"))
