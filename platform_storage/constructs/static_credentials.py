"""`StaticCredentials`: an IAM user with an access key, the last resort."""

from __future__ import annotations

import re
from collections.abc import Mapping

from platform_storage.aws import AwsAccount
from platform_storage.cdk import (
    Annotations,
    Construct,
    IamAccessKey,
    IamGroup,
    IamGroupPolicyAttachment,
    IamPolicy,
    IamUser,
    IamUserGroupMembership,
    TerraformOutput,
    ensure_core,
    stack_of,
)
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.naming import iam_path_problems, role_name_problems
from platform_storage.policy import PolicyStatement
from platform_storage.rules.aspect import apply_rules


class StoragePolicy:
    """The one customer-managed policy that carries a static user's storage grants (attached
    to the user's group: a policy attached to a user directly is what CKV_AWS_40 refuses).

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


FEDERATION_ADVICE = (
    "static credentials: a long-lived access key that never expires on its own and must be "
    "rotated and stored by hand; prefer IRSA, EKS Pod Identity, an ECS task role or OIDC "
    "federation, which hand out short-lived credentials"
)


class StaticCredentials(Construct):
    """An IAM user whose access key a workload uses when no federation is possible.

    Both products support it (Massdriver's chart takes `accessKeyId`/`secretAccessKey`; runners
    accept AWS keys), so it exists, but every synth warns that federation is better. The grants
    land in a managed policy attached to a group of one (policies are never attached to users
    directly). The secret is only a sensitive Terraform output, `<output_prefix>_secret_access_key`
    (read it with `cdktf output`); the key id is `<output_prefix>_access_key_id`.

    Options (keyword-only): `account` and `user_name` (required), `path` = "/",
    `permissions_boundary_arn` = None, `output_prefix` = the construct id with `_` for other
    characters, `tags` = None.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        user_name: str,
        path: str = "/",
        permissions_boundary_arn: str | None = None,
        output_prefix: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        ensure_core(scope, self)
        super().__init__(scope, id)
        apply_rules(stack_of(scope))
        problems = [f"user_name {p}" for p in role_name_problems(user_name)]
        problems += [f"path {p}" for p in iam_path_problems(path)]
        if problems:
            raise ValueError(f"StaticCredentials {self.node.path}: " + "; ".join(problems))
        Annotations.of(self).add_warning(FEDERATION_ADVICE)

        self.account = account
        self.user_name = user_name
        self.path = path
        self.user = IamUser(
            self,
            "user",
            name=user_name,
            path=path,
            permissions_boundary=permissions_boundary_arn,
            tags=dict(tags) if tags else None,
        )
        self.group = IamGroup(self, "group", name=f"{user_name}-storage", path=path)
        IamUserGroupMembership(self, "membership", user=self.user.name, groups=[self.group.name])
        self.access_key = IamAccessKey(self, "access-key", user=self.user.name)
        prefix = output_prefix or re.sub(r"[^A-Za-z0-9_]", "_", id)
        self.access_key_id_output = TerraformOutput(
            self, "access-key-id", value=self.access_key.id, description="AWS access key id"
        )
        self.access_key_id_output.override_logical_id(f"{prefix}_access_key_id")
        self.secret_output = TerraformOutput(
            self,
            "secret-access-key",
            value=self.access_key.secret,
            sensitive=True,
            description="AWS secret access key (sensitive)",
        )
        self.secret_output.override_logical_id(f"{prefix}_secret_access_key")
        self.output_prefix = prefix
        self._storage = StoragePolicy(
            self,
            "storage",
            name=f"{user_name}-storage",
            path=path,
            description=f"Storage grants of {user_name} (platform-storage)",
        )
        self._attached = False

    @property
    def principal_arn(self) -> str:
        return self.account.user_arn(self.user_name, self.path)

    @property
    def arn_reference(self) -> str:
        """The user's ARN as Terraform reports it (a reference, for outputs)."""
        return self.user.arn

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        policy = self._storage.add_statements(*statements)
        if not self._attached:
            IamGroupPolicyAttachment(
                self, "storage-attachment", group=self.group.name, policy_arn=policy.arn
            )
            self._attached = True
