"""`WorkloadRole`: the IAM role every role-based identity of the library is built on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypedDict, runtime_checkable

from platform_storage.aws import AwsAccount
from platform_storage.cdk import Construct, IamRole, IamRolePolicy
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs._grant_policy import GrantPolicy
from platform_storage.constructs._identity_checks import MIN_SESSION_SECONDS, role_problems
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.policy import PolicyStatement


class RoleOptions(TypedDict, total=False):
    """The options every role of the library takes besides its trust; defaults and meaning are
    those of `WorkloadRole`."""

    path: str
    permissions_boundary_arn: str | None
    max_session_duration: int
    description: str | None
    tags: Mapping[str, str] | None


@runtime_checkable
class WorkloadIdentity(Protocol):
    """Anything a bucket can grant access to: a role of the library or `StaticCredentials`."""

    @property
    def principal_arn(self) -> str: ...

    @property
    def arn_reference(self) -> str: ...

    def check_policy_statements(self, statements: Iterable[PolicyStatement]) -> None:
        """Raise what `add_policy_statements` would refuse, adding nothing."""
        ...

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        """Add statements to the identity's own policy (a grant calls this)."""
        ...


class WorkloadRole(Construct):
    """An IAM role with a deterministic name and a storage policy that grants add to.

    Options (keyword-only):

    - `account` (required): the account the role lives in; with `path` and `role_name` it gives
      `role_arn`, known at synth time so rendered configuration can carry it.
    - `role_name` (required): 1 to 64 characters.
    - `trust` (required): the trust policy statements (see `platform_storage.trust`).
    - `path` = "/": IAM path, starting and ending with "/".
    - `permissions_boundary_arn` = None: a managed policy every session is capped by.
    - `max_session_duration` = 3600 seconds (3600 to 43200).
    - `description` = None, `tags` = None.

    Grants land in one inline policy named `<role_name>-storage` (see `add_policy_statements`).
    Arguments are checked before anything is created: a wrong one raises one `TypeError` or
    `ValueError` naming it and the construct path, and leaves nothing in the tree.
    """

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        trust: Iterable[PolicyStatement],
        path: str = "/",
        permissions_boundary_arn: str | None = None,
        max_session_duration: int = MIN_SESSION_SECONDS,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        refuse(
            f"{type(self).__name__} {path_of(scope, id)}",
            role_problems(
                role_name=role_name,
                path=path,
                description=description,
                max_session_duration=max_session_duration,
                tags=tags,
                permissions_boundary_arn=permissions_boundary_arn,
            ),
        )
        super().__init__(scope, id)

        self.account = account
        self.role_name = role_name
        self.path = path
        self.trust_policy = PolicyDocument(self, "trust", statements=trust)
        self.role = IamRole(
            self,
            "role",
            name=role_name,
            path=path,
            assume_role_policy=self.trust_policy.json,
            permissions_boundary=permissions_boundary_arn,
            max_session_duration=max_session_duration,
            description=description,
            tags=dict(tags) if tags else None,
        )
        # Inline, not managed: the policy belongs to this role alone, and it saves a policy and
        # an attachment per role (with hundreds of runners, Terraform resources and synth time).
        self._grants = GrantPolicy(
            self,
            "storage",
            lambda document: IamRolePolicy(
                self,
                "storage-policy",
                name=f"{role_name}-storage",
                role=self.role.id,
                policy=document.json,
            ),
        )

    @property
    def role_arn(self) -> str:
        """The role's ARN, computed from account, partition, path and name (no token)."""
        return self.account.role_arn(self.role_name, self.path)

    @property
    def principal_arn(self) -> str:
        return self.role_arn

    @property
    def arn_reference(self) -> str:
        """The role's ARN as Terraform reports it (a reference, for outputs)."""
        return self.role.arn

    @property
    def storage_statements(self) -> tuple[PolicyStatement, ...]:
        """The statements granted so far (what the storage policy will hold)."""
        return self._grants.statements

    def check_policy_statements(self, statements: Iterable[PolicyStatement]) -> None:
        """Raise what `add_policy_statements` would refuse, adding nothing."""
        self._grants.check(statements)

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        """Add statements to the inline policy `<role_name>-storage`."""
        self._grants.add(*statements)
