"""Reusable constructs. Importing this package loads the CDK core and the AWS provider.

The public API is what this package exports (`__all__`) and `platform_storage.stacks`; modules
whose names start with `_` are private, and so is every module outside these two packages.
"""

from platform_storage.access import AccessProfile, StateOptions
from platform_storage.aws import AwsAccount
from platform_storage.bucket_options import (
    AccessLogging,
    BucketEncryption,
    BucketOptions,
    NoncurrentTransition,
    OptionsError,
    Replication,
)
from platform_storage.constructs.ecs_task_role import EcsTaskRole
from platform_storage.constructs.irsa_role import IrsaRole
from platform_storage.constructs.key_secrets import KeySecrets
from platform_storage.constructs.oidc_role import OidcFederatedRole
from platform_storage.constructs.pod_identity_role import PodIdentityRole
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.constructs.private_bucket import PrivateBucket
from platform_storage.constructs.state_bucket import StateBucket
from platform_storage.constructs.static_credentials import StaticCredentials
from platform_storage.constructs.workload_role import RoleOptions, WorkloadIdentity, WorkloadRole
from platform_storage.policy import Condition, PolicyStatement, Principal
from platform_storage.rules.validation import apply_rules, suppress
from platform_storage.trust import ServiceAccount

__all__ = [
    "AccessLogging",
    "AccessProfile",
    "AwsAccount",
    "BucketEncryption",
    "BucketOptions",
    "Condition",
    "EcsTaskRole",
    "IrsaRole",
    "KeySecrets",
    "NoncurrentTransition",
    "OidcFederatedRole",
    "OptionsError",
    "PodIdentityRole",
    "PolicyDocument",
    "PolicyStatement",
    "Principal",
    "PrivateBucket",
    "Replication",
    "RoleOptions",
    "ServiceAccount",
    "StateBucket",
    "StateOptions",
    "StaticCredentials",
    "WorkloadIdentity",
    "WorkloadRole",
    "apply_rules",
    "suppress",
]
