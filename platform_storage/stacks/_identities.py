"""Building the identity a plan asks for: one `match` for both stacks."""

from __future__ import annotations

from platform_storage.aws import AwsAccount
from platform_storage.cdk import Construct
from platform_storage.constructs import (
    EcsTaskRole,
    IrsaRole,
    OidcFederatedRole,
    PodIdentityRole,
    StaticCredentials,
    WorkloadIdentity,
)
from platform_storage.plan import (
    EcsTask,
    IdentityPlan,
    Irsa,
    OidcFederation,
    PodIdentity,
    StaticKeys,
)


def create_identity(
    scope: Construct,
    id: str,
    identity: IdentityPlan,
    *,
    account: AwsAccount,
    description: str,
    provider_here: bool,
) -> WorkloadIdentity:
    """The construct for `identity`; `provider_here`: the stack creates the issuer's IAM OIDC
    provider (the plan decides which stack does)."""
    match identity:
        case Irsa():
            return IrsaRole(
                scope,
                id,
                account=account,
                role_name=identity.name,
                path=identity.path,
                oidc_issuer=identity.issuer,
                service_accounts=list(identity.service_accounts),
                create_oidc_provider=provider_here,
                description=description,
            )
        case PodIdentity():
            return PodIdentityRole(
                scope,
                id,
                account=account,
                role_name=identity.name,
                path=identity.path,
                cluster_name=identity.cluster,
                service_accounts=list(identity.service_accounts),
                description=description,
            )
        case EcsTask():
            return EcsTaskRole(
                scope,
                id,
                account=account,
                role_name=identity.name,
                path=identity.path,
                region=identity.region,
                description=description,
            )
        case OidcFederation():
            return OidcFederatedRole(
                scope,
                id,
                account=account,
                role_name=identity.name,
                path=identity.path,
                issuer=identity.issuer,
                subjects=[identity.subject],
                audience=identity.audience,
                create_oidc_provider=provider_here,
                description=description,
            )
        case StaticKeys():
            return StaticCredentials(
                scope,
                id,
                account=account,
                user_name=identity.name,
                path=identity.path,
                output_prefix=identity.outputs.prefix,
            )
