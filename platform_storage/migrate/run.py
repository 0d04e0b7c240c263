"""A migration run: each bucket pair listed on both sides, joined by key, and every source
object copied, skipped or checked in parallel, with retries, into one record per object."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TextIO

from platform_storage.migrate.copy import Condition, CopyError, MiB, copy_object
from platform_storage.migrate.objects import S3Object, join, list_objects
from platform_storage.migrate.progress import Progress
from platform_storage.migrate.report import Action, BucketTally, ObjectRecord, RunRecorder
from platform_storage.migrate.verify import Check, Verdict, verify
from platform_storage.s3_clients import error_code, is_precondition_failed, is_retryable


@dataclass
class _Attempts:
    """What the attempts at one object have learned: the destination object the next write is
    conditional on (None: none may exist), and the ETags of the objects this run wrote or sent
    for the key, so that its own object, found where a lost answer left it, is known again."""

    expected: str | None
    own: set[str] = field(default_factory=set)
    unanswered: bool = False  # a write went out and no answer came back


@dataclass(frozen=True)
class BucketPair:
    source: str
    destination: str


@dataclass(frozen=True)
class RunOptions:
    """`jobs` objects at once; `overwrite` = False replaces nothing that differs; `mode` is
    `copy` (copy, then verify), `verify-only` or `dry-run`; objects of `part_size` or more go in
    parts of that size; each object tried `attempts` times before it counts as failed."""

    jobs: int
    mode: str = "copy"
    overwrite: bool = False
    part_size: int = 8 * MiB
    attempts: int = 4
    backoff: float = 0.5


class Migration:
    def __init__(
        self,
        source: Any,
        destination: Any,
        options: RunOptions,
        recorder: RunRecorder,
        stderr: TextIO,
        progress: bool = True,
    ) -> None:
        self.source = source
        self.destination = destination
        self.options = options
        self.recorder = recorder
        self.stderr = stderr
        self.show_progress = progress

    def run(self, pairs: list[BucketPair]) -> bool:
        """Every pair in turn; True when every object verified (or, dry-run, was planned)."""
        totals = self._count(pairs)
        progress = Progress(
            self.stderr,
            objects=sum(n for n, _ in totals.values()),
            total_bytes=sum(b for _, b in totals.values()),
            enabled=self.show_progress,
        )
        with ThreadPoolExecutor(max_workers=self.options.jobs) as pool:
            for pair in pairs:
                tally = self.recorder.bucket(pair.source, pair.destination)
                if pair.source not in totals:
                    tally.error = self._errors.get(pair.source, "cannot be listed")
                    continue
                try:
                    self._migrate_bucket(pool, pair, tally, progress)
                except Exception as error:  # listing failed after the SDK's retries
                    tally.error = f"listing failed: {error_code(error)}: {error}"
        progress.finish()
        return self.recorder.ok

    def _count(self, pairs: list[BucketPair]) -> dict[str, tuple[int, int]]:
        """Objects and bytes per source bucket, for the progress totals."""
        self._errors: dict[str, str] = {}
        totals = {}
        for pair in pairs:
            try:
                self.destination.head_bucket(Bucket=pair.destination)
            except Exception as error:
                self._errors[pair.source] = (
                    f"destination bucket {pair.destination!r} cannot be reached (deployed?):"
                    f" {error_code(error)}"
                )
                continue
            try:
                objects = nbytes = 0
                for item in list_objects(self.source, pair.source):
                    objects += 1
                    nbytes += item.size
                totals[pair.source] = (objects, nbytes)
            except Exception as error:
                self._errors[pair.source] = (
                    f"source bucket cannot be listed: {error_code(error)}: {error}"
                )
        return totals

    def _migrate_bucket(
        self, pool: ThreadPoolExecutor, pair: BucketPair, tally: BucketTally, progress: Progress
    ) -> None:
        pending: set[Future[ObjectRecord]] = set()
        limit = self.options.jobs * 4  # bounded: memory stays flat in the object count

        def drain(block: bool) -> None:
            nonlocal pending
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED, timeout=None if block else 0)
            for future in done:
                record = future.result()
                self.recorder.record(tally, record)
                progress.object_done(record.size)

        try:
            for source, destination in join(
                list_objects(self.source, pair.source),
                self._destination_listing(pair.destination),
            ):
                if source is None:
                    tally.extra_at_destination += 1
                    continue
                pending.add(pool.submit(self._one, pair, source, destination, progress.moved))
                while len(pending) >= limit:
                    drain(block=True)
        finally:
            # A listing that fails half-way still records what was already under way.
            while pending:
                drain(block=True)

    def _destination_listing(self, bucket: str) -> Iterator[S3Object]:
        return list_objects(self.destination, bucket)

    def _one(
        self,
        pair: BucketPair,
        source: S3Object,
        destination: S3Object | None,
        moved: Callable[[int], None],
    ) -> ObjectRecord:
        attempts = _Attempts(expected=destination.etag if destination else None)
        last: BaseException | None = None
        for attempt in range(self.options.attempts):
            try:
                return self._decide(pair, source, destination, moved, attempts)
            except Exception as error:
                last = error
                retryable = is_retryable(error) or isinstance(error, CopyError)
                if not retryable or attempt + 1 == self.options.attempts:
                    break
                time.sleep(min(self.options.backoff * 2**attempt, 8.0))
        assert last is not None
        failed = Verdict(False, Check.NONE, f"{error_code(last)}: {last}"[:500])
        return ObjectRecord.of(pair.source, source.key, source.size, Action.FAILED, failed)

    def _decide(
        self,
        pair: BucketPair,
        source: S3Object,
        destination: S3Object | None,
        moved: Callable[[int], None],
        attempts: _Attempts,
    ) -> ObjectRecord:
        mode = self.options.mode

        def record(action: Action, verdict: Verdict) -> ObjectRecord:
            return ObjectRecord.of(pair.source, source.key, source.size, action, verdict)

        if destination is None:
            if mode == "verify-only":
                return record(
                    Action.MISSING, Verdict(False, Check.NONE, "missing at the destination")
                )
            if mode == "dry-run":
                return record(Action.WOULD_COPY, Verdict(True, Check.NONE))
            return self._copy(pair, source, Action.COPIED, moved, attempts)
        if attempts.own:  # an earlier attempt wrote: the listing no longer says what is there
            return self._copy(pair, source, Action.OVERWRITTEN, moved, attempts)
        verdict = self._compare(pair, source, destination)
        if verdict.ok:
            return record(Action.IDENTICAL, verdict)
        if mode == "verify-only":
            return record(Action.MISMATCH, verdict)
        if not self.options.overwrite:
            problem = f"{verdict.problem}; left as it is (--overwrite replaces it)"
            return record(Action.CONFLICT, Verdict(False, verdict.check, problem))
        if mode == "dry-run":
            return record(Action.WOULD_OVERWRITE, Verdict(True, verdict.check))
        return self._copy(pair, source, Action.OVERWRITTEN, moved, attempts)

    def _compare(self, pair: BucketPair, source: S3Object, destination: S3Object) -> Verdict:
        if destination.size != source.size:
            return Verdict(
                False,
                Check.NONE,
                f"size {destination.size} at the destination, {source.size} at the source",
            )
        # The listing's ETag equal to the source's MD5 settles it without a request: an object
        # whose ETag is no MD5 (SSE-KMS, multipart) cannot carry that value by chance.
        if source.plain_md5 is not None and destination.etag.lower() == source.plain_md5:
            return Verdict(True, Check.MD5_ETAG)
        return verify(self.source, pair.source, source, self.destination, pair.destination)

    def _copy(
        self,
        pair: BucketPair,
        source: S3Object,
        action: Action,
        moved: Callable[[int], None],
        attempts: _Attempts,
    ) -> ObjectRecord:
        """Copy, conditional on the destination still being what the listing saw (absent, or
        the object of `attempts.expected`), then verify. When someone wrote there meanwhile, S3
        refuses the write; the object is then compared again and left as it is. A copy that
        does not verify (a bad read or write on the way) is replaced, and only it, by another
        attempt: this run's own objects are known by their ETags, lost answers included."""

        def sent(etag: str) -> None:
            attempts.own.add(etag)
            attempts.unanswered = True

        for attempt in range(self.options.attempts):
            try:
                copied = copy_object(
                    self.source,
                    pair.source,
                    source.key,
                    self.destination,
                    pair.destination,
                    part_size=self.options.part_size,
                    condition=Condition(attempts.expected),
                    on_bytes=moved,
                    on_send=sent,
                )
            except Exception as error:
                if not is_precondition_failed(error):
                    raise
                written = self._written_meanwhile(pair, source, action, attempts)
                if written is not None:
                    return written
                continue  # this run's own object, not the source's: replace it
            attempts.unanswered = False
            attempts.own.add(copied.etag)
            verdict = copied.verdict or verify(
                self.source, pair.source, copied.source, self.destination, pair.destination
            )
            if verdict.ok or attempt + 1 == self.options.attempts:
                return ObjectRecord.of(pair.source, source.key, copied.source.size, action, verdict)
            attempts.expected = copied.etag
        raise CopyError("this run's own copies kept failing their verification")

    def _written_meanwhile(
        self, pair: BucketPair, source: S3Object, action: Action, attempts: _Attempts
    ) -> ObjectRecord | None:
        """The destination changed since the write's condition was set. Its object is the
        source's (e.g. this run's, whose answer was lost): recorded. This run's own, but wrong:
        None, after pointing the next write at it. Anyone else's: a conflict, left as it is."""
        verdict = verify(self.source, pair.source, source, self.destination, pair.destination)
        if verdict.ok:
            return ObjectRecord.of(pair.source, source.key, source.size, action, verdict)
        head = self.destination.head_object(Bucket=pair.destination, Key=source.key)
        etag = str(head.get("ETag", "")).strip('"')
        if etag in attempts.own:
            attempts.expected = etag
            return None
        problem = f"written at the destination during the run ({verdict.problem}); left as it is"
        if attempts.unanswered:
            problem += (
                "; it may be this run's own write whose answer was lost (an SSE-KMS ETag is"
                " not known in advance): check it, then re-run with --overwrite"
            )
        conflict = Verdict(False, verdict.check, problem)
        return ObjectRecord.of(pair.source, source.key, source.size, Action.CONFLICT, conflict)
