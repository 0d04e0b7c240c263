"""`IrsaRole`: IAM Roles for Service Accounts on EKS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from platform_storage.aws import AwsAccount
from platform_storage.cdk import Construct
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs.oidc_role import OidcFederatedRole
from platform_storage.constructs.workload_role import RoleOptions
from platform_storage.trust import STS_AUDIENCE, ServiceAccount


class IrsaRole(OidcFederatedRole):
    """A role that EKS pods running as the given service accounts assume (IRSA).

    Trusted by the cluster's IAM OIDC provider (ARN derived from the issuer URL, account and
    partition) with `StringEquals` on `<issuer>:sub = system:serviceaccount:<ns>:<sa>` for each
    service account and `<issuer>:aud = sts.amazonaws.com`.

    Options besides those of `WorkloadRole`:

    - `oidc_issuer` (required): the cluster's issuer,
      `https://oidc.eks.<region>.amazonaws.com/id/<ID>`.
    - `service_accounts` (required): a list of one or more `ServiceAccount(namespace, name)`.
    - `create_oidc_provider` = False: create the IAM OIDC provider for the cluster (one per
      cluster and account; eksctl and most cluster modules create it already).

    The pod side: annotate the service account with `eks.amazonaws.com/role-arn: <role_arn>`.
    """

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        oidc_issuer: str,
        service_accounts: Sequence[ServiceAccount],
        create_oidc_provider: bool = False,
        **options: Unpack[RoleOptions],
    ) -> None:
        if not service_accounts:
            refuse(f"IrsaRole {path_of(scope, id)}", ["service_accounts needs at least one entry"])
        super().__init__(
            scope,
            id,
            account=account,
            role_name=role_name,
            issuer=oidc_issuer,
            subjects=[sa.subject for sa in service_accounts],
            audience=STS_AUDIENCE,
            create_oidc_provider=create_oidc_provider,
            **options,
        )
        self.service_accounts = tuple(service_accounts)
