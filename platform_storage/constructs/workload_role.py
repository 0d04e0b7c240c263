"""`WorkloadRole`: the IAM role every role-based identity of the library is built on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from platform_storage.aws import AwsAccount
from platform_storage.cdk import (
    Construct,
    IamPolicy,
    IamRole,
    IamRolePolicyAttachment,
    ensure_core,
    stack_of,
)
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.naming import iam_path_problems, role_name_problems
from platform_storage.policy import PolicyStatement
from platform_storage.rules.aspect import apply_rules

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200


class WorkloadIdentity(Protocol):
    """Anything a bucket can grant access to: a role or a static-credentials user."""

    @property
    def principal_arn(self) -> str: ...

    @property
    def arn_reference(self) -> str: ...

    def add_policy_statements(self, *statements: PolicyStatement) -> None: ...


class StoragePolicy:
    """The one customer-managed policy that carries an identity's storage grants.

    The policy resources (`<id>-document`, `<id>-policy` in `scope`) are only written once a
    statement exists: IAM rejects a policy without statements. The owner attaches the returned
    policy to its role or group.
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, path: str, description: str
    ) -> None:
        self._scope = scope
        self._id = id
        self._name = name
        self._path = path
        self._description = description
        self.document: PolicyDocument | None = None
        self.policy: IamPolicy | None = None

    @property
    def statements(self) -> tuple[PolicyStatement, ...]:
        return self.document.statements if self.document else ()

    def add_statements(self, *statements: PolicyStatement) -> IamPolicy:
        if self.document is None or self.policy is None:
            self.document = PolicyDocument(
                self._scope, f"{self._id}-document", statements=statements
            )
            self.policy = IamPolicy(
                self._scope,
                f"{self._id}-policy",
                name=self._name,
                path=self._path,
                description=self._description,
                policy=self.document.json,
            )
        else:
            self.document.add_statements(*statements)
        return self.policy


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

    Grants land in one customer-managed policy named `<role_name>-storage`, attached to the role.
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
        self._storage = StoragePolicy(
            self,
            "storage",
            name=f"{role_name}-storage",
            path=path,
            description=f"Storage grants of {role_name} (platform-storage)",
        )
        self._attached = False

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
        return self._storage.statements

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        policy = self._storage.add_statements(*statements)
        if not self._attached:
            IamRolePolicyAttachment(
                self, "storage-attachment", role=self.role.name, policy_arn=policy.arn
            )
            self._attached = True
