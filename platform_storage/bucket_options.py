"""`BucketOptions`: the one set of bucket options, for the configuration file and the constructs.
No CDK import.

The configuration validates a bucket section as `BucketOptions` (plus its name), and
`PrivateBucket` / `StateBucket` take the same object; `option_problems` lists what a set of
options breaks for a bucket kind, so the file and the library refuse the same things with the same
words. Adding an option means a field here and its use in `PrivateBucket`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from platform_storage.aws import bucket_of_arn
from platform_storage.fields import (
    AccountId,
    BucketArn,
    BucketName,
    Days,
    KeyPrefix,
    KmsKeyArn,
    VersionsToKeep,
)


class BucketEncryption(StrEnum):
    """Default encryption of new objects.

    `S3_MANAGED` (`sse-s3`, AES256) needs no key management and is what the products' docs ask
    for. `KMS` (`sse-kms`) uses the key of `kms_key_arn`, or a key the bucket creates when none is
    given; the S3 bucket key is always on with KMS to cut KMS request costs.
    """

    S3_MANAGED = "sse-s3"
    KMS = "sse-kms"

    @property
    def sse_algorithm(self) -> str:
        """The value S3 and Terraform use (`AES256`, `aws:kms`)."""
        return "aws:kms" if self is BucketEncryption.KMS else "AES256"


# Storage classes S3 replication can write (PutBucketReplication's StorageClass).
ReplicaStorageClass = Literal[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
]


# Storage classes a lifecycle rule can move noncurrent versions to.
NoncurrentStorageClass = Literal[
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
]
# Classes whose objects can be read at once; the others need a restore first, hours long.
INSTANT_RETRIEVAL = frozenset({"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"})
# S3 refuses a lifecycle configuration moving objects to these classes sooner.
MIN_TRANSITION_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}


class OptionsError(ValueError):
    """Options built in code that break a field rule: one line naming each field and rule."""


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    if not TYPE_CHECKING:
        # Hidden from type checkers, which keep the typed keyword signature pydantic derives.
        def __init__(self, **data: Any) -> None:
            try:
                super().__init__(**data)
            except ValidationError as error:
                raise OptionsError(f"{type(self).__name__}: {_one_line(error)}") from None

        # Marked as pydantic marks its own `__init__`: validation of a config file (nested
        # models included) then skips this wrapper and keeps pydantic's per-field errors.
        __init__.__pydantic_base_init__ = True


def _one_line(error: ValidationError) -> str:
    """Every problem as `field: rule`, joined by `; ` (pydantic's text spans lines)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc'] if not str(part).startswith('function-'))}:"
        f" {e['msg'].removeprefix('Value error, ')}"
        for e in error.errors()
    )


class AccessLogging(_Options):
    """Server access logging into `target_bucket` under `target_prefix`.

    The target bucket must let `logging.s3.amazonaws.com` write (its own bucket policy); the
    bucket construct does not change a bucket it does not own. `target_prefix` = None: the
    bucket's name followed by `/`.
    """

    target_bucket: BucketName
    target_prefix: KeyPrefix | None = None


class Replication(_Options):
    """Replicate every new object version to `destination_bucket_arn`.

    Needs versioning on the source (and on the destination, which the construct does not own).
    `destination_kms_key_arn` = None; required when the source is SSE-KMS, and re-encrypts
    replicas with that key. `destination_account_id` = None; when set, replica ownership moves to
    that account. `storage_class` = None: the source object's class. `replicate_delete_markers`
    = True.
    """

    destination_bucket_arn: BucketArn
    destination_kms_key_arn: KmsKeyArn | None = None
    destination_account_id: AccountId | None = None
    storage_class: ReplicaStorageClass | None = None
    replicate_delete_markers: StrictBool = True


class NoncurrentTransition(_Options):
    """Move noncurrent versions to `storage_class` `days` after they become noncurrent.

    Cuts the cost of the history versioning keeps. S3 moves no object smaller than 128 KiB (its
    default minimum transition size), waits at least 30 days for `STANDARD_IA` and `ONEZONE_IA`,
    and the versions must still exist then: `days` has to be below the expiration days. A state
    bucket only accepts classes read without a restore, since a rollback must not wait hours.
    """

    days: Days
    storage_class: NoncurrentStorageClass


@dataclass(frozen=True)
class Retention:
    """How long noncurrent versions live: `days` after they become noncurrent, while the newest
    `versions` are kept whatever their age."""

    days: int
    versions: int


# What a plain bucket keeps when the options say nothing.
DEFAULT_RETENTION = Retention(days=30, versions=3)
# State buckets: the default, and the floor. Rolling back a bad apply needs the versions from
# before it; 90 days and the newest 10 cover a quarter of daily applies.
STATE_RETENTION = Retention(days=90, versions=10)


class BucketOptions(_Options):
    """Options of a bucket besides its name, each with its default:

    - `encryption` = `BucketEncryption.S3_MANAGED` (`sse-s3`); `sse-kms` uses `kms_key_arn`, or
      a key the bucket creates (rotation on) when that is None.
    - `kms_key_arn` = None; only with `sse-kms`. One key, by key id: no alias, no wildcard.
    - `noncurrent_version_expiration_days` = None: 30 days, or 90 for a state bucket (which
      refuses less).
    - `noncurrent_versions_to_keep` = None: the newest 3, or 10 for a state bucket (which
      refuses fewer); at most 100 (S3's limit).
    - `noncurrent_version_transition` = None: noncurrent versions stay in STANDARD until they
      expire; see `NoncurrentTransition`.
    - `abort_incomplete_multipart_upload_days` = 7.
    - `access_logging` = None: see `AccessLogging`.
    - `replication` = None: see `Replication`; the least-privilege replication role is created
      with the bucket.
    - `min_tls_version` = "1.2": requests with older TLS are denied ("1.3" is allowed).
    """

    encryption: BucketEncryption = BucketEncryption.S3_MANAGED
    kms_key_arn: KmsKeyArn | None = None
    noncurrent_version_expiration_days: Days | None = None
    noncurrent_versions_to_keep: VersionsToKeep | None = None
    noncurrent_version_transition: NoncurrentTransition | None = None
    abort_incomplete_multipart_upload_days: Days = 7
    access_logging: AccessLogging | None = None
    replication: Replication | None = None
    min_tls_version: Literal["1.2", "1.3"] = "1.2"

    def retention(self, *, state: bool) -> Retention:
        """The retention these options give a bucket of the kind (state or not)."""
        default = STATE_RETENTION if state else DEFAULT_RETENTION
        return Retention(
            days=self.noncurrent_version_expiration_days or default.days,
            versions=(
                self.noncurrent_versions_to_keep
                if self.noncurrent_versions_to_keep is not None
                else default.versions
            ),
        )

    def without_retention(self) -> BucketOptions:
        """These options with retention left to the bucket kind's default."""
        return self.updated(
            noncurrent_version_expiration_days=None, noncurrent_versions_to_keep=None
        )

    def updated(self, **changes: object) -> BucketOptions:
        """A copy with `changes`, checked by the field rules (`model_copy` would skip them)."""
        return BucketOptions.model_validate({**self.model_dump(), **changes})


def option_problems(
    options: BucketOptions, *, state: bool, bucket_name: str | None = None
) -> list[tuple[str, str]]:
    """What `options` break for a bucket (a state bucket when `state`), as (option, sentence)."""
    problems: list[tuple[str, str]] = []
    if options.kms_key_arn is not None and options.encryption is not BucketEncryption.KMS:
        problems.append(("kms_key_arn", "is only used with encryption 'sse-kms'"))
    replication = options.replication
    if replication is not None:
        if (
            options.encryption is BucketEncryption.KMS
            and replication.destination_kms_key_arn is None
        ):
            problems.append(
                (
                    "replication.destination_kms_key_arn",
                    "is required to replicate an sse-kms bucket",
                )
            )
        if bucket_name is not None and bucket_of_arn(replication.destination_bucket_arn) == (
            bucket_name
        ):
            problems.append(
                (
                    "replication.destination_bucket_arn",
                    f"names the bucket itself ({bucket_name!r}); replicate to another bucket",
                )
            )
    transition = options.noncurrent_version_transition
    if transition is not None:
        problems += _transition_problems(transition, options.retention(state=state), state=state)
    if state:
        floor = STATE_RETENTION
        days = options.noncurrent_version_expiration_days
        versions = options.noncurrent_versions_to_keep
        if days is not None and days < floor.days:
            problems.append(
                (
                    "noncurrent_version_expiration_days",
                    f"is {days}; a state bucket keeps noncurrent versions at least {floor.days}"
                    " days so that a bad apply can be rolled back",
                )
            )
        if versions is not None and versions < floor.versions:
            problems.append(
                (
                    "noncurrent_versions_to_keep",
                    f"is {versions}; a state bucket keeps at least the newest {floor.versions}"
                    " noncurrent versions so that a bad apply can be rolled back",
                )
            )
    return problems


def _transition_problems(
    transition: NoncurrentTransition, retention: Retention, *, state: bool
) -> list[tuple[str, str]]:
    field = "noncurrent_version_transition"
    cls = transition.storage_class
    problems: list[tuple[str, str]] = []
    least = MIN_TRANSITION_DAYS.get(cls)
    if least is not None and transition.days < least:
        problems.append(
            (
                f"{field}.days",
                f"is {transition.days}; S3 moves objects to {cls} after {least} days at the"
                " earliest",
            )
        )
    if transition.days >= retention.days:
        problems.append(
            (
                f"{field}.days",
                f"is {transition.days}; noncurrent versions expire after {retention.days} days,"
                " so the move must come before that",
            )
        )
    if state and cls not in INSTANT_RETRIEVAL:
        problems.append(
            (
                f"{field}.storage_class",
                f"is {cls}, which needs a restore before a read; a state bucket takes one of"
                f" {', '.join(sorted(INSTANT_RETRIEVAL))} so a rollback reads at once",
            )
        )
    return problems
