"""`StaticCredentials`: an IAM user with an access key, the last resort."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
)
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs._grant_policy import GrantPolicy
from platform_storage.constructs._identity_checks import identity_problems
from platform_storage.constructs._stack_data import claim_output_names, output_name_problems
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.naming import IDENTIFIER, StaticOutputs, output_name
from platform_storage.policy import PolicyStatement

FEDERATION_ADVICE = (
    "static credentials: a long-lived access key that never expires on its own and must be "
    "rotated and stored by hand; prefer IRSA, EKS Pod Identity, an ECS task role or OIDC "
    "federation, which hand out short-lived credentials"
)


class StaticCredentials(Construct):
    """An IAM user whose access key a workload uses when no federation is possible.

    Both products support it (Massdriver's chart takes `accessKeyId`/`secretAccessKey`; runners
    accept AWS keys), so it exists, but every synth warns that federation is better. The grants
    land in one customer-managed policy, `<user_name>-storage`, attached to the group of one
    `<user_name>-storage` (CKV_AWS_40: never attach policies to users directly). The secret is
    only a sensitive Terraform output, `<output_prefix>_secret_access_key` (read it with
    `cdktf output`); the key id is `<output_prefix>_access_key_id`.

    Options (keyword-only): `account` and `user_name` (required), `path` = "/",
    `permissions_boundary_arn` = None, `output_prefix` = the construct id with `_` for other
    characters, `tags` = None.
    """

    @checked
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
        prefix = output_prefix if output_prefix is not None else output_name(id)
        problems = identity_problems(
            name=user_name,
            path=path,
            tags=tags,
            permissions_boundary_arn=permissions_boundary_arn,
            label="user_name",
        )
        outputs = StaticOutputs(prefix)
        names = [outputs.access_key_id, outputs.secret_access_key]
        if IDENTIFIER.fullmatch(prefix) is None:
            problems.append(
                f"output_prefix {prefix!r} must be a Terraform name: a letter or '_' first, then"
                " letters, digits, '_' and '-'"
            )
        problems += [f"output_prefix: {p}" for p in output_name_problems(scope, names)]
        refuse(f"StaticCredentials {path_of(scope, id)}", problems)
        super().__init__(scope, id)
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
        self.access_key_id_output = TerraformOutput(
            self, "access-key-id", value=self.access_key.id, description="AWS access key id"
        )
        self.access_key_id_output.override_logical_id(outputs.access_key_id)
        self.secret_output = TerraformOutput(
            self,
            "secret-access-key",
            value=self.access_key.secret,
            sensitive=True,
            description="AWS secret access key (sensitive)",
        )
        self.secret_output.override_logical_id(outputs.secret_access_key)
        self.output_prefix = prefix
        self._grants = GrantPolicy(self, "storage", self._attach)
        claim_output_names(self, names)

    def _attach(self, document: PolicyDocument) -> None:
        policy = IamPolicy(
            self,
            "storage-policy",
            name=f"{self.user_name}-storage",
            path=self.path,
            description=f"Storage grants of {self.user_name} (platform-storage)",
            policy=document.json,
        )
        IamGroupPolicyAttachment(
            self, "storage-attachment", group=self.group.name, policy_arn=policy.arn
        )

    @property
    def principal_arn(self) -> str:
        return self.account.user_arn(self.user_name, self.path)

    @property
    def arn_reference(self) -> str:
        """The user's ARN as Terraform reports it (a reference, for outputs)."""
        return self.user.arn

    @property
    def storage_statements(self) -> tuple[PolicyStatement, ...]:
        return self._grants.statements

    def check_policy_statements(self, statements: Iterable[PolicyStatement]) -> None:
        """Raise what `add_policy_statements` would refuse, adding nothing."""
        self._grants.check(statements)

    def add_policy_statements(self, *statements: PolicyStatement) -> None:
        """Add statements to the user's managed policy (attached through its group)."""
        self._grants.add(*statements)
