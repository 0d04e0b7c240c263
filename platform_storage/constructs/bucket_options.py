"""Settings for `PrivateBucket`: immutable values with documented defaults. No CDK import."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class BucketEncryption(Enum):
    """Default encryption of new objects.

    `S3_MANAGED` (SSE-S3, AES256) needs no key management and is what the products' docs ask for.
    `KMS` (SSE-KMS) uses the key ARN given as `kms_key_arn`, or a key the bucket creates when none
    is given; the S3 bucket key is always on with KMS to cut KMS request costs.
    """

    S3_MANAGED = "AES256"
    KMS = "aws:kms"


@dataclass(frozen=True)
class AccessLogging:
    """Server access logging into `target_bucket` under `target_prefix`.

    The target bucket must let `logging.s3.amazonaws.com` write (its own bucket policy); this
    construct does not change a bucket it does not own. Default prefix: `<bucket name>/`.
    """

    target_bucket: str
    target_prefix: str | None = None


@dataclass(frozen=True)
class Replication:
    """Replicate every new object version to `destination_bucket_arn`.

    Requires versioning on the source (and on the destination, which this construct does not own).
    `destination_kms_key_arn` is required when the source is SSE-KMS and re-encrypts replicas with
    that key; `destination_account_id` switches replica ownership to the destination account.
    `storage_class` defaults to the source object's class.
    """

    destination_bucket_arn: str
    destination_kms_key_arn: str | None = None
    destination_account_id: str | None = None
    storage_class: str | None = None
    replicate_delete_markers: bool = True
