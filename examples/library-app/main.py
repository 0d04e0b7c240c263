"""The team's CDKTF app: `cdktf synth` here writes `cdktf.out/`.

Under CDK Terrain, import `App` and `TerraformStack` from `cdktn` and `AwsProvider` from
`cdktn_provider_aws.provider` instead; `CiStorage` is the same.
"""

from __future__ import annotations

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from ci_storage import CiStorage, Pipeline

from platform_storage.constructs import AwsAccount

ACCOUNT = AwsAccount(account_id="123456789012", region="us-east-2")


def build(app: App) -> TerraformStack:
    stack = TerraformStack(app, "ci-storage")
    AwsProvider(stack, "aws", region=ACCOUNT.region, allowed_account_ids=[ACCOUNT.account_id])
    CiStorage(
        stack,
        "ci",
        account=ACCOUNT,
        organisation="acme",
        pipelines=(Pipeline("network", reads_artifacts=True), Pipeline("payments")),
        state_bucket_name="acme-ci-tfstate",
        artifacts_bucket_name="acme-ci-artifacts",
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
