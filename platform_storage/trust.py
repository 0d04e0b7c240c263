"""Trust policies for every way a workload reaches S3. No CDK import.

Each function returns the statements of a role's trust policy; the constructs render them. The
shapes follow AWS's documentation for each service, with the conditions that stop a confused deputy
or another tenant from assuming the role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from platform_storage.naming import (
    namespace_problems,
    service_account_problems,
    template_problems,
)
from platform_storage.policy import Condition, PolicyStatement, Principal

STS_AUDIENCE = "sts.amazonaws.com"


def claim_problems(value: str) -> list[str]:
    """A `sub` or `aud` value a trust compares exactly: no wildcard, printable ASCII."""
    if not isinstance(value, str):
        return [f"{value!r} must be a string"]
    problems = []
    if not value.strip() or any(ch in value for ch in "*?"):
        problems.append(f"{value!r} must be exact (no '*' or '?', not blank)")
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        problems.append(f"{value!r} may contain only printable ASCII without whitespace")
    return problems + template_problems(value)


@dataclass(frozen=True)
class ServiceAccount:
    """A Kubernetes service account: `namespace/name`."""

    namespace: str
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.namespace, str) or not isinstance(self.name, str):
            raise TypeError(
                f"ServiceAccount: namespace and name must be strings, not {self.namespace!r},"
                f" {self.name!r}"
            )
        problems = [f"namespace {p}" for p in namespace_problems(self.namespace)] + [
            f"service account {p}" for p in service_account_problems(self.name)
        ]
        if problems:
            raise ValueError("ServiceAccount: " + "; ".join(problems))

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def subject(self) -> str:
        """The `sub` claim of the service account's projected token."""
        return f"system:serviceaccount:{self.namespace}:{self.name}"


def web_identity_trust(
    *, provider_arn: str, issuer_host_path: str, audience: str, subjects: Sequence[str]
) -> list[PolicyStatement]:
    """OIDC federation (IRSA, GKE, other clusters): exact `sub` AND exact `aud`, no wildcards.

    A missing `aud` condition lets any token of the issuer for another audience in; `StringLike`
    on `sub` lets every service account matching the pattern in. Both are refused here.
    """
    if not subjects or isinstance(subjects, str):
        raise ValueError("web identity trust needs a list of one or more subjects")
    problems = [p for value in (*subjects, audience) for p in claim_problems(value)]
    if problems:
        raise ValueError("; ".join(problems))
    return [
        PolicyStatement(
            sid="FederatedWorkloadAssumesRole",
            effect="Allow",
            actions=("sts:AssumeRoleWithWebIdentity",),
            principals=(Principal("Federated", (provider_arn,)),),
            conditions=(
                Condition("StringEquals", f"{issuer_host_path}:aud", (audience,)),
                Condition("StringEquals", f"{issuer_host_path}:sub", tuple(subjects)),
            ),
        )
    ]


def pod_identity_trust(
    *, cluster_name: str, service_accounts: Sequence[ServiceAccount]
) -> list[PolicyStatement]:
    """EKS Pod Identity: `pods.eks.amazonaws.com` with AssumeRole and TagSession, limited by the
    session tags EKS sets (cluster, namespace, service account), one statement per account so a
    namespace of one pair never combines with the service account of another."""
    return [
        PolicyStatement(
            sid=f"PodIdentity{index}",
            effect="Allow",
            actions=("sts:AssumeRole", "sts:TagSession"),
            principals=(Principal("Service", ("pods.eks.amazonaws.com",)),),
            conditions=(
                Condition("StringEquals", "aws:RequestTag/eks-cluster-name", (cluster_name,)),
                Condition("StringEquals", "aws:RequestTag/kubernetes-namespace", (sa.namespace,)),
                Condition("StringEquals", "aws:RequestTag/kubernetes-service-account", (sa.name,)),
            ),
        )
        for index, sa in enumerate(service_accounts, start=1)
    ]


def ecs_task_trust(*, account_id: str, partition: str, region: str) -> list[PolicyStatement]:
    """ECS task role (never the execution role): `ecs-tasks.amazonaws.com`, only on behalf of this
    account's ECS resources in `region` (the confused-deputy conditions AWS documents)."""
    return [
        PolicyStatement(
            sid="EcsTasksAssumeRole",
            effect="Allow",
            actions=("sts:AssumeRole",),
            principals=(Principal("Service", ("ecs-tasks.amazonaws.com",)),),
            conditions=(
                Condition("StringEquals", "aws:SourceAccount", (account_id,)),
                Condition(
                    "ArnLike", "aws:SourceArn", (f"arn:{partition}:ecs:{region}:{account_id}:*",)
                ),
            ),
        )
    ]
