"""`StateBucket`: a `PrivateBucket` for Terraform / OpenTofu state."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.cdk import Construct
from platform_storage.constructs.bucket_options import (
    AccessLogging,
    BucketEncryption,
    Replication,
)
from platform_storage.constructs.private_bucket import PrivateBucket


class StateBucket(PrivateBucket):
    """A bucket for Terraform / OpenTofu state: always versioned, never destroyed by accident.

    Differences from `PrivateBucket`, which it otherwise takes every option of:

    - versioning is always on and cannot be switched off (there is no `versioned` option);
    - `lifecycle.prevent_destroy` is set on the bucket, so a plain `cdktf destroy` stops with an
      error instead of deleting state; `force_destroy` is not offered;
    - noncurrent versions are kept `noncurrent_version_expiration_days` = 90 days, and the newest
      `noncurrent_versions_to_keep` = 10 are kept whatever their age; neither may be zero.

    Rolling back a state file: list its versions
    (`aws s3api list-object-versions --bucket <bucket> --prefix <key>`), then copy the good version
    over the current one (`aws s3api copy-object --bucket <bucket> --key <key>
    --copy-source '<bucket>/<key>?versionId=<id>'`). The bad version stays as a noncurrent version
    until the lifecycle rule expires it.
    """

    _MIN_VERSIONS_TO_KEEP = 1

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        encryption: BucketEncryption = BucketEncryption.S3_MANAGED,
        kms_key_arn: str | None = None,
        noncurrent_version_expiration_days: int = 90,
        noncurrent_versions_to_keep: int = 10,
        abort_incomplete_multipart_upload_days: int = 7,
        access_logging: AccessLogging | None = None,
        replication: Replication | None = None,
        min_tls_version: str = "1.2",
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            bucket_name=bucket_name,
            encryption=encryption,
            kms_key_arn=kms_key_arn,
            versioned=True,
            noncurrent_version_expiration_days=noncurrent_version_expiration_days,
            noncurrent_versions_to_keep=noncurrent_versions_to_keep,
            abort_incomplete_multipart_upload_days=abort_incomplete_multipart_upload_days,
            access_logging=access_logging,
            replication=replication,
            force_destroy=False,
            prevent_destroy=True,
            min_tls_version=min_tls_version,
            tags=tags,
        )
