"""IAM invariants: small pure functions over the synthesized document. No CDK import.

- PS-IAM-1: no Allow of action `*` or `<service>:*`, nor of everything but a `NotAction` list.
- PS-IAM-2: no identity grant of an S3 action on `*` or on a wildcard bucket (`arn:aws:s3:::*`,
  `arn:aws:s3:::team-*/...`).
- PS-IAM-3: a web-identity trust names the exact `sub` AND `aud` with `StringEquals`.
- PS-IAM-4: no identity grant of a KMS action on `*` or on a key ARN with a wildcard.
- PS-IAM-5: no two roles trust one workload (one token subject, one pod, one principal).

Policies are judged by what they are: an identity policy (attached to a role, user or group), a
resource policy (bucket and key policies, where `Resource: "*"` means the resource itself) or a
trust policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_storage import workloads
from platform_storage.rules.document import (
    Block,
    TerraformDocument,
    as_list,
    iam_to_document_statements,
)
from platform_storage.rules.model import DocumentRule, Finding, PolicyKind, StatementRule
from platform_storage.workloads import Workload

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
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ACTIONS = {"sts:AssumeRole", WEB_IDENTITY, "sts:AssumeRoleWithSAML"}
OIDC_PROVIDER = "aws_iam_openid_connect_provider"
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
POD_TAGS = (
    "aws:RequestTag/eks-cluster-name",
    "aws:RequestTag/kubernetes-namespace",
    "aws:RequestTag/kubernetes-service-account",
)
_DOCUMENT_REFERENCE = re.compile(r"\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}")


def _is_wildcard_arn(resource: str, service: str) -> bool:
    """`*`, or an ARN of `service` whose resource name holds a wildcard."""
    if resource in ("*", "arn:*"):
        return True
    parts = resource.split(":", 5)
    if len(parts) < 3 or parts[2] not in (service, "*"):
        return False
    if service == "s3":
        bucket = parts[5].split("/", 1)[0] if len(parts) == 6 else "*"
        return "*" in bucket or "?" in bucket
    return len(parts) < 6 or any(w in part for part in parts[3:] for w in "*?")


@dataclass(frozen=True)
class Policy:
    block: Block
    kind: PolicyKind
    statements: list[Mapping[str, Any]]


def policies(doc: TerraformDocument) -> Iterator[Policy]:
    """Every policy of the document with its kind. A `data.aws_iam_policy_document` takes the
    kind of the arguments that reference it (identity when none does: the strictest rules)."""
    referenced: dict[str, set[PolicyKind]] = {}
    for type_, (argument, kind) in POLICY_ARGUMENTS.items():
        for block in doc.resources(type_):
            value = block.config.get(argument)
            if not isinstance(value, str):
                continue
            for name in _DOCUMENT_REFERENCE.findall(value):
                referenced.setdefault(name, set()).add(kind)
            if value.lstrip().startswith("{"):
                try:
                    parsed = iam_to_document_statements(json.loads(value))
                except ValueError:
                    continue
                yield Policy(block, kind, list(parsed))
    for block in doc.blocks("data", "aws_iam_policy_document"):
        statements = as_list(block.config.get("statement"))
        kinds: set[PolicyKind] = referenced.get(block.name, {"identity"})
        for kind in sorted(kinds):
            yield Policy(block, kind, statements)


def _allows(statement: Mapping[str, Any]) -> bool:
    return bool(statement.get("effect", "Allow") == "Allow")


def wildcard_actions(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not _allows(statement):
        return None
    if statement.get("not_actions"):
        return "allows every action but those in NotAction"
    broad = [a for a in as_list(statement.get("actions")) if a == "*" or a.endswith(":*")]
    return f"allows every action of {', '.join(broad)}" if broad else None


def _actions_of(statement: Mapping[str, Any], service: str) -> list[str]:
    return [a for a in as_list(statement.get("actions")) if a.lower().startswith(f"{service}:")]


def _on_wildcard(statement: Mapping[str, Any], service: str) -> str | None:
    if not _allows(statement):
        return None
    actions = _actions_of(statement, service)
    wide = [r for r in as_list(statement.get("resources")) if _is_wildcard_arn(r, service)]
    if actions and (wide or statement.get("not_resources")):
        shown = ", ".join(repr(r) for r in wide) or "everything but its NotResource list"
        return f"allows {', '.join(actions)} on {shown}"
    return None


def s3_on_any_resource(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    return _on_wildcard(statement, "s3")


def kms_on_any_key(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    return _on_wildcard(statement, "kms")


def web_identity_trust(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not _allows(statement) or WEB_IDENTITY not in as_list(statement.get("actions")):
        return None
    issuers = [issuer_of(identifier, doc) for identifier in _principals(statement, "Federated")]
    if not issuers or None in issuers:
        return "web-identity trust without a Federated OIDC provider principal it can verify"
    conditions = as_list(statement.get("condition"))
    problems = []
    for issuer in issuers:
        for claim in ("sub", "aud"):
            key = f"{issuer}:{claim}"
            exact = [
                c
                for c in conditions
                if c.get("test") == "StringEquals" and c.get("variable") == key
            ]
            loose = [c for c in conditions if c.get("variable") == key and c not in exact]
            values = [v for c in exact for v in as_list(c.get("values"))]
            if not values:
                problems.append(f"no StringEquals on {key}")
            elif any("*" in v or "?" in v for v in values):
                problems.append(f"wildcard in {key}")
            if loose:
                problems.append(f"{key} is also matched with {loose[0].get('test')}")
    return "web-identity trust: " + "; ".join(problems) if problems else None


def _principals(statement: Mapping[str, Any], type_: str) -> list[str]:
    return [
        identifier
        for principal in as_list(statement.get("principals"))
        if principal.get("type") == type_
        for identifier in as_list(principal.get("identifiers"))
    ]


def issuer_of(identifier: str, doc: TerraformDocument) -> str | None:
    """The `<host/path>` an OIDC provider principal stands for, literal ARN or reference."""
    if ":oidc-provider/" in identifier and not identifier.startswith("${"):
        return identifier.split(":oidc-provider/", 1)[1]
    prefix = "${" + OIDC_PROVIDER + "."
    if identifier.startswith(prefix) and identifier.endswith(".arn}"):
        block = doc.find(identifier[2:-5])
        url = block.config.get("url") if block else None
        if isinstance(url, str):
            return url.removeprefix("https://")
    return None


def _exact(statement: Mapping[str, Any], variable: str) -> list[str | None]:
    """The values a StringEquals condition allows for `variable`; [None] (any) without one."""
    values = [
        v
        for c in as_list(statement.get("condition"))
        if c.get("test") == "StringEquals" and c.get("variable") == variable
        for v in as_list(c.get("values"))
    ]
    return list(values) or [None]


def trusted_workloads(role: Block, doc: TerraformDocument) -> list[Workload]:
    """The workloads a role's trust policy lets in (see `platform_storage.workloads`).

    Other service principals (ECS tasks, S3 replication) assume a role only for resources
    configured with that very role, so they tell no workload apart and are left out.
    """
    found: list[Workload] = []
    for statement in doc.policy_statements(role.config.get("assume_role_policy")) or []:
        actions = set(as_list(statement.get("actions")))
        if not _allows(statement) or not actions & ASSUME_ACTIONS:
            continue
        for identifier in _principals(statement, "Federated"):
            issuer = issuer_of(identifier, doc)
            subjects = _exact(statement, f"{issuer}:sub") if issuer else []
            found += [workloads.web_identity(issuer, s) for s in subjects if issuer and s]
        if POD_IDENTITY_SERVICE in _principals(statement, "Service"):
            clusters, namespaces, names = (_exact(statement, tag) for tag in POD_TAGS)
            found += [
                workloads.pod_identity(c, n, s) for c in clusters for n in namespaces for s in names
            ]
        found += [workloads.principal(arn) for arn in _principals(statement, "AWS")]
    return found


def shared_workloads(
    roles: Sequence[tuple[Block, list[Workload]]],
    earlier: Sequence[tuple[str, list[Workload]]] = (),
) -> list[Finding]:
    """A finding on each role that trusts a workload an earlier role (of this document, or of
    `earlier` ones: (path, workloads)) trusts too."""
    findings = []
    seen: list[tuple[str, list[Workload]]] = list(earlier)
    for block, trusted in roles:
        clash = next(
            (
                (path, mine)
                for path, theirs in seen
                for mine in trusted
                if any(mine.overlaps(other) for other in theirs)
            ),
            None,
        )
        if clash is not None:
            path, workload = clash
            findings.append(
                Finding(
                    "PS-IAM-5",
                    block.path,
                    block.address,
                    f"trusts {workload.describe()}, which {path} trusts too: one workload could"
                    " assume both roles, so they are not isolated",
                )
            )
        seen.append((block.path, trusted))
    return findings


def role_workloads(doc: TerraformDocument) -> list[tuple[Block, list[Workload]]]:
    return [(role, trusted_workloads(role, doc)) for role in doc.resources("aws_iam_role")]


def one_workload_one_role(doc: TerraformDocument) -> list[Finding]:
    return shared_workloads(role_workloads(doc))


IDENTITY: frozenset[PolicyKind] = frozenset({"identity"})
EVERY_POLICY: frozenset[PolicyKind] = frozenset({"identity", "resource", "trust"})

STATEMENT_RULES: tuple[StatementRule, ...] = (
    StatementRule("PS-IAM-1", "no wildcard actions", wildcard_actions, EVERY_POLICY),
    StatementRule("PS-IAM-2", "no S3 grant on a wildcard resource", s3_on_any_resource, IDENTITY),
    StatementRule(
        "PS-IAM-3", "web-identity trust with exact sub and aud", web_identity_trust, EVERY_POLICY
    ),
    StatementRule("PS-IAM-4", "no KMS grant on a wildcard key", kms_on_any_key, IDENTITY),
)
DOCUMENT_RULES: tuple[DocumentRule, ...] = (
    DocumentRule("PS-IAM-5", "no two roles trust one workload", one_workload_one_role),
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
