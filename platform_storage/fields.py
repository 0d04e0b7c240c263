"""Constrained value types shared by the configuration models and the construct options.

Each wraps rules of `naming`, `aws` or `prefixes`, so a rule is written once and pydantic reports
it at the field it belongs to, with the rule's own sentence. No CDK import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, StrictInt, StrictStr

from platform_storage import aws, naming, prefixes, trust

T = TypeVar("T")

# S3 stores lifecycle days as a 32-bit integer.
MAX_DAYS = 2_147_483_647
# S3's limit for NewerNoncurrentVersions.
MAX_NEWER_NONCURRENT_VERSIONS = 100


def rule(*checks: Callable[[Any], list[str]]) -> AfterValidator:
    """A pydantic validator that raises the sentences of `checks` (all of them, joined). A CDK
    token (a value known only at apply time, e.g. another construct's ARN) is not checked; the
    configuration file can hold none (its loader refuses every `${`)."""

    def validate(value: T) -> T:
        if naming.is_token(value):
            return value
        problems = [p for check in checks for p in check(value)]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    return AfterValidator(validate)


def _tags_problems(tags: Mapping[str, str]) -> list[str]:
    problems = naming.tags_problems(dict(tags))
    if any(key.casefold() == "managed-by" for key in tags):
        problems.append("tag key 'managed-by' is set by platform-storage on every resource")
    if len(tags) > naming.TAGS_MAX - 1:
        problems.append(f"at most {naming.TAGS_MAX - 1} tags: 'managed-by' takes one of AWS's 50")
    return problems


AccountId = Annotated[StrictStr, rule(naming.account_id_problems)]
Partition = Annotated[StrictStr, rule(aws.partition_problems)]
Region = Annotated[StrictStr, rule(aws.region_problems)]
BucketName = Annotated[StrictStr, rule(naming.bucket_name_problems)]
BucketArn = Annotated[StrictStr, rule(aws.bucket_arn_problems)]
KmsKeyArn = Annotated[StrictStr, rule(aws.kms_key_arn_problems)]
RoleArn = Annotated[StrictStr, rule(aws.role_arn_problems)]
Issuer = Annotated[StrictStr, rule(aws.issuer_problems)]
IamName = Annotated[StrictStr, rule(naming.iam_name_problems)]
IamPath = Annotated[StrictStr, rule(naming.iam_path_problems)]
Namespace = Annotated[StrictStr, rule(naming.namespace_problems)]
ServiceAccountName = Annotated[StrictStr, rule(naming.service_account_problems)]
HelmRelease = Annotated[StrictStr, rule(naming.helm_release_problems)]
ChartNameOverride = Annotated[StrictStr, rule(naming.chart_name_override_problems)]
SemVer = Annotated[StrictStr, rule(naming.semver_problems)]
RunnerId = Annotated[StrictStr, rule(naming.runner_id_problems)]
SessionName = Annotated[StrictStr, rule(naming.session_name_problems)]
SubnetId = Annotated[StrictStr, rule(naming.subnet_problems)]
SecurityGroupId = Annotated[StrictStr, rule(naming.security_group_problems)]
Description = Annotated[StrictStr, rule(naming.description_problems)]
AgentKey = Annotated[StrictStr, rule(naming.agent_key_problems)]
Tags = Annotated[dict[StrictStr, StrictStr], rule(_tags_problems)]
ExactClaim = Annotated[StrictStr, rule(trust.claim_problems)]
EksClusterName = Annotated[StrictStr, rule(naming.eks_cluster_name_problems)]
EcsCluster = Annotated[StrictStr, rule(naming.ecs_cluster_problems)]
# A prefix is checked as written, then stored without its outer '/'.
Prefix = Annotated[
    StrictStr, rule(prefixes.prefix_problems), AfterValidator(prefixes.normalize_prefix)
]
# A key prefix kept exactly as written (a log prefix's trailing '/' matters).
KeyPrefix = Annotated[StrictStr, rule(prefixes.prefix_problems)]
Days = Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)]
VersionsToKeep = Annotated[StrictInt, Field(ge=0, le=MAX_NEWER_NONCURRENT_VERSIONS)]
