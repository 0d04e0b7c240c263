"""`OidcFederatedRole`: a role assumed with a web identity token from an OIDC issuer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from platform_storage.aws import AwsAccount, issuer_host_path, issuer_problems, oidc_provider_id
from platform_storage.cdk import Construct, IamOpenidConnectProvider, stack_of
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs._identity_checks import role_problems
from platform_storage.constructs._oidc_provider import oidc_provider_for
from platform_storage.constructs.workload_role import RoleOptions, WorkloadRole
from platform_storage.trust import STS_AUDIENCE, claim_problems, web_identity_trust


class OidcFederatedRole(WorkloadRole):
    """A role for workloads outside AWS IAM (GKE, plain Kubernetes, CI), by OIDC federation.

    The trust policy requires `StringEquals` on both `<issuer>:aud` and `<issuer>:sub`, with the
    exact subjects given; wildcards are refused.

    Options besides those of `WorkloadRole`:

    - `issuer` (required): the issuer URL, https, a lowercase host, no port or trailing slash.
    - `subjects` (required): a list of the exact `sub` claims allowed (one or more).
    - `audience` = "sts.amazonaws.com": the `aud` claim the workload's token carries.
    - `create_oidc_provider` = False: create the account's IAM OIDC provider for the issuer
      (exactly one may exist per issuer and account; leave False when it exists already). Roles
      of one stack share it, and its client ids are every audience they trust.
    """

    @checked
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
        problems = role_problems(role_name=role_name, **options)
        problems += [f"issuer {p}" for p in issuer_problems(issuer)]
        if not subjects:
            problems.append("subjects needs at least one entry")
        problems += [f"subjects {p}" for s in subjects for p in claim_problems(s)]
        problems += [f"audience {p}" for p in claim_problems(audience)]
        refuse(f"{type(self).__name__} {path_of(scope, id)}", problems)

        provider_arn = account.oidc_provider_arn(issuer)
        oidc_provider: IamOpenidConnectProvider | None = None
        created = False
        if create_oidc_provider:
            try:
                oidc_provider, created = oidc_provider_for(scope, issuer, audience)
            except ValueError as error:
                raise ValueError(
                    f"{type(self).__name__} {path_of(scope, id)}: issuer {issuer!r}: {error}"
                ) from None
            provider_arn = oidc_provider.arn
        try:
            super().__init__(
                scope,
                id,
                account=account,
                role_name=role_name,
                trust=web_identity_trust(
                    provider_arn=provider_arn,
                    issuer_host_path=issuer_host_path(issuer),
                    audience=audience,
                    subjects=subjects,
                ),
                **options,
            )
        except BaseException:
            if created:
                stack_of(scope).node.try_remove_child(oidc_provider_id(issuer))
            raise
        self.oidc_provider = oidc_provider
        self.issuer = issuer
        self.audience = audience
        self.subjects = tuple(subjects)
