"""`StateBucket`: versioning that cannot be switched off, prevent_destroy, retention floors."""

from __future__ import annotations

from typing import Any

import pytest

from platform_storage.cdk import App, TerraformStack
from platform_storage.constructs import BucketOptions, StateBucket
from tests.helpers import only

Doc = dict[str, Any]


def test_state_bucket_is_versioned(synthesized: dict[str, Doc]) -> None:
    versioning = only(synthesized["state_default"], "aws_s3_bucket_versioning").config
    assert versioning["versioning_configuration"] == {"status": "Enabled"}


def test_state_bucket_prevents_destroy(synthesized: dict[str, Doc]) -> None:
    bucket = only(synthesized["state_default"], "aws_s3_bucket").config
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert bucket["force_destroy"] is False


def test_state_keeps_noncurrent_versions_90_days_and_newest_10(
    synthesized: dict[str, Doc],
) -> None:
    rules = only(synthesized["state_default"], "aws_s3_bucket_lifecycle_configuration").config
    (expire,) = [r for r in rules["rule"] if "noncurrent_version_expiration" in r]
    assert expire["noncurrent_version_expiration"] == [
        {"noncurrent_days": 90, "newer_noncurrent_versions": 10}
    ]


def test_state_retention_is_configurable(synthesized: dict[str, Doc]) -> None:
    rules = only(synthesized["state_full"], "aws_s3_bucket_lifecycle_configuration").config
    (expire,) = [r for r in rules["rule"] if "noncurrent_version_expiration" in r]
    assert expire["noncurrent_version_expiration"] == [
        {"noncurrent_days": 365, "newer_noncurrent_versions": 30}
    ]


def test_state_bucket_uses_the_given_kms_key(synthesized: dict[str, Doc]) -> None:
    doc = synthesized["state_full"]
    (rule,) = only(doc, "aws_s3_bucket_server_side_encryption_configuration").config["rule"]
    assert rule["apply_server_side_encryption_by_default"]["kms_master_key_id"].startswith(
        "arn:aws:kms:us-east-2:123456789012:key/"
    )
    assert "aws_kms_key" not in doc.get("resource", {})


@pytest.mark.parametrize(
    ("option", "value", "floor"),
    [
        ("noncurrent_version_expiration_days", 89, "at least 90 days"),
        ("noncurrent_versions_to_keep", 9, "at least the newest 10"),
        ("noncurrent_versions_to_keep", 0, "at least the newest 10"),
    ],
)
def test_state_retention_is_never_shorter_than_the_floor(
    option: str, value: int, floor: str
) -> None:
    stack = TerraformStack(App(), "retention")
    options = BucketOptions.model_validate({option: value})
    with pytest.raises(ValueError, match=f"options.{option} is {value}; .*{floor}"):
        StateBucket(stack, "state", bucket_name="example-tfstate", options=options)
    assert stack.node.try_find_child("state") is None


@pytest.mark.parametrize("option", ["versioned", "force_destroy", "prevent_destroy"])
def test_state_bucket_offers_no_way_to_weaken_itself(option: str) -> None:
    stack = TerraformStack(App(), "weaken")
    options: dict[str, Any] = {option: False}
    with pytest.raises(TypeError):
        StateBucket(stack, "state", bucket_name="example-tfstate", **options)
