"""IAM invariants and their registry: small pure functions over the synthesized document (the
trust rules live in `trust_rules`). No CDK import.

- PS-IAM-1: no Allow of action `*` or `<service>:*`, nor of everything but a `NotAction` list.
- PS-IAM-2: no identity grant of an S3 action on `*` or on a wildcard bucket (`arn:aws:s3:::*`,
  `arn:aws:s3:::team-*/...`, `${aws_s3_bucket.x.arn}*`, access points by pattern).
- PS-IAM-3: a web-identity trust names the exact `sub` AND `aud` with `StringEquals`.
- PS-IAM-4: no identity grant of a KMS action on `*` or on a key ARN with a wildcard.
- PS-IAM-5: no two roles trust one workload (one token subject, one pod, one principal).
- PS-IAM-6: no trust that lets anyone (`*`) assume a role without pinning an account or an
  organisation.
- PS-IAM-7: no attached policy that the document does not hold (an AWS-managed policy, another
  stack's): its grants cannot be judged.
- PS-IAM-8, PS-IAM-9: no two IAM entities share a name; no identity of the app reads a secret
  (see `identity_rules`).

Policies are judged by what they are: an identity policy (attached to a role, user or group,
inline or managed), a resource policy (bucket, key and secret policies, where `Resource: "*"`
means the resource itself) or a trust policy. Actions are matched as IAM matches them: without
case, with wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from platform_storage.policy import as_list
from platform_storage.rules.document import REFERENCE, TerraformDocument
from platform_storage.rules.iam_policies import ATTACHMENTS, allows, policies
from platform_storage.rules.identity_rules import no_identity_reads_secrets, unique_iam_names
from platform_storage.rules.model import DocumentRule, Finding, PolicyKind, StatementRule
from platform_storage.rules.trust_rules import (
    one_workload_one_role,
    trust_of_everyone,
    web_identity_trust,
)


def _resolved(resource: str, doc: TerraformDocument) -> str:
    """A resource with references replaced by what they stand for: a bucket's ARN by its
    literal name, a key's by a key ARN, anything else by a name without wildcards."""

    def replace(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        block = doc.find(".".join(parts[:2])) if len(parts) >= 3 else None
        if block is not None and block.type == "aws_s3_bucket":
            name = block.config.get("bucket")
            name = name if isinstance(name, str) and "${" not in name else "bucket"
            return f"arn:aws:s3:::{name}" if parts[2] == "arn" else name
        if block is not None and block.type == "aws_kms_key":
            return "arn:aws:kms:region:account:key/key"
        return "reference"

    return REFERENCE.sub(replace, resource)


def _is_wildcard_arn(resource: str, service: str) -> bool:
    """`*`, or an ARN of `service` whose resource name holds a wildcard."""
    if resource in ("*", "arn:*"):
        return True
    parts = resource.split(":", 5)
    if len(parts) < 3 or parts[2] not in (service, "*"):
        return False
    if len(parts) < 6:
        return True
    if service == "s3" and not parts[3] and not parts[4]:
        bucket = parts[5].split("/", 1)[0]
        return "*" in bucket or "?" in bucket
    # Regional S3 resources (`accesspoint/<name>/object/...`) and other services: no wildcard
    # in region, account or the resource's type and name.
    named = "/".join(parts[5].split("/", 2)[:2]) if service == "s3" else parts[5]
    return any(w in part for part in (parts[3], parts[4], named) for w in "*?")


def wildcard_actions(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not allows(statement):
        return None
    if statement.get("not_actions"):
        return "allows every action but those in NotAction"
    broad = [a for a in as_list(statement.get("actions")) if a == "*" or a.endswith(":*")]
    return f"allows every action of {', '.join(broad)}" if broad else None


def _actions_of(statement: Mapping[str, Any], service: str) -> list[str]:
    return [
        a
        for a in as_list(statement.get("actions"))
        if a == "*" or a.lower().startswith(f"{service}:")
    ]


def _on_wildcard(statement: Mapping[str, Any], service: str, doc: TerraformDocument) -> str | None:
    if not allows(statement):
        return None
    actions = _actions_of(statement, service)
    wide = [
        r
        for r in as_list(statement.get("resources"))
        if _is_wildcard_arn(_resolved(str(r), doc), service)
    ]
    if actions and (wide or statement.get("not_resources")):
        shown = ", ".join(repr(r) for r in wide) or "everything but its NotResource list"
        return f"allows {', '.join(actions)} on {shown}"
    return None


def s3_on_any_resource(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    return _on_wildcard(statement, "s3", doc)


def kms_on_any_key(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    return _on_wildcard(statement, "kms", doc)


def unreadable_attachments(doc: TerraformDocument) -> list[Finding]:
    """Attachments of policies the document does not hold (an AWS-managed policy, a policy of
    another stack): what they grant cannot be judged, so they are findings."""
    findings = []
    for type_, argument in ATTACHMENTS:
        for block in doc.resources(type_):
            value = block.config.get(argument)
            match = REFERENCE.fullmatch(value) if isinstance(value, str) else None
            held = match is not None and match.group(1).startswith("aws_iam_policy.")
            if not held:
                findings.append(
                    Finding(
                        "PS-IAM-7",
                        block.path,
                        block.address,
                        f"attaches {value!r}, a policy this stack does not hold; its grants"
                        " cannot be judged",
                    )
                )
    for role in doc.resources("aws_iam_role"):
        for arn in as_list(role.config.get("managed_policy_arns")):
            findings.append(
                Finding(
                    "PS-IAM-7",
                    role.path,
                    role.address,
                    f"attaches {arn!r} (managed_policy_arns); its grants cannot be judged",
                )
            )
    return findings


IDENTITY: frozenset[PolicyKind] = frozenset({"identity"})
TRUST: frozenset[PolicyKind] = frozenset({"trust"})
EVERY_POLICY: frozenset[PolicyKind] = frozenset({"identity", "resource", "trust"})

STATEMENT_RULES: tuple[StatementRule, ...] = (
    StatementRule("PS-IAM-1", "no wildcard actions", wildcard_actions, EVERY_POLICY),
    StatementRule("PS-IAM-2", "no S3 grant on a wildcard resource", s3_on_any_resource, IDENTITY),
    StatementRule(
        "PS-IAM-3", "web-identity trust with exact sub and aud", web_identity_trust, TRUST
    ),
    StatementRule("PS-IAM-4", "no KMS grant on a wildcard key", kms_on_any_key, IDENTITY),
    StatementRule("PS-IAM-6", "no trust of everyone", trust_of_everyone, TRUST),
)
DOCUMENT_RULES: tuple[DocumentRule, ...] = (
    DocumentRule("PS-IAM-5", "no two roles trust one workload", one_workload_one_role),
    DocumentRule("PS-IAM-7", "no attached policy the stack does not hold", unreadable_attachments),
    DocumentRule("PS-IAM-8", "no two IAM entities share a name", unique_iam_names),
    DocumentRule("PS-IAM-9", "no identity of the app reads a secret", no_identity_reads_secrets),
)


def check_statements(doc: TerraformDocument) -> list[Finding]:
    """Every statement rule over every policy of `doc`, each policy by its kind."""
    findings: list[Finding] = []
    for policy in policies(doc):
        for statement in policy.statements:
            for rule in STATEMENT_RULES:
                if policy.kind not in rule.policies:
                    continue
                message = rule.check(statement, doc)
                if message:
                    sid = statement.get("sid")
                    where = f" (statement {sid})" if sid else ""
                    finding = Finding(
                        rule.id, policy.block.path, policy.block.address, message + where
                    )
                    if finding not in findings:
                        findings.append(finding)
    return findings
