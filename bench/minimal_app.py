"""The baseline: the smallest useful app on the selected core, one S3 bucket with versioning.

It imports the core directly (not through platform_storage) so that it pays only the core and
provider load, which is what the default app is compared against.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import version

CORES = {
    "cdktf": ("cdktf", "cdktf_cdktf_provider_aws", "cdktf-cdktf-provider-aws"),
    "cdktn": ("cdktn", "cdktn_provider_aws", "cdktn-provider-aws"),
}


def main() -> None:
    core_name = os.environ.get("PLATFORM_STORAGE_CDK", "cdktf")
    core_module, provider_module, provider_dist = CORES[core_name]
    if "--versions" in sys.argv:
        print(f"{core_module} {version(core_module)}, {provider_dist} {version(provider_dist)}")
        return
    core = importlib.import_module(core_module)
    provider = importlib.import_module(f"{provider_module}.provider")
    s3_bucket = importlib.import_module(f"{provider_module}.s3_bucket")
    versioning = importlib.import_module(f"{provider_module}.s3_bucket_versioning")

    app = core.App()
    stack = core.TerraformStack(app, "one-bucket")
    provider.AwsProvider(stack, "aws", region="us-east-2")
    bucket = s3_bucket.S3Bucket(stack, "bucket", bucket="bench-one-bucket")
    versioning.S3BucketVersioningA(
        stack, "versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )
    app.synth()


if __name__ == "__main__":
    main()
