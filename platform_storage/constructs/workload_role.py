"""`WorkloadRole`: the IAM role every role-based identity of the library is built on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypedDict

from platform_storage.aws import AwsAccount
from platform_storage.cdk import (
    Construct,
    IamRole,
    IamRolePolicy,
    ensure_core,
    stack_of,
)
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.naming import iam_path_problems, role_name_problems
from platform_storage.policy import PolicyStatement
from platform_storage.rules.aspect import apply_rules

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200


class RoleOptions(TypedDict, total=False):
    """The options every role of the library takes besides its trust; defaults and meaning are
    those of `WorkloadRole`."""

    path: str
    permissions_boundary_arn: str | None
    max_session_duration: int
    description: str | None
    tags: Mapping[str, str] | None


class WorkloadIdentity(Protocol):
    """Anything a bucket can grant access to: a role or a static-credentials user."""

    @property
    def principal_arn(self) -> str: ...

    @property
    def arn_reference(self) -> str: ...

    def add_policy_statements(self, *statements: PolicyStatement) -> None: ...


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
    """

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
        ensure_core(scope, self)
        super().__init__(scope, id)
        apply_rules(stack_of(scope))
        problems = [f"role_name {p}" for p in role_name_problems(role_name)]
        problems += [f"path {p}" for p in iam_path_problems(path)]
        if not MIN_SESSION_SECONDS <= max_session_duration <= MAX_SESSION_SECONDS:
            problems.append(
                f"max_session_duration must be {MIN_SESSION_SECONDS} to {MAX_SESSION_SECONDS}"
                " seconds"
            )
        if problems:
            raise ValueError(f"{type(self).__name__} {self.node.path}: " + "; ".join(problems))

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
        self._storage_document: PolicyDocument | None = None

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
        return self._storage_document.statements if self._storage_document else ()

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        """Grants land in one inline policy, `<role_name>-storage`, written with the first one
        (IAM rejects a policy without statements). Inline, not managed: the policy belongs to
        this role alone, and it saves a policy and an attachment per role (with hundreds of
        runners, Terraform resources and synth time)."""
        if self._storage_document is not None:
            self._storage_document.add_statements(*statements)
            return
        self._storage_document = PolicyDocument(self, "storage-document", statements=statements)
        IamRolePolicy(
            self,
            "storage-policy",
            name=f"{self.role_name}-storage",
            role=self.role.id,
            policy=self._storage_document.json,
        )
