"""`ExampleStorageStack`: one artifact bucket and one state bucket, the smallest useful app."""

from __future__ import annotations

from platform_storage.cdk import AwsProvider, Construct, TerraformOutput, TerraformStack
from platform_storage.constructs import PrivateBucket, StateBucket


class ExampleStorageStack(TerraformStack):
    """A `PrivateBucket` for artifacts and a `StateBucket`, with their names and ARNs as outputs.

    `allowed_account_ids` pins the provider to `account_id`, so a deploy with credentials for
    another account fails before any change.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account_id: str,
        region: str,
        artifacts_bucket: str,
        state_bucket: str,
    ) -> None:
        super().__init__(scope, id)
        AwsProvider(self, "aws", region=region, allowed_account_ids=[account_id])
        # OpenTofu resolves the bare "aws" source CDKTF writes ambiguously (opentofu#2402).
        self.add_override("terraform.required_providers.aws.source", "hashicorp/aws")
        buckets = {
            "artifacts": PrivateBucket(self, "artifacts", bucket_name=artifacts_bucket),
            "state": StateBucket(self, "state", bucket_name=state_bucket),
        }
        for name, bucket in buckets.items():
            TerraformOutput(self, f"{name}-bucket-name", value=bucket.bucket.bucket)
            TerraformOutput(self, f"{name}-bucket-arn", value=bucket.bucket_arn)
