"""Building the identity a plan asks for: one function for both stacks."""

from __future__ import annotations

from collections.abc import Sequence

from platform_storage.cdk import Construct
from platform_storage.config import EksSettings, OidcSettings
from platform_storage.constructs import (
    AwsAccount,
    EcsTaskRole,
    IrsaRole,
    OidcFederatedRole,
    PodIdentityRole,
    ServiceAccount,
    StaticCredentials,
    WorkloadIdentity,
)
from platform_storage.plan import Identity


def create_identity(
    scope: Construct,
    id: str,
    identity: Identity,
    *,
    account: AwsAccount,
    description: str,
    eks: EksSettings | None = None,
    create_oidc_provider: bool = False,
    service_accounts: Sequence[ServiceAccount] = (),
    cluster_name: str | None = None,
    oidc: OidcSettings | None = None,
) -> WorkloadIdentity:
    """The construct for `identity.kind`; the plan has already checked what each kind needs."""
    if identity.kind == "irsa":
        assert eks is not None
        return IrsaRole(
            scope,
            id,
            role_name=identity.name,
            oidc_issuer=eks.oidc_issuer,
            service_accounts=service_accounts,
            create_oidc_provider=create_oidc_provider,
            description=description,
            account=account,
            path=identity.path,
        )
    if identity.kind == "pod-identity":
        assert cluster_name is not None
        return PodIdentityRole(
            scope,
            id,
            role_name=identity.name,
            cluster_name=cluster_name,
            service_accounts=service_accounts,
            description=description,
            account=account,
            path=identity.path,
        )
    if identity.kind == "ecs-task":
        return EcsTaskRole(
            scope,
            id,
            account=account,
            path=identity.path,
            role_name=identity.name,
            description=description,
        )
    if identity.kind == "oidc":
        assert oidc is not None
        return OidcFederatedRole(
            scope,
            id,
            role_name=identity.name,
            issuer=oidc.issuer,
            subjects=[oidc.subject],
            audience=oidc.audience,
            create_oidc_provider=oidc.create_provider,
            description=description,
            account=account,
            path=identity.path,
        )
    if identity.kind == "static":
        return StaticCredentials(
            scope,
            id,
            account=account,
            path=identity.path,
            user_name=identity.name,
            output_prefix=identity.output_prefix,
        )
    raise ValueError(f"unknown identity kind {identity.kind!r}")
