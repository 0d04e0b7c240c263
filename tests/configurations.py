"""The construct configurations the tests synthesize: each construct's default and fullest form."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from platform_storage.cdk import AwsProvider, TerraformStack, Testing
from platform_storage.constructs import (
    AccessLogging,
    BucketEncryption,
    PrivateBucket,
    Replication,
    StateBucket,
)

Build = Callable[[TerraformStack], Any]

ACCOUNT = "123456789012"
DESTINATION_BUCKET_ARN = "arn:aws:s3:::example-replica-eu-west-1"
DESTINATION_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
SOURCE_KEY_ARN = "arn:aws:kms:us-east-2:123456789012:key/66666666-7777-8888-9999-000000000000"


def synth(build: Build) -> dict[str, Any]:
    """Synthesize `build` in a fresh test app and stack (aspects run, metadata stripped)."""
    stack = TerraformStack(Testing.app(), "test")
    AwsProvider(stack, "aws", region="us-east-2", allowed_account_ids=[ACCOUNT])
    build(stack)
    return dict(json.loads(Testing.synth(stack)))


def private_default(stack: TerraformStack) -> None:
    PrivateBucket(stack, "bucket", bucket_name="example-artifacts")


def private_full(stack: TerraformStack) -> None:
    PrivateBucket(
        stack,
        "bucket",
        bucket_name="example-artifacts",
        encryption=BucketEncryption.KMS,
        noncurrent_version_expiration_days=14,
        noncurrent_versions_to_keep=5,
        abort_incomplete_multipart_upload_days=3,
        access_logging=AccessLogging(target_bucket="example-access-logs", target_prefix="s3/"),
        replication=Replication(
            destination_bucket_arn=DESTINATION_BUCKET_ARN,
            destination_kms_key_arn=DESTINATION_KEY_ARN,
            destination_account_id="210987654321",
            storage_class="STANDARD_IA",
        ),
        min_tls_version="1.3",
        tags={"team": "platform"},
    )


def state_default(stack: TerraformStack) -> None:
    StateBucket(stack, "state", bucket_name="example-tfstate")


def state_full(stack: TerraformStack) -> None:
    StateBucket(
        stack,
        "state",
        bucket_name="example-tfstate",
        encryption=BucketEncryption.KMS,
        kms_key_arn=SOURCE_KEY_ARN,
        noncurrent_version_expiration_days=365,
        noncurrent_versions_to_keep=30,
        access_logging=AccessLogging(target_bucket="example-access-logs"),
        replication=Replication(
            destination_bucket_arn=DESTINATION_BUCKET_ARN,
            destination_kms_key_arn=DESTINATION_KEY_ARN,
        ),
        tags={"data": "terraform-state"},
    )


CONFIGURATIONS: dict[str, Build] = {
    "private_default": private_default,
    "private_full": private_full,
    "state_default": state_default,
    "state_full": state_full,
}
