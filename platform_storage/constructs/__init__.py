"""Reusable constructs. Importing this package loads the CDK core and the AWS provider."""

from platform_storage.constructs.bucket_options import AccessLogging, BucketEncryption, Replication
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.constructs.private_bucket import PrivateBucket
from platform_storage.constructs.state_bucket import StateBucket
from platform_storage.rules.aspect import suppress

__all__ = [
    "AccessLogging",
    "BucketEncryption",
    "PolicyDocument",
    "PrivateBucket",
    "Replication",
    "StateBucket",
    "suppress",
]
