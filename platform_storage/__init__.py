"""platform-storage: secure AWS blob storage for Massdriver and Platform Orchestrator runners.

Importing this package is cheap: the CDK and the AWS provider load only when a construct or stack
module is imported (see `platform_storage.cdk`).
"""

__version__ = "0.2.0"
