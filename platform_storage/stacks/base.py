"""`PlatformStack`: what every ready stack shares: the pinned provider, backend, rules, outputs."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.cdk import (
    AwsProvider,
    AwsProviderDefaultTags,
    Construct,
    S3Backend,
    TerraformOutput,
    TerraformStack,
    ensure_core,
)
from platform_storage.config.models import AwsSettings, BackendSettings
from platform_storage.naming import output_name, terraform_literal
from platform_storage.rules.validation import apply_rules

MANAGED_BY = {"managed-by": "platform-storage"}


class PlatformStack(TerraformStack):
    """A stack pinned to one account and region.

    - `allowed_account_ids` = [account]: a deploy with credentials for another account fails
      before any change;
    - default tags `managed-by: platform-storage` plus `aws.tags` on every resource;
    - provider source `hashicorp/aws`, fully qualified, so OpenTofu resolves it as Terraform does;
    - with `backend`: state in S3 at `<key_prefix>/<stack>.tfstate`, encrypted, S3-native locking
      (`use_lockfile`; CDKTF's S3Backend lacks the option, hence the override);
    - the synth-time rules (buckets, IAM) are applied.
    """

    def __init__(
        self, scope: Construct, id: str, *, aws: AwsSettings, backend: BackendSettings | None
    ) -> None:
        ensure_core(scope, self)
        super().__init__(scope, id)
        apply_rules(self)
        AwsProvider(
            self,
            "aws",
            region=aws.region,
            allowed_account_ids=[aws.account_id],
            default_tags=[AwsProviderDefaultTags(tags={**MANAGED_BY, **aws.tags})],
        )
        self.add_override("terraform.required_providers.aws.source", "hashicorp/aws")
        if backend is not None:
            S3Backend(
                self,
                bucket=backend.bucket,
                key=f"{backend.key_prefix}/{id}.tfstate",
                region=backend.region or aws.region,
                encrypt=True,
                kms_key_id=backend.kms_key_id,
            )
            self.add_override("terraform.backend.s3.use_lockfile", True)

    def output(
        self,
        name: str,
        value: str | Mapping[str, str],
        description: str,
        *,
        sensitive: bool = False,
    ) -> TerraformOutput:
        """An output named exactly `name` (dashes become underscores); `sensitive` = False."""
        # An output directly under the stack takes its id as its name: no override needed.
        return TerraformOutput(
            self,
            output_name(name),
            value=value if isinstance(value, str) else dict(value),
            description=description,
            sensitive=sensitive,
        )

    def document_output(
        self, name: str, value: str | Mapping[str, str], description: str
    ) -> TerraformOutput:
        """An output holding rendered documents: literal text, never a Terraform template."""
        if isinstance(value, str):
            return self.output(name, terraform_literal(value), description)
        return self.output(name, {k: terraform_literal(v) for k, v in value.items()}, description)
