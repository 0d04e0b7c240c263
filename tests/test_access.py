"""Profiles, prefix scoping and the grant rules, from the one helper every grant goes through."""

from __future__ import annotations

from typing import Any

import pytest

from platform_storage.access import (
    AccessProfile,
    Grant,
    StateOptions,
    access_statements,
    statement_stem,
)
from platform_storage.cdk import App, TerraformStack
from platform_storage.constructs import EcsTaskRole, PrivateBucket, StateBucket
from platform_storage.policy import document_statements_to_iam
from platform_storage.prefixes import PrefixError, normalize_prefix, overlapping_prefixes
from tests.configurations import ACCOUNT_INFO
from tests.policy_eval import identity_policy

BUCKET = "arn:aws:s3:::bkt"
KEY = "arn:aws:kms:us-east-2:123456789012:key/k"


def granted(grant: Grant) -> set[tuple[str, str]]:
    return {
        (action, resource)
        for st in access_statements(grant)
        for action in st.actions
        for resource in st.resources
    }


def test_massdriver_profile_uses_real_minimal_actions() -> None:
    assert granted(Grant(BUCKET, AccessProfile.MASSDRIVER)) == {
        ("s3:ListBucket", BUCKET),
        ("s3:ListBucketMultipartUploads", BUCKET),
        ("s3:GetBucketLocation", BUCKET),
        ("s3:AbortMultipartUpload", f"{BUCKET}/*"),
        ("s3:DeleteObject", f"{BUCKET}/*"),
        ("s3:GetObject", f"{BUCKET}/*"),
        ("s3:ListMultipartUploadParts", f"{BUCKET}/*"),
        ("s3:PutObject", f"{BUCKET}/*"),
        ("s3:RestoreObject", f"{BUCKET}/*"),
    }


def test_massdriver_profile_has_none_of_the_seed_pseudo_actions() -> None:
    actions = {a for a, _ in granted(Grant(BUCKET, AccessProfile.MASSDRIVER))}
    assert not {"s3:HeadBucket", "s3:ListObjects", "s3:ListObjectsV2"} & actions
    assert not any("*" in a for a in actions)


def test_argo_profile_gets_objects_and_listing_only() -> None:
    assert granted(Grant(BUCKET, AccessProfile.ARGO_ARTIFACTS)) == {
        ("s3:ListBucket", BUCKET),
        ("s3:DeleteObject", f"{BUCKET}/*"),
        ("s3:GetObject", f"{BUCKET}/*"),
        ("s3:PutObject", f"{BUCKET}/*"),
    }


def test_tf_state_profile_reads_and_writes_under_the_prefix_only() -> None:
    statements = access_statements(Grant(BUCKET, AccessProfile.TF_STATE, prefix="team"))
    iam = document_statements_to_iam([s.to_document_block() for s in statements])
    assert iam["Statement"] == [
        {
            "Sid": f"{statement_stem('Bucket', 'team')}List",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": ["team/", "team/*"]}},
        },
        {
            "Sid": f"{statement_stem('Bucket', 'team')}Objects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": f"{BUCKET}/team/*",
        },
    ]


def test_tf_state_lockfile_option_adds_tflock_rights_under_the_prefix() -> None:
    grant = Grant(BUCKET, AccessProfile.TF_STATE, prefix="team", state=StateOptions(lockfile=True))
    lock = {r for a, r in granted(grant) if a == "s3:DeleteObject"}
    assert lock == {f"{BUCKET}/team/*.tflock"}


def test_tf_state_delete_only_when_asked() -> None:
    plain = granted(Grant(BUCKET, AccessProfile.TF_STATE, prefix="team"))
    asked = granted(
        Grant(BUCKET, AccessProfile.TF_STATE, prefix="team", state=StateOptions(delete_state=True))
    )
    assert ("s3:DeleteObject", f"{BUCKET}/team/*") not in plain
    assert ("s3:DeleteObject", f"{BUCKET}/team/*") in asked


def test_read_only_profile_cannot_write() -> None:
    actions = {a for a, _ in granted(Grant(BUCKET, AccessProfile.READ_ONLY, kms_key_arn=KEY))}
    assert actions == {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"}


@pytest.mark.parametrize("profile", list(AccessProfile))
def test_customer_key_adds_only_the_key_actions_the_profile_needs(profile: AccessProfile) -> None:
    with_key = granted(Grant(BUCKET, profile, kms_key_arn=KEY))
    without = granted(Grant(BUCKET, profile))
    extra = with_key - without
    writes = profile is not AccessProfile.READ_ONLY
    expected = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"} if writes else {"kms:Decrypt"}
    assert extra == {(action, KEY) for action in expected}


def test_prefixed_massdriver_grant_drops_bucket_wide_multipart_listing() -> None:
    actions = {a for a, _ in granted(Grant(BUCKET, AccessProfile.MASSDRIVER, prefix="md"))}
    assert "s3:ListBucketMultipartUploads" not in actions


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("team*", "'*'"),
        ("team?", "'?'"),
        ("${aws:username}", "'${'"),
        ("../x", "'..'"),
        ("a//b", "empty segments"),
        ("team a", "whitespace"),
        ("/", "is empty"),
        ("tëam", "may contain only"),
        ("team:eu", "may contain only"),
    ],
)
def test_bad_prefix_is_refused_naming_value_and_rule(value: str, rule: str) -> None:
    with pytest.raises(PrefixError) as raised:
        normalize_prefix(value)
    assert repr(value) in str(raised.value)
    assert rule in str(raised.value)


def test_prefix_is_normalised_without_outer_slashes() -> None:
    assert normalize_prefix("/ops/eu/") == "ops/eu"


def test_nested_and_repeated_prefixes_are_found() -> None:
    assert overlapping_prefixes(["a", "a/b", "ab", "c", "c"]) == [("a", "a/b"), ("c", "c")]


def new_bucket() -> tuple[TerraformStack, PrivateBucket]:
    stack = TerraformStack(App(), "grants")
    return stack, StateBucket(stack, "state", bucket_name="example-tfstate")


def role(stack: TerraformStack, name: str) -> EcsTaskRole:
    return EcsTaskRole(stack, name, account=ACCOUNT_INFO, role_name=name)


def test_grants_whose_prefixes_nest_are_refused() -> None:
    stack, bucket = new_bucket()
    bucket.grant_state_access(role(stack, "a"), "team")
    with pytest.raises(PrefixError, match="'team/eu' for grants/b repeats or nests in 'team'"):
        bucket.grant_state_access(role(stack, "b"), "team/eu")


def test_same_prefix_for_two_identities_is_refused() -> None:
    stack, bucket = new_bucket()
    bucket.grant_state_access(role(stack, "a"), "team")
    with pytest.raises(PrefixError, match="disjoint prefixes"):
        bucket.grant_state_access(role(stack, "b"), "team/")


def test_whole_bucket_grant_must_be_alone() -> None:
    stack, bucket = new_bucket()
    bucket.grant_state_access(role(stack, "a"))
    with pytest.raises(PrefixError, match="overlaps the grant of the whole bucket"):
        bucket.grant_state_access(role(stack, "b"), "team")


def test_sibling_prefixes_with_a_common_start_are_allowed() -> None:
    stack, bucket = new_bucket()
    bucket.grant_state_access(role(stack, "a"), "team")
    bucket.grant_state_access(role(stack, "b"), "team-b")


def test_kms_bucket_grant_names_its_own_key(synthesized: dict[str, dict[str, Any]]) -> None:
    policy = identity_policy(synthesized["identities"], "example-ecs-task-storage")
    (key,) = [s for s in policy["Statement"] if s["Sid"].endswith("Key")]
    assert key["Resource"].startswith("arn:aws:kms:us-east-2:123456789012:key/shared_key")


def test_prefixes_that_read_alike_get_distinct_statement_ids() -> None:
    """Statement ids allow only letters and digits: `team-b`, `team/b` and `team.b` all read
    `TeamB`, so one identity granted all three must still get distinct ids."""
    sids = [
        st.sid
        for prefix in ("team-b", "team/b", "team.b", "teamB")
        for st in access_statements(Grant(BUCKET, AccessProfile.TF_STATE, prefix=prefix))
    ]
    assert len(sids) == len(set(sids)) == 8


def test_one_identity_takes_grants_on_prefixes_that_read_alike() -> None:
    stack, bucket = new_bucket()
    runner = role(stack, "a")
    for prefix in ("team-b", "team/b", "team.b"):
        bucket.grant_state_access(runner, prefix)
    assert len(runner.storage_statements) == 6
