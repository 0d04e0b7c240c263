"""Synth-time invariants: the pure rules, and the aspect failing a real synth."""

from __future__ import annotations

import copy
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from platform_storage.cdk import App, S3Bucket, TerraformStack
from platform_storage.constructs import PrivateBucket, StateBucket, suppress
from platform_storage.rules.bucket_rules import check_buckets
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.validation import apply_rules
from tests.configurations import real_synth

Doc = dict[str, Any]


def rule_ids(doc: Doc, state: bool = False) -> set[str]:
    document = TerraformDocument(doc)
    paths = [b.path for b in document.resources("aws_s3_bucket")] if state else []
    return {f.rule_id for f in check_buckets(document, state_paths=paths)}


def test_hardened_buckets_break_no_rule(synthesized: dict[str, Doc]) -> None:
    for name, doc in synthesized.items():
        assert rule_ids(doc, state=name.startswith("state")) == set(), name


def test_bucket_without_companions_breaks_every_rule(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["state_default"])
    doc["resource"] = {"aws_s3_bucket": doc["resource"]["aws_s3_bucket"]}
    doc["resource"]["aws_s3_bucket"]["state_bucket"] = {"bucket": "x"}
    assert rule_ids(doc, state=True) == {f"PS-S3-{n}" for n in range(1, 7)}


def test_public_access_block_with_one_flag_off_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["private_default"])
    (pab,) = doc["resource"]["aws_s3_bucket_public_access_block"].values()
    pab["restrict_public_buckets"] = False
    assert rule_ids(doc) == {"PS-S3-1"}


def test_policy_without_tls_version_statement_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["private_default"])
    (policy_doc,) = doc["data"]["aws_iam_policy_document"].values()
    policy_doc["statement"] = [s for s in policy_doc["statement"] if s["sid"] != "DenyOutdatedTls"]
    assert rule_ids(doc) == {"PS-S3-3"}


def test_tls_deny_that_misses_the_objects_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["private_default"])
    (policy_doc,) = doc["data"]["aws_iam_policy_document"].values()
    for st in policy_doc["statement"]:
        st["resources"] = st["resources"][:1]
    assert rule_ids(doc) == {"PS-S3-3"}


def test_literal_json_bucket_policy_is_understood(synthesized: dict[str, Doc]) -> None:
    import json

    doc = copy.deepcopy(synthesized["private_default"])
    (policy,) = doc["resource"]["aws_s3_bucket_policy"].values()
    (bucket,) = doc["resource"]["aws_s3_bucket"]
    arn = "${aws_s3_bucket." + bucket + ".arn}"
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, arn + "/*"]}
    policy["policy"] = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {**deny, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
            ],
        }
    )
    assert rule_ids(doc) == set()
    # In one statement the two conditions are ANDed: a plain-HTTP request has no TLS version,
    # so that Deny never applies.
    combined = {
        **deny,
        "Condition": {
            "Bool": {"aws:SecureTransport": "false"},
            "NumericLessThan": {"s3:TlsVersion": "1.2"},
        },
    }
    policy["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [combined]})
    assert rule_ids(doc) == {"PS-S3-3"}


def test_acl_enabled_ownership_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["private_default"])
    (controls,) = doc["resource"]["aws_s3_bucket_ownership_controls"].values()
    controls["rule"] = {"object_ownership": "ObjectWriter"}
    assert rule_ids(doc) == {"PS-S3-4"}


synth_app = partial(real_synth, stack_name="rules")


def test_weakened_bucket_fails_the_real_synth(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
        bucket.public_access_block.add_override("block_public_policy", False)

    with pytest.raises(RuntimeError) as raised:
        synth_app(tmp_path, build)
    assert "[rules/bucket/bucket] [PS-S3-1]" in str(raised.value)
    assert "block_public_policy" in str(raised.value)
    assert not (tmp_path / "out/stacks/rules/cdk.tf.json").exists()


def test_state_bucket_with_versioning_suspended_fails_the_real_synth(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        state = StateBucket(stack, "state", bucket_name="example-tfstate")
        assert state.versioning is not None
        state.versioning.add_override("versioning_configuration.status", "Suspended")

    with pytest.raises(RuntimeError, match=r"\[rules/state/bucket\] \[PS-S3-5\]"):
        synth_app(tmp_path, build)


def test_plain_bucket_in_a_checked_stack_fails_the_real_synth(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        apply_rules(stack)
        S3Bucket(stack, "raw", bucket="example-raw")

    with pytest.raises(RuntimeError) as raised:
        synth_app(tmp_path, build)
    for rule in ("PS-S3-1", "PS-S3-2", "PS-S3-3", "PS-S3-4"):
        assert f"[rules/raw] [{rule}]" in str(raised.value)


def test_suppression_with_a_reason_lets_the_synth_pass(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-website")
        bucket.public_access_block.add_override("block_public_policy", False)
        suppress(
            bucket, "PS-S3-1", reason="public website bucket, reviewed in SEC-123 with CloudFront"
        )

    synth_app(tmp_path, build)
    assert (tmp_path / "out/stacks/rules/cdk.tf.json").exists()


def test_suppression_of_one_rule_does_not_hide_another(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-website")
        bucket.public_access_block.add_override("block_public_policy", False)
        bucket.ownership_controls.add_override("rule.object_ownership", "ObjectWriter")
        suppress(bucket, "PS-S3-1", reason="public website bucket, reviewed in SEC-123")

    with pytest.raises(RuntimeError, match=r"PS-S3-4"):
        synth_app(tmp_path, build)


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_suppression_without_a_written_reason_is_refused(reason: str) -> None:
    stack = TerraformStack(App(), "reasons")
    bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
    with pytest.raises(ValueError, match="needs a written reason"):
        suppress(bucket, "PS-S3-1", reason=reason)


def test_a_user_aspect_that_weakens_a_bucket_is_caught(tmp_path: Path) -> None:
    """CDK visits aspects top-down, so a check run as an aspect of the stack would judge the
    bucket before the user's aspect weakens it; the rules run after every aspect."""
    import jsii

    from platform_storage.cdk import Aspects, IAspect, IConstruct, S3BucketPublicAccessBlock

    @jsii.implements(IAspect)
    class OpenEveryBucket:
        def visit(self, node: IConstruct) -> None:
            if isinstance(node, S3BucketPublicAccessBlock):
                node.block_public_policy = False

    def build(stack: TerraformStack) -> None:
        PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
        Aspects.of(stack).add(OpenEveryBucket())

    with pytest.raises(RuntimeError, match=r"\[PS-S3-1\].*block_public_policy"):
        synth_app(tmp_path, build)


def test_a_second_weaker_public_access_block_is_reported(tmp_path: Path) -> None:
    from platform_storage.cdk import S3BucketPublicAccessBlock

    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
        S3BucketPublicAccessBlock(
            stack,
            "open",
            bucket=bucket.bucket_id,
            block_public_acls=False,
            block_public_policy=False,
            ignore_public_acls=False,
            restrict_public_buckets=False,
        )

    with pytest.raises(RuntimeError, match=r"\[PS-S3-1\]"):
        synth_app(tmp_path, build)


def test_a_second_versioning_that_suspends_a_state_bucket_is_reported(tmp_path: Path) -> None:
    from platform_storage.cdk import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration

    def build(stack: TerraformStack) -> None:
        state = StateBucket(stack, "state", bucket_name="example-tfstate")
        S3BucketVersioningA(
            stack,
            "suspend",
            bucket=state.bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Suspended"),
        )

    with pytest.raises(RuntimeError, match=r"\[PS-S3-5\]"):
        synth_app(tmp_path, build)


def test_a_tls_deny_narrowed_by_another_condition_is_reported(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
        for index in (0, 1):
            bucket.resource_policy.data.add_override(
                f"statement.{index}.condition.1",
                {"test": "StringEquals", "variable": "aws:PrincipalAccount", "values": ["0"]},
            )

    with pytest.raises(RuntimeError, match=r"\[PS-S3-3\]"):
        synth_app(tmp_path, build)
