"""Bucket invariants: each a small pure function over the synthesized document. No CDK import.

A check returns None when the bucket complies, else one sentence saying what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from platform_storage.policy import as_list
from platform_storage.rules.document import Block, TerraformDocument
from platform_storage.rules.model import BucketRule, Finding


def _every(
    doc: TerraformDocument,
    type_: str,
    bucket: Block,
    problem: Callable[[Block], str | None],
    absent: str,
) -> str | None:
    """The bucket's companions of `type_` must exist and each comply: a second, weaker one (an
    escape hatch, a hand-written resource) is judged too, since S3 applies whichever comes
    last."""
    companions = doc.companions(type_, bucket)
    if not companions:
        return absent
    return next((p for p in map(problem, companions) if p), None)


PUBLIC_ACCESS_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def public_access_block(doc: TerraformDocument, bucket: Block) -> str | None:
    def flags_off(pab: Block) -> str | None:
        off = [f for f in PUBLIC_ACCESS_FLAGS if pab.config.get(f) is not True]
        return f"public access block leaves {', '.join(off)} off" if off else None

    return _every(
        doc, "aws_s3_bucket_public_access_block", bucket, flags_off, "no public access block"
    )


def default_encryption(doc: TerraformDocument, bucket: Block) -> str | None:
    def algorithm(sse: Block) -> str | None:
        defaults = [
            default
            for rule in as_list(sse.config.get("rule"))
            for default in as_list(rule.get("apply_server_side_encryption_by_default"))
        ]
        if defaults and all(
            d.get("sse_algorithm") in ("AES256", "aws:kms", "aws:kms:dsse") for d in defaults
        ):
            return None
        return "default encryption without SSE-S3 or SSE-KMS"

    return _every(
        doc,
        "aws_s3_bucket_server_side_encryption_configuration",
        bucket,
        algorithm,
        "no default encryption (SSE-S3 or SSE-KMS)",
    )


def bucket_owner_enforced(doc: TerraformDocument, bucket: Block) -> str | None:
    def enforced(controls: Block) -> str | None:
        rules = as_list(controls.config.get("rule"))
        if rules and all(r.get("object_ownership") == "BucketOwnerEnforced" for r in rules):
            return None
        return "object ownership is not BucketOwnerEnforced (ACLs stay enabled)"

    return _every(
        doc,
        "aws_s3_bucket_ownership_controls",
        bucket,
        enforced,
        "object ownership is not BucketOwnerEnforced (ACLs stay enabled)",
    )


def tls_only_policy(doc: TerraformDocument, bucket: Block) -> str | None:
    policies = doc.companions("aws_s3_bucket_policy", bucket)
    if len(policies) > 1:
        return f"{len(policies)} bucket policies for one bucket: S3 keeps whichever is applied last"
    statements: list[Mapping[str, Any]] = []
    for policy in policies:
        statements += doc.policy_statements(policy.config.get("policy")) or []
    missing = []
    if not any(
        _denies_all(st, bucket, "Bool", "aws:SecureTransport", {"false"}) for st in statements
    ):
        missing.append("a Deny of every request with aws:SecureTransport = false")
    if not any(
        _denies_all(st, bucket, "NumericLessThan", "s3:TlsVersion", {"1.2", "1.3"})
        for st in statements
    ):
        missing.append("a Deny of every request with s3:TlsVersion < 1.2")
    return "bucket policy lacks " + " and ".join(missing) if missing else None


def state_versioning(doc: TerraformDocument, bucket: Block) -> str | None:
    def enabled(versioning: Block) -> str | None:
        statuses = [
            conf.get("status")
            for conf in as_list(versioning.config.get("versioning_configuration"))
        ]
        if statuses and all(status == "Enabled" for status in statuses):
            return None
        return "state bucket is not versioned (no way to roll state back)"

    return _every(
        doc,
        "aws_s3_bucket_versioning",
        bucket,
        enabled,
        "state bucket is not versioned (no way to roll state back)",
    )


def state_prevent_destroy(doc: TerraformDocument, bucket: Block) -> str | None:
    lifecycle = bucket.config.get("lifecycle") or {}
    if lifecycle.get("prevent_destroy") is True and bucket.config.get("force_destroy") is not True:
        return None
    return "state bucket lacks lifecycle.prevent_destroy (or sets force_destroy)"


BUCKET_RULES: tuple[BucketRule, ...] = (
    BucketRule("PS-S3-1", "public access block with all four flags on", public_access_block),
    BucketRule("PS-S3-2", "default encryption", default_encryption),
    BucketRule("PS-S3-3", "bucket policy denies non-TLS and TLS < 1.2", tls_only_policy),
    BucketRule("PS-S3-4", "object ownership BucketOwnerEnforced", bucket_owner_enforced),
    BucketRule("PS-S3-5", "state bucket versioned", state_versioning, state_only=True),
    BucketRule("PS-S3-6", "state bucket prevent_destroy", state_prevent_destroy, state_only=True),
)


def check_buckets(doc: TerraformDocument, *, state_paths: Iterable[str]) -> list[Finding]:
    """Every rule broken by every `aws_s3_bucket` of `doc`; `state_paths` are the construct
    paths of the state buckets (see `rules.validation.mark_state_bucket`)."""
    state = set(state_paths)
    findings = []
    for bucket in doc.resources("aws_s3_bucket"):
        for rule in BUCKET_RULES:
            if rule.state_only and bucket.path not in state:
                continue
            message = rule.check(doc, bucket)
            if message:
                findings.append(Finding(rule.id, bucket.path, bucket.address, message))
    return findings


def _denies_all(
    statement: Mapping[str, Any], bucket: Block, test: str, variable: str, values: set[str]
) -> bool:
    """A Deny of every action, principal and request of the bucket whose only condition is the
    one given: any further condition would narrow whom it denies."""
    if statement.get("effect") != "Deny":
        return False
    if any(statement.get(k) for k in ("not_actions", "not_resources", "not_principals")):
        return False
    if not set(as_list(statement.get("actions"))) & {"s3:*", "*"}:
        return False
    principals = as_list(statement.get("principals"))
    if not any("*" in as_list(p.get("identifiers")) for p in principals):
        return False
    resources = set(as_list(statement.get("resources")))
    arn = bucket.ref("arn")
    literal = bucket.config.get("bucket")
    covered_bucket = arn in resources or any(r.endswith(f":s3:::{literal}") for r in resources)
    covered_objects = f"{arn}/*" in resources or any(
        r.endswith(f":s3:::{literal}/*") for r in resources
    )
    if not (covered_bucket and covered_objects):
        return False
    conditions = as_list(statement.get("condition"))
    return len(conditions) == 1 and all(
        c.get("test") == test
        and c.get("variable") == variable
        and set(as_list(c.get("values"))) <= values
        for c in conditions
    )
