"""The IAM OIDC provider of an issuer, created once per stack however many roles trust it."""

from __future__ import annotations

from platform_storage.aws import oidc_provider_id
from platform_storage.cdk import Construct, IamOpenidConnectProvider, stack_of


def oidc_provider_for(
    scope: Construct, issuer: str, audience: str
) -> tuple[IamOpenidConnectProvider, bool]:
    """The stack's IAM OIDC provider for `issuer`, created once however many roles trust it
    (IAM allows one provider per issuer and account), and whether this call created it. Its
    client ids are the audiences asked for."""
    stack = stack_of(scope)
    id = oidc_provider_id(issuer)
    found = stack.node.try_find_child(id)
    if isinstance(found, IamOpenidConnectProvider) and found.url_input != issuer:
        raise ValueError(
            f"{stack.node.path}: the IAM OIDC providers of {issuer!r} and {found.url_input!r}"
            f" would both be {id!r}; create one of them outside this stack"
        )
    if isinstance(found, IamOpenidConnectProvider):
        audiences = list(found.client_id_list_input or [])
        if audience not in audiences:
            found.client_id_list = [*audiences, audience]
        return found, False
    return IamOpenidConnectProvider(stack, id, url=issuer, client_id_list=[audience]), True
