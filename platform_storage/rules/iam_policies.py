"""Reading IAM policies out of a synthesized document: each policy with its kind (identity,
resource, trust), statements in document form, and how IAM matches their actions. No CDK
import."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from platform_storage.policy import action_matches, as_list
from platform_storage.rules.document import Block, TerraformDocument, iam_to_document_statements
from platform_storage.rules.model import PolicyKind

# Resource arguments that hold a policy, and what kind of policy each is.
POLICY_ARGUMENTS: dict[str, tuple[str, PolicyKind]] = {
    "aws_iam_policy": ("policy", "identity"),
    "aws_iam_role_policy": ("policy", "identity"),
    "aws_iam_user_policy": ("policy", "identity"),
    "aws_iam_group_policy": ("policy", "identity"),
    "aws_iam_role": ("assume_role_policy", "trust"),
    "aws_s3_bucket_policy": ("policy", "resource"),
    "aws_kms_key": ("policy", "resource"),
    "aws_secretsmanager_secret_policy": ("policy", "resource"),
}
# Attachments of managed policies: (resource type, argument holding the policy ARN).
ATTACHMENTS = (
    ("aws_iam_role_policy_attachment", "policy_arn"),
    ("aws_iam_user_policy_attachment", "policy_arn"),
    ("aws_iam_group_policy_attachment", "policy_arn"),
    ("aws_iam_policy_attachment", "policy_arn"),
)
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ACTIONS = ("sts:AssumeRole", WEB_IDENTITY, "sts:AssumeRoleWithSAML")
_DOCUMENT_REFERENCE = re.compile(r"\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}")


def covers(statement: Mapping[str, Any], action: str) -> bool:
    """Whether a statement (document form) applies to `action`, as IAM matches actions."""
    not_actions = as_list(statement.get("not_actions"))
    if not_actions:
        return not any(action_matches(p, action) for p in not_actions)
    return any(action_matches(p, action) for p in as_list(statement.get("actions")))


def allows(statement: Mapping[str, Any]) -> bool:
    return bool(statement.get("effect", "Allow") == "Allow")


def principals(statement: Mapping[str, Any], type_: str) -> list[str]:
    return [
        identifier
        for principal in as_list(statement.get("principals"))
        if principal.get("type") == type_
        for identifier in as_list(principal.get("identifiers"))
    ]


@dataclass(frozen=True)
class Policy:
    block: Block
    kind: PolicyKind
    statements: list[Mapping[str, Any]]


def _parsed(value: Any) -> list[Mapping[str, Any]] | None:
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    try:
        return list(iam_to_document_statements(json.loads(value)))
    except ValueError:
        return None


def policies(doc: TerraformDocument) -> Iterator[Policy]:
    """Every policy of the document with its kind. A `data.aws_iam_policy_document` takes the
    kind of the arguments that reference it (identity when none does: the strictest rules)."""
    referenced: dict[str, set[PolicyKind]] = {}

    def note(value: Any, kind: PolicyKind) -> None:
        if isinstance(value, str):
            for name in _DOCUMENT_REFERENCE.findall(value):
                referenced.setdefault(name, set()).add(kind)

    for type_, (argument, kind) in POLICY_ARGUMENTS.items():
        for block in doc.resources(type_):
            value = block.config.get(argument)
            note(value, kind)
            parsed = _parsed(value)
            if parsed is not None:
                yield Policy(block, kind, parsed)
    for role in doc.resources("aws_iam_role"):
        for inline in as_list(role.config.get("inline_policy")):
            value = inline.get("policy") if isinstance(inline, Mapping) else None
            note(value, "identity")
            parsed = _parsed(value)
            if parsed is not None:
                yield Policy(role, "identity", parsed)
    for block in doc.blocks("data", "aws_iam_policy_document"):
        statements = as_list(block.config.get("statement"))
        kinds: set[PolicyKind] = referenced.get(block.name, {"identity"})
        for kind in sorted(kinds):
            yield Policy(block, kind, statements)
