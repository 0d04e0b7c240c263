"""What a run did, per object and per bucket: the human summary and the JSON report.

Per-object records go to a temporary JSON-lines file as they are made and are streamed into the
report at the end, so memory does not grow with the number of objects; only the problems are
kept for the summary.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from platform_storage.migrate.units import size
from platform_storage.migrate.verify import Check, Verdict

REPORT_VERSION = 1
SHOWN_PROBLEMS = 50


class Action(StrEnum):
    COPIED = "copied"
    OVERWRITTEN = "overwritten"
    IDENTICAL = "identical"  # already at the destination: skipped
    CONFLICT = "conflict"  # differs at the destination, left as it is (no --overwrite)
    MISSING = "missing"  # --verify-only: not at the destination
    MISMATCH = "mismatch"  # --verify-only: differs at the destination
    WOULD_COPY = "would-copy"  # --dry-run
    WOULD_OVERWRITE = "would-overwrite"  # --dry-run with --overwrite
    FAILED = "failed"  # an error that retries did not cure


@dataclass(frozen=True)
class ObjectRecord:
    bucket: str  # the source bucket
    key: str
    size: int
    action: Action
    check: Check
    ok: bool
    problem: str | None = None

    @classmethod
    def of(cls, bucket: str, key: str, size: int, action: Action, verdict: Verdict) -> ObjectRecord:
        return cls(bucket, key, size, action, verdict.check, verdict.ok, verdict.problem)


@dataclass
class BucketTally:
    source: str
    destination: str
    objects: int = 0
    bytes: int = 0
    extra_at_destination: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)
    error: str | None = None  # the bucket could not be listed

    def add(self, record: ObjectRecord) -> None:
        self.objects += 1
        self.bytes += record.size
        self.actions[record.action] += 1
        if record.check is not Check.NONE:
            self.checks[record.check] += 1

    def summary(self) -> str:
        head = f"{self.source} -> {self.destination}: "
        if self.error is not None:
            return head + f"not migrated: {self.error}"
        actions = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items())) or "empty"
        checks = ", ".join(f"{c} {n}" for c, n in sorted(self.checks.items()))
        extra = (
            f"; {self.extra_at_destination} objects only at the destination (left as they are)"
            if self.extra_at_destination
            else ""
        )
        return (
            f"{head}{self.objects} objects ({size(self.bytes)}): {actions}"
            + (f"; checked by {checks}" if checks else "")
            + extra
        )


class RunRecorder:
    """Collects records and tallies; writes the JSON report and the summary."""

    def __init__(self, mode: str, source_endpoint: str) -> None:
        self.mode = mode
        self.source_endpoint = source_endpoint
        self.tallies: list[BucketTally] = []
        self.problems: list[ObjectRecord] = []
        self.problem_count = 0
        # Closed by close(), which the command calls in a finally.
        self._records = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def bucket(self, source: str, destination: str) -> BucketTally:
        tally = BucketTally(source, destination)
        self.tallies.append(tally)
        return tally

    def record(self, tally: BucketTally, record: ObjectRecord) -> None:
        tally.add(record)
        # `vars`, not `asdict`: asdict deep-copies every field, once per object of the run.
        self._records.write(json.dumps(vars(record)) + "\n")
        if not record.ok:
            self.problem_count += 1
            if len(self.problems) < SHOWN_PROBLEMS:
                self.problems.append(record)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and all(t.error is None for t in self.tallies)

    def write_report(self, path: Path, extra: dict[str, Any]) -> None:
        """The JSON report; written to a temporary file and renamed, never half-written."""
        self._records.flush()
        self._records.seek(0)
        temporary = path.with_name(f".{path.name}.partial")
        try:
            self._write(temporary, extra)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)

    def _write(self, temporary: Path, extra: dict[str, Any]) -> None:
        with temporary.open("w", encoding="utf-8") as out:
            head = {
                "version": REPORT_VERSION,
                "mode": self.mode,
                "source_endpoint": self.source_endpoint,
                "ok": self.ok,
                **extra,
                "buckets": [
                    {
                        "source": t.source,
                        "destination": t.destination,
                        "objects": t.objects,
                        "bytes": t.bytes,
                        "actions": dict(sorted(t.actions.items())),
                        "checks": dict(sorted(t.checks.items())),
                        "extra_at_destination": t.extra_at_destination,
                        "error": t.error,
                    }
                    for t in self.tallies
                ],
                "problem_count": self.problem_count,
            }
            out.write(json.dumps(head, indent=1)[:-2] + ',\n "objects": [\n')
            first = True
            for line in self._records:
                out.write(("" if first else ",\n") + "  " + line.rstrip("\n"))
                first = False
            out.write("\n ]\n}\n")

    def print_summary(self, stream: TextIO) -> None:
        for tally in self.tallies:
            print(tally.summary(), file=stream)
        total = sum(t.objects for t in self.tallies)
        if self.mode == "dry-run":
            print(f"Dry run: {total} source objects planned; nothing was written.", file=stream)
        elif self.ok:
            print(
                f"Verified: all {total} source objects are at their destination with the same"
                " content.",
                file=stream,
            )
        else:
            failed = sum(1 for t in self.tallies if t.error is not None)
            buckets = f" and {failed} bucket pair(s) not migrated (above)" if failed else ""
            print(
                f"NOT VERIFIED: {self.problem_count} of {total} objects{buckets}"
                + (":" if self.problems else ""),
                file=stream,
            )
        for record in self.problems:
            print(f"  {record.bucket}/{record.key}: {record.action}: {record.problem}", file=stream)
        if self.problem_count > len(self.problems):
            print(f"  ({self.problem_count - len(self.problems)} more in the report)", file=stream)

    def close(self) -> None:
        self._records.close()
