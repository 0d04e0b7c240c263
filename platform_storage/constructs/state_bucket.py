"""`StateBucket`: a `PrivateBucket` for Terraform / OpenTofu state."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.bucket_options import BucketOptions
from platform_storage.cdk import Construct
from platform_storage.constructs._arguments import checked
from platform_storage.constructs.private_bucket import DEFAULT_OPTIONS, PrivateBucket


class StateBucket(PrivateBucket):
    """A bucket for Terraform / OpenTofu state: always versioned, never destroyed by accident.

    Differences from `PrivateBucket`, which it otherwise takes the options of:

    - versioning is always on and cannot be switched off (there is no `versioned` argument);
    - `lifecycle.prevent_destroy` is set on the bucket, so a plain `cdktf destroy` stops with an
      error instead of deleting state; `force_destroy` is not offered;
    - noncurrent versions are kept 90 days, and the newest 10 whatever their age; `options` may
      keep them longer but never shorter (a rollback needs the versions from before a bad
      apply).

    Keyword-only arguments: `bucket_name` (required); `options` = `BucketOptions()`, as for
    `PrivateBucket`; `tags` = None: tags on the bucket (provider default tags apply on top).

    The synth-time rules hold it to the state-bucket invariants too (PS-S3-5, PS-S3-6).

    Rolling back a state file: list its versions
    (`aws s3api list-object-versions --bucket <bucket> --prefix <key>`), then copy the good
    version over the current one (`aws s3api copy-object --bucket <bucket> --key <key>
    --copy-source '<bucket>/<key>?versionId=<id>'`). The bad version stays as a noncurrent
    version until the lifecycle rule expires it.
    """

    _STATE = True

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        options: BucketOptions = DEFAULT_OPTIONS,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            bucket_name=bucket_name,
            options=options,
            versioned=True,
            force_destroy=False,
            prevent_destroy=True,
            tags=tags,
        )
