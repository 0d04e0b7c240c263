"""`PodIdentityRole`: a role for EKS Pod Identity, with its associations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from platform_storage.aws import AwsAccount
from platform_storage.cdk import Construct, EksPodIdentityAssociation
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs.workload_role import RoleOptions, WorkloadRole
from platform_storage.naming import eks_cluster_name_problems, is_token
from platform_storage.trust import ServiceAccount, pod_identity_trust


class PodIdentityRole(WorkloadRole):
    """A role that the EKS Pod Identity agent assumes for the given service accounts.

    Trusted by `pods.eks.amazonaws.com` (`sts:AssumeRole`, `sts:TagSession`), limited by the
    session tags EKS sets to this cluster, namespace and service account; one
    `aws_eks_pod_identity_association` per service account is created. Needs the Pod Identity
    agent add-on on the cluster. No service-account annotation is needed.

    Options besides those of `WorkloadRole`: `cluster_name` (required), `service_accounts`
    (required, a list of one or more `ServiceAccount`).
    """

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        cluster_name: str,
        service_accounts: Sequence[ServiceAccount],
        **options: Unpack[RoleOptions],
    ) -> None:
        problems = [] if service_accounts else ["service_accounts needs at least one entry"]
        ids = [_association_id(sa) for sa in service_accounts]
        repeated = sorted({id for id in ids if ids.count(id) > 1})
        if repeated:
            problems.append(
                f"service_accounts {sorted(set(map(str, service_accounts)))} repeat or read alike"
                f" ({', '.join(repeated)}); list each service account once"
            )
        if not is_token(cluster_name):
            problems += [f"cluster_name {p}" for p in eks_cluster_name_problems(cluster_name)]
        refuse(f"PodIdentityRole {path_of(scope, id)}", problems)
        super().__init__(
            scope,
            id,
            account=account,
            role_name=role_name,
            trust=pod_identity_trust(cluster_name=cluster_name, service_accounts=service_accounts),
            **options,
        )
        self.cluster_name = cluster_name
        self.service_accounts = tuple(service_accounts)
        self.associations = [
            EksPodIdentityAssociation(
                self,
                _association_id(sa),
                cluster_name=cluster_name,
                namespace=sa.namespace,
                service_account=sa.name,
                role_arn=self.role.arn,
            )
            for sa in service_accounts
        ]


def _association_id(account: ServiceAccount) -> str:
    return f"association-{account.namespace}-{account.name}"
