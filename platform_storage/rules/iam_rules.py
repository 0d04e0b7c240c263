"""IAM invariants: small pure functions over the synthesized document. No CDK import.

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

Policies are judged by what they are: an identity policy (attached to a role, user or group,
inline or managed), a resource policy (bucket, key and secret policies, where `Resource: "*"`
means the resource itself) or a trust policy. Actions are matched as IAM matches them: without
case, with wildcards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_storage import workloads
from platform_storage.policy import action_matches, as_list
from platform_storage.rules.document import (
    Block,
    TerraformDocument,
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
# Attachments of managed policies: (resource type, argument holding the policy ARN).
ATTACHMENTS = (
    ("aws_iam_role_policy_attachment", "policy_arn"),
    ("aws_iam_user_policy_attachment", "policy_arn"),
    ("aws_iam_group_policy_attachment", "policy_arn"),
    ("aws_iam_policy_attachment", "policy_arn"),
)
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ACTIONS = ("sts:AssumeRole", WEB_IDENTITY, "sts:AssumeRoleWithSAML")
OIDC_PROVIDER = "aws_iam_openid_connect_provider"
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
POD_TAGS = (
    "aws:RequestTag/eks-cluster-name",
    "aws:RequestTag/kubernetes-namespace",
    "aws:RequestTag/kubernetes-service-account",
)
# Keys that pin who may use an `*` principal to one account or organisation.
PINNING_KEYS = {
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
}
_DOCUMENT_REFERENCE = re.compile(r"\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}")
_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


def covers(statement: Mapping[str, Any], action: str) -> bool:
    """Whether a statement (document form) applies to `action`, as IAM matches actions."""
    not_actions = as_list(statement.get("not_actions"))
    if not_actions:
        return not any(action_matches(p, action) for p in not_actions)
    return any(action_matches(p, action) for p in as_list(statement.get("actions")))


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

    return _REFERENCE.sub(replace, resource)


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
    return [
        a
        for a in as_list(statement.get("actions"))
        if a == "*" or a.lower().startswith(f"{service}:")
    ]


def _on_wildcard(statement: Mapping[str, Any], service: str, doc: TerraformDocument) -> str | None:
    if not _allows(statement):
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


def web_identity_trust(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not _allows(statement) or not covers(statement, WEB_IDENTITY):
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


def trust_of_everyone(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not _allows(statement) or not any(covers(statement, a) for a in ASSUME_ACTIONS):
        return None
    everyone = any(
        principal.get("type") in ("*", "AWS") and "*" in as_list(principal.get("identifiers"))
        for principal in as_list(statement.get("principals"))
    )
    pinned = any(
        str(c.get("variable", "")).lower() in PINNING_KEYS
        and str(c.get("test", "")).startswith(("StringEquals", "ArnEquals", "ArnLike"))
        for c in as_list(statement.get("condition"))
    )
    if everyone and not pinned:
        return "trust lets any principal of any account assume the role"
    return None


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
        if not _allows(statement) or not any(covers(statement, a) for a in ASSUME_ACTIONS):
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
        everyone = _principals(statement, "*")
        found += [workloads.principal(arn) for arn in _principals(statement, "AWS") + everyone]
    return found


@dataclass(frozen=True)
class RoleTrust:
    """A role (by construct path and Terraform address) and the workloads it trusts."""

    path: str
    address: str
    workloads: tuple[Workload, ...]


def role_workloads(doc: TerraformDocument) -> list[RoleTrust]:
    return [
        RoleTrust(role.path, role.address, tuple(trusted_workloads(role, doc)))
        for role in doc.resources("aws_iam_role")
    ]


def shared_workloads(
    roles: Sequence[RoleTrust], earlier: Sequence[RoleTrust] | None = None
) -> list[Finding]:
    """A finding on each role that trusts a workload another role trusts: an earlier one of
    `roles`, or, when `earlier` is given, one of `earlier` only (another stack's roles)."""
    findings = []
    index: workloads.WorkloadIndex[str] = workloads.WorkloadIndex()
    for other in earlier or ():
        for workload in other.workloads:
            index.add(workload, other.path)
    for role in roles:
        clash = next(
            ((path, mine) for mine in role.workloads if (path := index.find(mine)) is not None),
            None,
        )
        if clash is not None:
            path, workload = clash
            findings.append(
                Finding(
                    "PS-IAM-5",
                    role.path,
                    role.address,
                    f"trusts {workload.describe()}, which {path} trusts too: one workload could"
                    " assume both roles, so they are not isolated",
                )
            )
        if earlier is None:
            for workload in role.workloads:
                index.add(workload, role.path)
    return findings


def one_workload_one_role(doc: TerraformDocument) -> list[Finding]:
    return shared_workloads(role_workloads(doc))


def unreadable_attachments(doc: TerraformDocument) -> list[Finding]:
    """Attachments of policies the document does not hold (an AWS-managed policy, a policy of
    another stack): what they grant cannot be judged, so they are findings."""
    findings = []
    for type_, argument in ATTACHMENTS:
        for block in doc.resources(type_):
            value = block.config.get(argument)
            match = _REFERENCE.fullmatch(value) if isinstance(value, str) else None
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
