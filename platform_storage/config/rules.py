"""Rules that span fields of the configuration, over the sections that parsed (`Parts`).

Each rule is a small function returning `(path, problem)` pairs; `RULES` lists them in the order
their problems are reported. Bucket rules are in `bucket_rules`, runner rules in `runner_rules`;
the rest span products. Rules about derived names and workloads (two roles trusting one
pod, two runners sharing an output name) live with the derivation in `platform_storage.plan`.
"""

from __future__ import annotations

from collections.abc import Callable

from platform_storage.aws import PARTITIONS
from platform_storage.config import bucket_rules, runner_rules
from platform_storage.config.errors import Problem
from platform_storage.config.parts import Parts

Rule = Callable[[Parts], list[Problem]]
# S3Proxy and the legacy layout reach `s3.<region>.amazonaws.com`; the chart has no endpoint key.
MASSDRIVER_DNS_SUFFIX = "amazonaws.com"


def some_product(parts: Parts) -> list[Problem]:
    if not parts.massdriver_given and not parts.orchestrator_given:
        return [("(top level)", "needs at least one of 'massdriver' or 'orchestrator'")]
    return []


def region_in_partition(parts: Parts) -> list[Problem]:
    aws = parts.aws
    if aws is None or PARTITIONS[aws.partition].has_region(aws.region):
        return []
    return [("aws.region", f"{aws.region!r} is not a region of partition {aws.partition!r}")]


def massdriver_storage(parts: Parts) -> list[Problem]:
    md = parts.massdriver
    if md is None:
        return []
    table: list[tuple[bool, str, str]] = [
        (
            md.storage == "s3" and md.buckets is None,
            "massdriver.buckets",
            "is required when massdriver.storage is 's3'",
        ),
        (
            md.storage == "minio" and md.buckets is not None,
            "massdriver.buckets",
            "must be left out when massdriver.storage is 'minio'",
        ),
        (
            md.storage == "minio" and md.state_bucket_options is not None,
            "massdriver.state_bucket_options",
            "must be left out when massdriver.storage is 'minio'",
        ),
        (
            md.argo.storage == "s3" and md.argo.bucket is None,
            "massdriver.argo.bucket",
            "is required when argo.storage is 's3'",
        ),
        (
            md.argo.storage == "minio" and md.argo.bucket is not None,
            "massdriver.argo.bucket",
            "must be left out when argo.storage is 'minio'",
        ),
        (
            md.storage == "minio" and md.argo.storage == "minio",
            "massdriver",
            "moves nothing to S3: set storage or argo.storage to 's3'",
        ),
        (
            md.identity in ("irsa", "pod-identity") and not parts.eks_given,
            "eks",
            f"is required for massdriver.identity '{md.identity}'",
        ),
        (
            md.identity == "pod-identity" and parts.eks is not None and not parts.eks.cluster_name,
            "eks.cluster_name",
            "is required for massdriver.identity 'pod-identity'",
        ),
        (
            md.bucket_options.replication is not None,
            "massdriver.bucket_options.replication",
            "one destination for the massdriver, state and argo buckets would mix their"
            " objects; replicate them with separate destinations outside this file",
        ),
        (
            md.storage == "s3"
            and parts.aws is not None
            and PARTITIONS[parts.aws.partition].dns_suffix != MASSDRIVER_DNS_SUFFIX,
            "massdriver.storage",
            "'s3' cannot work in partition"
            f" {parts.aws.partition if parts.aws else ''!r}: the chart reaches"
            " s3.<region>.amazonaws.com and has no endpoint setting; keep Massdriver's storage"
            " on MinIO there",
        ),
    ]
    return [(path, problem) for broken, path, problem in table if broken]


RULES: tuple[Rule, ...] = (
    some_product,
    region_in_partition,
    runner_rules.orchestrator_partition,
    bucket_rules.bucket_names,
    bucket_rules.bucket_keys,
    bucket_rules.logging_targets,
    massdriver_storage,
    bucket_rules.bucket_options,
    runner_rules.runners,
    runner_rules.disjoint_prefixes,
)


def cross_field_problems(parts: Parts) -> list[Problem]:
    return [problem for rule in RULES for problem in rule(parts)]
