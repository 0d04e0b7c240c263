"""`KeySecrets`: a static identity's keys in Secrets Manager, for an ECS task to read."""

from __future__ import annotations

from platform_storage.cdk import (
    Construct,
    SecretsmanagerSecret,
    SecretsmanagerSecretPolicy,
    SecretsmanagerSecretVersion,
    TerraformOutput,
)
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs._stack_data import claim_output_names, output_name_problems
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.constructs.static_credentials import StaticCredentials
from platform_storage.naming import IDENTIFIER, StaticOutputs
from platform_storage.policy import PolicyStatement, Principal

_SECRET_NAME_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-"
)


class KeySecrets(Construct):
    """Two Secrets Manager secrets, `<name_prefix>/AWS_ACCESS_KEY_ID` and
    `<name_prefix>/AWS_SECRET_ACCESS_KEY`, holding the key of `credentials`, each with a resource
    policy that lets `reader_arn` (an ECS execution role: ECS injects `secrets` with it) read it
    and nobody else of another account.

    One secret per variable because the Orchestrator's `job.secrets` takes a bare secret ARN per
    variable (no JSON key). The ARNs exist only after deploy: they are the outputs
    `<output_prefix>_access_key_id_secret_arn` and `<output_prefix>_secret_access_key_secret_arn`.

    Options: `credentials`, `reader_arn`, `name_prefix` (required); `output_prefix` = the
    credentials' output prefix; `recovery_window_in_days` = 7 (0 deletes at once).
    """

    VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        credentials: StaticCredentials,
        reader_arn: str,
        name_prefix: str,
        output_prefix: str | None = None,
        recovery_window_in_days: int = 7,
    ) -> None:
        prefix = output_prefix if output_prefix is not None else credentials.output_prefix
        problems = []
        if not name_prefix or set(name_prefix) - _SECRET_NAME_CHARACTERS or len(name_prefix) > 480:
            problems.append(
                f"name_prefix {name_prefix!r} may hold only letters, digits and '/_+=.@-'"
            )
        named = StaticOutputs(prefix)
        names = [named.access_key_id_secret_arn, named.secret_access_key_secret_arn]
        if IDENTIFIER.fullmatch(prefix) is None:
            problems.append(f"output_prefix {prefix!r} must be a Terraform name")
        problems += [f"output_prefix: {p}" for p in output_name_problems(scope, names)]
        if not (recovery_window_in_days == 0 or 7 <= recovery_window_in_days <= 30):
            problems.append("recovery_window_in_days must be 0 or 7 to 30 (Secrets Manager)")
        refuse(f"KeySecrets {path_of(scope, id)}", problems)
        super().__init__(scope, id)
        values = {
            "AWS_ACCESS_KEY_ID": credentials.access_key.id,
            "AWS_SECRET_ACCESS_KEY": credentials.access_key.secret,
        }
        outputs = dict(zip(self.VARIABLES, names, strict=True))
        self.secrets: dict[str, SecretsmanagerSecret] = {}
        for variable in self.VARIABLES:
            slug = variable.lower().replace("_", "-")
            secret = SecretsmanagerSecret(
                self,
                slug,
                name=f"{name_prefix}/{variable}",
                description=f"{variable} of {credentials.user_name} (platform-storage)",
                recovery_window_in_days=recovery_window_in_days,
            )
            SecretsmanagerSecretVersion(
                self, f"{slug}-value", secret_id=secret.id, secret_string=values[variable]
            )
            policy = PolicyDocument(
                self,
                f"{slug}-policy-document",
                statements=[
                    PolicyStatement(
                        sid="ExecutionRoleReads",
                        effect="Allow",
                        actions=("secretsmanager:GetSecretValue",),
                        resources=(secret.arn,),
                        principals=(Principal("AWS", (reader_arn,)),),
                    )
                ],
            )
            SecretsmanagerSecretPolicy(
                self, f"{slug}-policy", secret_arn=secret.arn, policy=policy.json
            )
            output = TerraformOutput(
                self, f"{slug}-arn", value=secret.arn, description=f"ARN of the {variable} secret"
            )
            output.override_logical_id(outputs[variable])
            self.secrets[variable] = secret
        self.output_names = outputs
        claim_output_names(self, names)
