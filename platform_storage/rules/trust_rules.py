"""Trust rules: who may assume each role, and no workload trusted by two roles. No CDK import.

- PS-IAM-3: a web-identity trust names the exact `sub` AND `aud` with `StringEquals`.
- PS-IAM-5: no two roles trust one workload (one token subject, one pod, one principal).
- PS-IAM-6: no trust that lets anyone (`*`) assume a role without pinning an account or an
  organisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_storage import workloads
from platform_storage.policy import as_list
from platform_storage.rules.document import Block, TerraformDocument
from platform_storage.rules.iam_policies import (
    ASSUME_ACTIONS,
    WEB_IDENTITY,
    allows,
    covers,
    principals,
)
from platform_storage.rules.model import Finding
from platform_storage.workloads import Workload

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


def web_identity_trust(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if not allows(statement) or not covers(statement, WEB_IDENTITY):
        return None
    issuers = [issuer_of(identifier, doc) for identifier in principals(statement, "Federated")]
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
    if not allows(statement) or not any(covers(statement, a) for a in ASSUME_ACTIONS):
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
        if not allows(statement) or not any(covers(statement, a) for a in ASSUME_ACTIONS):
            continue
        for identifier in principals(statement, "Federated"):
            issuer = issuer_of(identifier, doc)
            subjects = _exact(statement, f"{issuer}:sub") if issuer else []
            found += [workloads.web_identity(issuer, s) for s in subjects if issuer and s]
        if POD_IDENTITY_SERVICE in principals(statement, "Service"):
            clusters, namespaces, names = (_exact(statement, tag) for tag in POD_TAGS)
            found += [
                workloads.pod_identity(c, n, s) for c in clusters for n in namespaces for s in names
            ]
        everyone = principals(statement, "*")
        found += [workloads.principal(arn) for arn in principals(statement, "AWS") + everyone]
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
