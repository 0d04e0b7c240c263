"""Option validation: conflicting or out-of-range options are refused with one message, by the
same `BucketOptions` the configuration file uses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from platform_storage.bucket_options import OptionsError, option_problems
from platform_storage.cdk import App, TerraformStack, TerraformVariable
from platform_storage.constructs import (
    BucketEncryption,
    BucketOptions,
    PrivateBucket,
    Replication,
)
from platform_storage.prefixes import PrefixError

KEY = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def new_stack() -> TerraformStack:
    return TerraformStack(App(), "options")


def test_all_conflicts_are_listed_in_one_message() -> None:
    with pytest.raises(ValueError) as raised:
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="Bad_Name",
            options=BucketOptions(
                kms_key_arn=KEY,
                replication=Replication(destination_bucket_arn="arn:aws:s3:::replica"),
            ),
            versioned=False,
            force_destroy=True,
            prevent_destroy=True,
        )
    message = str(raised.value)
    assert message.startswith("PrivateBucket options/bucket: ")
    for expected in (
        "bucket_name 'Bad_Name' may contain only lowercase letters",
        "options.kms_key_arn is only used with encryption 'sse-kms'",
        "options.replication needs versioned=True",
        "force_destroy and prevent_destroy contradict each other",
    ):
        assert expected in message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"abort_incomplete_multipart_upload_days": 0}, "abort_incomplete_multipart_upload_days"),
        ({"noncurrent_versions_to_keep": 101}, "noncurrent_versions_to_keep"),
        ({"noncurrent_version_expiration_days": 10**30}, "noncurrent_version_expiration_days"),
        ({"min_tls_version": "1.0"}, "min_tls_version"),
        ({"kms_key_arn": "*"}, "kms_key_arn"),
        ({"kms_key_arn": "arn:aws:kms:us-east-2:123456789012:key/*"}, "kms_key_arn"),
        ({"kms_key_arn": "arn:aws:kms:us-east-2:123456789012:alias/s3"}, "kms_key_arn"),
    ],
)
def test_out_of_range_options_name_the_field(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        BucketOptions.model_validate(options)
    assert field in str(raised.value)


def test_a_bogus_replica_storage_class_is_refused() -> None:
    with pytest.raises(ValidationError, match="storage_class"):
        Replication.model_validate(
            {"destination_bucket_arn": "arn:aws:s3:::replica", "storage_class": "CHEAP"}
        )


def test_wildcard_replication_key_is_refused() -> None:
    with pytest.raises(ValueError, match="must be a KMS key ARN"):
        Replication(destination_bucket_arn="arn:aws:s3:::replica", destination_kms_key_arn="*")


def test_options_built_in_code_are_refused_in_one_line_naming_every_field() -> None:
    with pytest.raises(OptionsError) as raised:
        BucketOptions(kms_key_arn="*", abort_incomplete_multipart_upload_days=0)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("BucketOptions: kms_key_arn: '*' must be a KMS key ARN")
    assert "; abort_incomplete_multipart_upload_days: " in message


def test_replicating_kms_bucket_requires_destination_key() -> None:
    with pytest.raises(ValueError, match="destination_kms_key_arn"):
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="example-artifacts",
            options=BucketOptions(
                encryption=BucketEncryption.KMS,
                replication=Replication(destination_bucket_arn="arn:aws:s3:::replica"),
            ),
        )


def test_replication_into_the_bucket_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="names the bucket itself"):
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="example-artifacts",
            options=BucketOptions(
                replication=Replication(destination_bucket_arn="arn:aws:s3:::example-artifacts")
            ),
        )


def test_bucket_name_that_is_a_token_is_not_validated() -> None:
    stack = new_stack()
    name = TerraformVariable(stack, "bucket_name", type="string").string_value
    bucket = PrivateBucket(stack, "bucket", bucket_name=name)
    assert bucket.bucket_name == name


def test_kms_key_that_is_a_token_is_not_validated() -> None:
    stack = new_stack()
    key = TerraformVariable(stack, "key", type="string").string_value
    bucket = PrivateBucket(
        stack,
        "bucket",
        bucket_name="example-artifacts",
        options=BucketOptions(encryption=BucketEncryption.KMS, kms_key_arn=key),
    )
    assert bucket.kms_key_arn == key


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


def transition(days: int, storage_class: str, **retention: int) -> BucketOptions:
    return BucketOptions.model_validate(
        {
            "noncurrent_version_transition": {"days": days, "storage_class": storage_class},
            **retention,
        }
    )


def test_transition_to_infrequent_access_before_30_days_is_refused() -> None:
    problems = option_problems(transition(10, "STANDARD_IA"), state=False)
    assert problems == [
        (
            "noncurrent_version_transition.days",
            "is 10; S3 moves objects to STANDARD_IA after 30 days at the earliest",
        )
    ]


def test_transition_after_the_versions_expire_is_refused() -> None:
    (problem,) = option_problems(transition(30, "GLACIER"), state=False)
    assert problem[0] == "noncurrent_version_transition.days"
    assert "expire after 30 days" in problem[1]


def test_transition_before_expiry_is_accepted() -> None:
    options = transition(30, "STANDARD_IA", noncurrent_version_expiration_days=60)
    assert option_problems(options, state=False) == []


def test_state_bucket_refuses_a_class_that_needs_a_restore() -> None:
    problems = dict(option_problems(transition(30, "DEEP_ARCHIVE"), state=True))
    assert "needs a restore" in problems["noncurrent_version_transition.storage_class"]


def test_state_bucket_accepts_an_instant_retrieval_class() -> None:
    assert option_problems(transition(30, "GLACIER_IR"), state=True) == []


def test_transition_on_an_unversioned_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="noncurrent-version options need versioned=True"):
        PrivateBucket(
            new_stack(),
            "bucket",
            bucket_name="example-cache",
            options=transition(7, "GLACIER_IR"),
            versioned=False,
        )


def test_an_unknown_transition_class_is_refused() -> None:
    with pytest.raises(ValueError, match="storage_class"):
        transition(30, "STANDARD")


def test_a_bad_grant_prefix_names_the_bucket_the_identity_and_the_argument() -> None:
    from platform_storage.constructs import IrsaRole, ServiceAccount
    from tests.configurations import ACCOUNT_INFO, EKS_ISSUER

    stack = TerraformStack(App(), "prefix-errors")
    bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
    role = IrsaRole(
        stack,
        "reader",
        account=ACCOUNT_INFO,
        role_name="reader",
        oidc_issuer=EKS_ISSUER,
        service_accounts=[ServiceAccount("apps", "reader")],
    )
    with pytest.raises(PrefixError) as raised:
        bucket.grant_read(role, "../other")
    assert str(raised.value).startswith("prefix-errors/bucket: grant to ")
    assert "prefix '../other' may not contain '..'" in str(raised.value)
