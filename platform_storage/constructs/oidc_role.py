"""`OidcFederatedRole`: a role assumed with a web identity token from an OIDC issuer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Unpack

from platform_storage.aws import AwsAccount, issuer_host_path
from platform_storage.cdk import Construct, IamOpenidConnectProvider, ensure_core, stack_of
from platform_storage.constructs.workload_role import RoleOptions, WorkloadRole
from platform_storage.trust import STS_AUDIENCE, web_identity_trust


class OidcFederatedRole(WorkloadRole):
    """A role for workloads outside AWS IAM (GKE, plain Kubernetes, CI), by OIDC federation.

    The trust policy requires `StringEquals` on both `<issuer>:aud` and `<issuer>:sub`, with the
    exact subjects given; wildcards are refused.

    Options besides those of `WorkloadRole`:

    - `issuer` (required): the issuer URL, https, without trailing slash.
    - `subjects` (required): the exact `sub` claims allowed (one or more).
    - `audience` = "sts.amazonaws.com": the `aud` claim the workload's token carries.
    - `create_oidc_provider` = False: create the account's IAM OIDC provider for the issuer
      (exactly one may exist per issuer and account; leave False when it exists already).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        issuer: str,
        subjects: Sequence[str],
        audience: str = STS_AUDIENCE,
        create_oidc_provider: bool = False,
        **options: Unpack[RoleOptions],
    ) -> None:
        ensure_core(scope, self)
        host_path = issuer_host_path(issuer)
        provider_arn = account.oidc_provider_arn(issuer)
        oidc_provider: IamOpenidConnectProvider | None = None
        if create_oidc_provider:
            oidc_provider = oidc_provider_for(scope, issuer, audience)
            provider_arn = oidc_provider.arn
        super().__init__(
            scope,
            id,
            account=account,
            role_name=role_name,
            trust=web_identity_trust(
                provider_arn=provider_arn,
                issuer_host_path=host_path,
                audience=audience,
                subjects=subjects,
            ),
            **options,
        )
        self.oidc_provider = oidc_provider
        self.issuer = issuer
        self.audience = audience
        self.subjects = tuple(subjects)


def oidc_provider_for(scope: Construct, issuer: str, audience: str) -> IamOpenidConnectProvider:
    """The stack's IAM OIDC provider for `issuer`, created once however many roles trust it
    (IAM allows one provider per issuer and account). Its client ids are the audiences asked for."""
    stack = stack_of(scope)
    id = "oidc-provider-" + re.sub(r"[^A-Za-z0-9]+", "-", issuer_host_path(issuer)).strip("-")
    found = stack.node.try_find_child(id)
    if isinstance(found, IamOpenidConnectProvider):
        audiences = list(found.client_id_list_input or [])
        if audience not in audiences:
            found.client_id_list = [*audiences, audience]
        return found
    return IamOpenidConnectProvider(stack, id, url=issuer, client_id_list=[audience])
