"""Security properties of `PrivateBucket`, one test each, read from the synthesized document."""

from __future__ import annotations

from typing import Any

import pytest

from tests.configurations import DESTINATION_KEY_ARN
from tests.helpers import blocks, conditions, only, statement, statements_of

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def default(synthesized: dict[str, Doc]) -> Doc:
    return synthesized["private_default"]


@pytest.fixture(scope="module")
def full(synthesized: dict[str, Doc]) -> Doc:
    return synthesized["private_full"]


def bucket_ref(doc: Doc, attribute: str = "id") -> str:
    return only(doc, "aws_s3_bucket").ref(attribute)


def test_bucket_is_not_force_destroyed_by_default(default: Doc) -> None:
    assert only(default, "aws_s3_bucket").config["force_destroy"] is False


def test_public_access_block_turns_on_all_four_flags(default: Doc) -> None:
    pab = only(default, "aws_s3_bucket_public_access_block").config
    assert pab["bucket"] == bucket_ref(default)
    for flag in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert pab[flag] is True, flag


def test_object_ownership_is_bucket_owner_enforced(default: Doc) -> None:
    controls = only(default, "aws_s3_bucket_ownership_controls").config
    assert controls["bucket"] == bucket_ref(default)
    assert controls["rule"] == {"object_ownership": "BucketOwnerEnforced"}


def test_default_encryption_is_sse_s3(default: Doc) -> None:
    sse = only(default, "aws_s3_bucket_server_side_encryption_configuration").config
    assert sse["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


def test_kms_encryption_uses_created_key_with_bucket_key(full: Doc) -> None:
    key = only(full, "aws_kms_key")
    (rule,) = only(full, "aws_s3_bucket_server_side_encryption_configuration").config["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": key.ref("arn"),
    }
    assert rule["bucket_key_enabled"] is True


def test_created_kms_key_rotates(full: Doc) -> None:
    key = only(full, "aws_kms_key").config
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30


def test_created_key_policy_gives_key_use_only_through_s3(full: Doc) -> None:
    import json

    policy = json.loads(only(full, "aws_kms_key").config["policy"])
    for st in policy["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert "kms:*" not in actions
        uses_key = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"} & set(actions)
        if uses_key:
            assert st["Condition"]["StringLike"]["kms:ViaService"] == [
                "s3.*.amazonaws.com",
                "s3.*.amazonaws.com.cn",
            ]
            assert "kms:CallerAccount" in st["Condition"]["StringEquals"]


def test_bucket_policy_denies_requests_without_tls(default: Doc) -> None:
    policy = only(default, "aws_s3_bucket_policy").config
    st = statement(statements_of(default, policy["policy"]), "DenyInsecureTransport")
    assert st["effect"] == "Deny"
    assert st["actions"] == ["s3:*"]
    assert st["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert st["resources"] == [bucket_ref(default, "arn"), bucket_ref(default, "arn") + "/*"]
    assert conditions(st) == {("Bool", "aws:SecureTransport", ("false",))}


def test_bucket_policy_denies_tls_older_than_1_2(default: Doc) -> None:
    policy = only(default, "aws_s3_bucket_policy").config
    st = statement(statements_of(default, policy["policy"]), "DenyOutdatedTls")
    assert st["effect"] == "Deny"
    assert st["resources"] == [bucket_ref(default, "arn"), bucket_ref(default, "arn") + "/*"]
    assert conditions(st) == {("NumericLessThan", "s3:TlsVersion", ("1.2",))}


def test_minimum_tls_version_is_configurable(full: Doc) -> None:
    policy = only(full, "aws_s3_bucket_policy").config
    st = statement(statements_of(full, policy["policy"]), "DenyOutdatedTls")
    assert conditions(st) == {("NumericLessThan", "s3:TlsVersion", ("1.3",))}


def test_bucket_policy_waits_for_public_access_block_and_ownership(default: Doc) -> None:
    pab = only(default, "aws_s3_bucket_public_access_block").address
    ownership = only(default, "aws_s3_bucket_ownership_controls").address
    assert only(default, "aws_s3_bucket_policy").config["depends_on"] == [pab, ownership]


def test_ownership_controls_wait_for_public_access_block(default: Doc) -> None:
    pab = only(default, "aws_s3_bucket_public_access_block").address
    assert only(default, "aws_s3_bucket_ownership_controls").config["depends_on"] == [pab]


def test_lifecycle_aborts_incomplete_multipart_uploads_after_7_days(default: Doc) -> None:
    rules = only(default, "aws_s3_bucket_lifecycle_configuration").config["rule"]
    (abort,) = [r for r in rules if "abort_incomplete_multipart_upload" in r]
    assert abort["status"] == "Enabled"
    assert abort["filter"] == [{"prefix": ""}], "an explicit filter avoids provider drift"
    assert abort["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_versioned_by_default_with_noncurrent_expiry_that_keeps_newest(default: Doc) -> None:
    versioning = only(default, "aws_s3_bucket_versioning").config
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    rules = only(default, "aws_s3_bucket_lifecycle_configuration").config["rule"]
    (expire,) = [r for r in rules if "noncurrent_version_expiration" in r]
    assert expire["filter"] == [{"prefix": ""}]
    assert expire["noncurrent_version_expiration"] == [
        {"noncurrent_days": 30, "newer_noncurrent_versions": 3}
    ]


def test_lifecycle_waits_for_versioning(default: Doc) -> None:
    versioning = only(default, "aws_s3_bucket_versioning").address
    assert only(default, "aws_s3_bucket_lifecycle_configuration").config["depends_on"] == [
        versioning
    ]


def test_retention_settings_are_configurable(full: Doc) -> None:
    rules = only(full, "aws_s3_bucket_lifecycle_configuration").config["rule"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["abort-incomplete-multipart-uploads"]["abort_incomplete_multipart_upload"] == [
        {"days_after_initiation": 3}
    ]
    assert by_id["expire-noncurrent-versions"]["noncurrent_version_expiration"] == [
        {"noncurrent_days": 14, "newer_noncurrent_versions": 5}
    ]


def test_noncurrent_versions_move_to_the_configured_class(full: Doc) -> None:
    rules = only(full, "aws_s3_bucket_lifecycle_configuration").config["rule"]
    (expire,) = [r for r in rules if r["id"] == "expire-noncurrent-versions"]
    assert expire["noncurrent_version_transition"] == [
        {"noncurrent_days": 7, "storage_class": "GLACIER_IR"}
    ]


def test_noncurrent_versions_stay_in_standard_by_default(default: Doc) -> None:
    rules = only(default, "aws_s3_bucket_lifecycle_configuration").config["rule"]
    assert all("noncurrent_version_transition" not in r for r in rules)


def test_access_logging_goes_to_target_bucket_and_prefix(full: Doc) -> None:
    logging = only(full, "aws_s3_bucket_logging").config
    assert logging["bucket"] == bucket_ref(full)
    assert logging["target_bucket"] == "example-access-logs"
    assert logging["target_prefix"] == "s3/"


def test_tags_are_set_on_the_bucket(full: Doc) -> None:
    assert only(full, "aws_s3_bucket").config["tags"] == {"team": "platform"}


def test_replication_rule_reencrypts_for_kms_destination(full: Doc) -> None:
    config = only(full, "aws_s3_bucket_replication_configuration").config
    (rule,) = config["rule"]
    assert rule["status"] == "Enabled"
    assert rule["destination"]["encryption_configuration"] == {
        "replica_kms_key_id": DESTINATION_KEY_ARN
    }
    assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
    assert rule["destination"]["access_control_translation"] == {"owner": "Destination"}
    assert config["depends_on"] == [only(full, "aws_s3_bucket_versioning").address]


def test_replication_role_is_trusted_by_s3_for_this_bucket_only(full: Doc) -> None:
    role = only(full, "aws_iam_role").config
    (st,) = statements_of(full, role["assume_role_policy"])
    assert st["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    assert st["actions"] == ["sts:AssumeRole"]
    assert ("ArnLike", "aws:SourceArn", (bucket_ref(full, "arn"),)) in conditions(st)


def test_replication_role_has_least_privilege(full: Doc) -> None:
    """The owner override right is there because the full configuration replicates to another
    account (with `access_control_translation`); the state_full configuration does not."""
    policy = only(full, "aws_iam_policy").config
    granted = {
        (action, resource)
        for st in statements_of(full, policy["policy"])
        for action in st["actions"]
        for resource in st["resources"]
    }
    arn = bucket_ref(full, "arn")
    created_key = only(full, "aws_kms_key").ref("arn")
    destination = "arn:aws:s3:::example-replica-eu-west-1/*"
    destination_key = DESTINATION_KEY_ARN
    assert granted == {
        ("s3:GetReplicationConfiguration", arn),
        ("s3:ListBucket", arn),
        ("s3:GetObjectVersionAcl", f"{arn}/*"),
        ("s3:GetObjectVersionForReplication", f"{arn}/*"),
        ("s3:GetObjectVersionTagging", f"{arn}/*"),
        ("s3:ReplicateDelete", destination),
        ("s3:ReplicateObject", destination),
        ("s3:ReplicateTags", destination),
        ("s3:ObjectOwnerOverrideToBucketOwner", destination),
        ("kms:Decrypt", created_key),
        ("kms:Encrypt", destination_key),
        ("kms:GenerateDataKey", destination_key),
    }


def test_default_bucket_creates_no_iam_or_kms(default: Doc) -> None:
    for type_ in ("aws_iam_role", "aws_iam_policy", "aws_kms_key", "aws_s3_bucket_logging"):
        assert blocks(default, type_) == [], type_


def test_same_account_replication_needs_no_owner_override(synthesized: dict[str, Doc]) -> None:
    doc = synthesized["state_full"]
    policy = only(doc, "aws_iam_policy").config
    actions = {a for st in statements_of(doc, policy["policy"]) for a in st["actions"]}
    assert "s3:ObjectOwnerOverrideToBucketOwner" not in actions
    assert "s3:ReplicateObject" in actions
