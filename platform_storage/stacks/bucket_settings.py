"""Config bucket options -> `PrivateBucket` / `StateBucket` keyword arguments."""

from __future__ import annotations

from typing import Any

from platform_storage.config import BucketOptions
from platform_storage.constructs import AccessLogging, BucketEncryption, Replication


def bucket_kwargs(options: BucketOptions) -> dict[str, Any]:
    """Only the options the file sets, so each construct keeps its own defaults otherwise."""
    kwargs: dict[str, Any] = {
        "encryption": (
            BucketEncryption.KMS if options.encryption == "sse-kms" else BucketEncryption.S3_MANAGED
        ),
        "kms_key_arn": options.kms_key_arn,
    }
    if options.noncurrent_version_expiration_days is not None:
        kwargs["noncurrent_version_expiration_days"] = options.noncurrent_version_expiration_days
    if options.noncurrent_versions_to_keep is not None:
        kwargs["noncurrent_versions_to_keep"] = options.noncurrent_versions_to_keep
    if options.access_logging is not None:
        kwargs["access_logging"] = AccessLogging(
            target_bucket=options.access_logging.target_bucket,
            target_prefix=options.access_logging.target_prefix,
        )
    if options.replication is not None:
        kwargs["replication"] = Replication(
            destination_bucket_arn=options.replication.destination_bucket_arn,
            destination_kms_key_arn=options.replication.destination_kms_key_arn,
            destination_account_id=options.replication.destination_account_id,
            storage_class=options.replication.storage_class,
        )
    return kwargs
