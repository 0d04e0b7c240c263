"""The identities a configuration creates, one class per kind, and the workloads they trust.

Each identity carries exactly what its construct and its trust need, so the stacks build it with a
`match` and the renderers read its ARN; nothing downstream derives a name again. No CDK import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from platform_storage import workloads
from platform_storage.aws import issuer_host_path
from platform_storage.naming import StaticOutputs
from platform_storage.trust import STS_AUDIENCE, ServiceAccount
from platform_storage.workloads import Workload


@dataclass(frozen=True)
class RoleIdentity:
    """Common to every identity: its IAM name, path and ARN (known before deploy)."""

    kind: ClassVar[str]
    name: str
    path: str
    arn: str

    @property
    def static(self) -> bool:
        return False

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return ()


@dataclass(frozen=True)
class Irsa(RoleIdentity):
    """IAM Roles for Service Accounts: the cluster's issuer and its service accounts."""

    kind: ClassVar[str] = "irsa"
    issuer: str
    service_accounts: tuple[ServiceAccount, ...]

    @property
    def workloads(self) -> tuple[Workload, ...]:
        host_path = issuer_host_path(self.issuer)
        return tuple(workloads.web_identity(host_path, sa.subject) for sa in self.service_accounts)


@dataclass(frozen=True)
class PodIdentity(RoleIdentity):
    """EKS Pod Identity: the cluster and the service accounts it associates."""

    kind: ClassVar[str] = "pod-identity"
    cluster: str
    service_accounts: tuple[ServiceAccount, ...]

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return tuple(
            workloads.pod_identity(self.cluster, sa.namespace, sa.name)
            for sa in self.service_accounts
        )


@dataclass(frozen=True)
class EcsTask(RoleIdentity):
    """An ECS task role for tasks in `region`: only tasks whose definition names this role
    assume it."""

    kind: ClassVar[str] = "ecs-task"
    region: str


@dataclass(frozen=True)
class OidcFederation(RoleIdentity):
    """A web-identity role for a workload outside AWS IAM: exact issuer, subject, audience."""

    kind: ClassVar[str] = "oidc"
    issuer: str
    subject: str
    audience: str

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return (workloads.web_identity(issuer_host_path(self.issuer), self.subject),)


@dataclass(frozen=True)
class StaticKeys(RoleIdentity):
    """An IAM user with an access key; `arn` is the user's. The keys reach the rendered files
    through `outputs` after deploy.

    `service_accounts`: where the keys are used on Kubernetes. No trust names them, yet they are
    the identity's workloads: a pod of a service account that another role trusts holds both the
    keys and that role (the EKS webhook injects IRSA into every pod of the account), so it would
    reach both identities' data. `cluster` = None: the keys work on any cluster."""

    kind: ClassVar[str] = "static"
    outputs: StaticOutputs
    service_accounts: tuple[ServiceAccount, ...] = ()
    cluster: str | None = None

    @property
    def static(self) -> bool:
        return True

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return tuple(
            workloads.pod_identity(self.cluster, sa.namespace, sa.name)
            for sa in self.service_accounts
        )


IdentityPlan = Irsa | PodIdentity | EcsTask | OidcFederation | StaticKeys


def issuer_of(identity: IdentityPlan) -> str | None:
    """The OIDC issuer an identity trusts, if it trusts one."""
    match identity:
        case Irsa() | OidcFederation():
            return identity.issuer
    return None


def audience_of(identity: IdentityPlan) -> str:
    """The audience an identity's trust requires (STS's for IRSA)."""
    return identity.audience if isinstance(identity, OidcFederation) else STS_AUDIENCE
