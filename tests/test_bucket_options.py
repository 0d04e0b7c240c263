"""Option validation: conflicting or out-of-range options are refused with one message."""

from __future__ import annotations

import pytest

from platform_storage.cdk import App, TerraformStack, TerraformVariable
from platform_storage.constructs import BucketEncryption, PrivateBucket, Replication
from platform_storage.prefixes import PrefixError


def new_stack() -> TerraformStack:
    return TerraformStack(App(), "options")


def test_all_conflicts_are_listed_in_one_message() -> None:
    with pytest.raises(ValueError) as raised:
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="Bad_Name",
            kms_key_arn="arn:aws:kms:us-east-2:123456789012:key/x",
            versioned=False,
            replication=Replication(destination_bucket_arn="arn:aws:s3:::replica"),
            force_destroy=True,
            prevent_destroy=True,
            abort_incomplete_multipart_upload_days=0,
            min_tls_version="1.0",
        )
    message = str(raised.value)
    for expected in (
        "bucket_name 'Bad_Name' may contain only lowercase letters",
        "kms_key_arn is only used with encryption=BucketEncryption.KMS",
        "replication needs versioned=True",
        "force_destroy and prevent_destroy contradict each other",
        "abort_incomplete_multipart_upload_days must be at least 1",
        "min_tls_version must be one of 1.2, 1.3",
    ):
        assert expected in message


def test_replicating_kms_bucket_requires_destination_key() -> None:
    with pytest.raises(ValueError, match="destination_kms_key_arn"):
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="example-artifacts",
            encryption=BucketEncryption.KMS,
            replication=Replication(destination_bucket_arn="arn:aws:s3:::replica"),
        )


def test_noncurrent_versions_to_keep_respects_s3_limit() -> None:
    with pytest.raises(ValueError, match="noncurrent_versions_to_keep must be 0 to 100"):
        PrivateBucket(
            new_stack(), "bucket", bucket_name="example-artifacts", noncurrent_versions_to_keep=101
        )


def test_bucket_name_that_is_a_token_is_not_validated() -> None:
    stack = new_stack()
    name = TerraformVariable(stack, "bucket_name", type="string").string_value
    bucket = PrivateBucket(stack, "bucket", bucket_name=name)
    assert bucket.bucket_name == name


def test_object_arn_normalises_the_prefix() -> None:
    bucket = PrivateBucket(new_stack(), "bucket", bucket_name="example-artifacts")
    assert bucket.arn_for_objects("/team/eu/") == f"{bucket.bucket_arn}/team/eu/*"
    assert bucket.arn_for_objects() == f"{bucket.bucket_arn}/*"


def test_object_arn_refuses_wildcard_prefix() -> None:
    bucket = PrivateBucket(new_stack(), "bucket", bucket_name="example-artifacts")
    with pytest.raises(PrefixError, match=r"'team\*' may not contain '\*'"):
        bucket.arn_for_objects("team*")


def test_resource_policy_takes_further_statements_in_the_same_document() -> None:
    from platform_storage.policy import PolicyStatement, Principal

    bucket = PrivateBucket(new_stack(), "bucket", bucket_name="example-artifacts")
    bucket.add_to_resource_policy(
        PolicyStatement(
            sid="AllowAuditRead",
            effect="Allow",
            actions=("s3:GetObject",),
            resources=(bucket.arn_for_objects("audit"),),
            principals=(Principal("AWS", ("arn:aws:iam::123456789012:role/audit",)),),
        )
    )
    sids = [s.sid for s in bucket.resource_policy.statements]
    assert sids == ["DenyInsecureTransport", "DenyOutdatedTls", "AllowAuditRead"]


def test_repeated_statement_id_is_refused() -> None:
    from platform_storage.policy import ANYONE, PolicyStatement

    bucket = PrivateBucket(new_stack(), "bucket", bucket_name="example-artifacts")
    with pytest.raises(ValueError, match="DenyInsecureTransport"):
        bucket.add_to_resource_policy(
            PolicyStatement(
                sid="DenyInsecureTransport", effect="Deny", actions=("s3:*",), principals=(ANYONE,)
            )
        )
