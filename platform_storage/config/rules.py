"""Rules that span fields of the configuration, over the sections that parsed (`Parts`).

Each rule is a small function returning `(path, problem)` pairs; `RULES` lists them in the order
their problems are reported. Rules about derived names and workloads (two roles trusting one
pod, two runners sharing an output name) live with the derivation in `platform_storage.plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from platform_storage.aws import PARTITIONS, parse_arn, partition_of_region
from platform_storage.bucket_options import BucketOptions, option_problems
from platform_storage.config.errors import Problem
from platform_storage.config.models import ALLOWED_IDENTITIES, RunnerSettings
from platform_storage.config.parts import Parts
from platform_storage.prefixes import first_overlaps

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


def bucket_options(parts: Parts) -> list[Problem]:
    """Each options set against its bucket kind, and user ARNs against the partition."""
    problems: list[Problem] = []
    for at, options, state, name in _option_sets(parts):
        problems += [
            (f"{at}.{field}", problem)
            for field, problem in option_problems(options, state=state, bucket_name=name)
        ]
        problems += _partition_problems(at, options, parts.partition)
    return problems


def _option_sets(parts: Parts) -> Iterator[tuple[str, BucketOptions, bool, str | None]]:
    md = parts.massdriver
    if md is not None:
        yield "massdriver.bucket_options", md.bucket_options, False, None
        if md.state_bucket_options is not None:
            # Checked merged with bucket_options, as the state bucket will receive them.
            state_name = md.buckets.state if md.buckets else None
            yield "massdriver.state_bucket_options", md.state_options, True, state_name
    if parts.state_bucket is not None:
        bucket = parts.state_bucket
        yield "orchestrator.state_bucket", bucket, True, bucket.name


def _partition_problems(at: str, options: BucketOptions, partition: str | None) -> list[Problem]:
    """User ARNs of the options' partition; a default-encryption key of the bucket's region
    is checked in `bucket_keys`."""
    if partition is None:
        return []
    arns = [("kms_key_arn", options.kms_key_arn)]
    if options.replication is not None:
        arns += [
            ("replication.destination_bucket_arn", options.replication.destination_bucket_arn),
            ("replication.destination_kms_key_arn", options.replication.destination_kms_key_arn),
        ]
    problems = []
    for field, value in arns:
        arn = parse_arn(value) if value else None
        if arn is not None and arn.partition != partition:
            problems.append((f"{at}.{field}", f"{value!r} is not in partition {partition!r}"))
    return problems


def bucket_keys(parts: Parts) -> list[Problem]:
    """SSE-KMS needs a key in the bucket's own region; the backend's key belongs to its."""
    aws = parts.aws
    if aws is None:
        return []
    problems = []
    keys = [
        (f"{at}.kms_key_arn", options.kms_key_arn, aws.region)
        for at, options, _, _ in _option_sets(parts)
    ]
    if parts.backend is not None:
        backend_region = parts.backend.region or aws.region
        keys.append(("backend.kms_key_id", parts.backend.kms_key_id, backend_region))
        if partition_of_region(backend_region) != aws.partition:
            problems.append(
                (
                    "backend.region",
                    f"{backend_region!r} is not a region of partition {aws.partition!r}",
                )
            )
    for at, key, region in keys:
        arn = parse_arn(key) if key else None
        if arn is None:
            continue
        if arn.partition != aws.partition:
            problems.append((at, f"{key!r} is not in partition {aws.partition!r}"))
        elif arn.region != region:
            problems.append(
                (
                    at,
                    f"{key!r} is in {arn.region}; the key must be in {region}, the bucket's region",
                )
            )
    return problems


def logging_targets(parts: Parts) -> list[Problem]:
    """Access logs go to a dedicated log bucket: into a bucket of this file they would mix with
    its objects (and reach whoever reads them)."""
    names = _bucket_owners(parts)
    problems = []
    for at, options, _, _ in _option_sets(parts):
        logging = options.access_logging
        if logging is not None and logging.target_bucket in names:
            problems.append(
                (
                    f"{at}.access_logging.target_bucket",
                    f"{logging.target_bucket!r} is a bucket of this file"
                    f" ({names[logging.target_bucket]}); send access logs to a dedicated log"
                    " bucket",
                )
            )
    return problems


def _bucket_owners(parts: Parts) -> dict[str, str]:
    names: dict[str, str] = {}
    md = parts.massdriver
    if md is not None:
        if md.buckets is not None:
            names.setdefault(md.buckets.massdriver, "massdriver.buckets.massdriver")
            names.setdefault(md.buckets.state, "massdriver.buckets.state")
        if md.argo.bucket is not None:
            names.setdefault(md.argo.bucket, "massdriver.argo.bucket")
    if parts.state_bucket is not None:
        names.setdefault(parts.state_bucket.name, "orchestrator.state_bucket.name")
    if parts.backend is not None:
        names.setdefault(parts.backend.bucket, "backend.bucket")
    return names


def bucket_names(parts: Parts) -> list[Problem]:
    """Bucket names are unique in the file, and no replication writes into one of them."""
    names: list[tuple[str, str]] = []
    md = parts.massdriver
    if md is not None:
        if md.buckets is not None:
            names += [
                ("massdriver.buckets.massdriver", md.buckets.massdriver),
                ("massdriver.buckets.state", md.buckets.state),
            ]
        if md.argo.bucket is not None:
            names.append(("massdriver.argo.bucket", md.argo.bucket))
    if parts.state_bucket is not None:
        names.append(("orchestrator.state_bucket.name", parts.state_bucket.name))
    if parts.backend is not None:
        names.append(("backend.bucket", parts.backend.bucket))
    first: dict[str, str] = {}
    problems = []
    for path, name in names:
        if name in first:
            problems.append(
                (path, f"{name!r} is already used by {first[name]}; bucket names must be unique")
            )
        first.setdefault(name, path)
    for at, options, _, own in _option_sets(parts):
        if options.replication is None:
            continue
        arn = parse_arn(options.replication.destination_bucket_arn)
        target = arn.resource if arn else ""
        if target in first and target != own:
            problems.append(
                (
                    f"{at}.replication.destination_bucket_arn",
                    f"replicates into {target!r}, which {first[target]} names; replicas would"
                    " mix with that bucket's own objects",
                )
            )
    return problems


# The Orchestrator API's ARN patterns (role_arn, task_role_arn, execution_role_arn, secrets)
# accept `arn:aws:` only.
ORCHESTRATOR_PARTITION = "aws"


def orchestrator_partition(parts: Parts) -> list[Problem]:
    partition = parts.partition
    if not parts.orchestrator_given or partition in (None, ORCHESTRATOR_PARTITION):
        return []
    return [
        (
            "orchestrator",
            f"runners cannot be registered in partition {partition!r}: the Orchestrator API"
            " accepts only 'arn:aws:' role ARNs (auth.role_arn, task_role_arn)",
        )
    ]


def runners(parts: Parts) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, runner in parts.runners:
        at = f"orchestrator.runners[{index}]"
        if runner.id in seen:
            problems.append((f"{at}.id", f"{runner.id!r} repeats runners[{seen[runner.id]}].id"))
        seen.setdefault(runner.id, index)
        problems += _runner_problems(parts, at, runner)
    # One runner can trip the same rule once per path (eks required twice, ...).
    return list(dict.fromkeys(problems))


def _runner_problems(parts: Parts, at: str, runner: RunnerSettings) -> list[Problem]:
    identity = runner.resolved_identity
    allowed = ALLOWED_IDENTITIES[runner.type]
    eks = parts.eks
    kubernetes = runner.type != "serverless-ecs"
    ecs_region = runner.ecs.region if runner.ecs else None
    cluster_region = runner.cluster.region if runner.cluster else None
    table: list[tuple[bool, str, str]] = [
        (
            identity not in allowed,
            f"{at}.identity",
            f"{identity!r} is not allowed for a {runner.type} runner (allowed:"
            f" {', '.join(allowed)})",
        ),
        (
            identity in ("irsa", "pod-identity") and runner.namespace is None,
            f"{at}.namespace",
            f"is required for identity {identity!r}",
        ),
        (
            identity in ("irsa", "pod-identity") and runner.service_account is None,
            f"{at}.service_account",
            f"is required for identity {identity!r}",
        ),
        (
            identity in ("irsa", "pod-identity") and not parts.eks_given,
            "eks",
            f"is required for {at}.identity {identity!r}",
        ),
        (
            identity == "pod-identity"
            and parts.eks_given
            and not (eks and eks.cluster_name)
            and not runner.cluster,
            f"{at}.cluster.name",
            "is required for identity 'pod-identity'",
        ),
        (
            identity == "oidc" and runner.oidc is None,
            f"{at}.oidc",
            "is required for identity 'oidc' (issuer, subject)",
        ),
        (
            identity != "oidc" and runner.oidc is not None,
            f"{at}.oidc",
            f"is only used with identity 'oidc', not {identity!r}",
        ),
        (
            runner.cluster is not None and runner.type != "kubernetes-eks",
            f"{at}.cluster",
            "is only used by kubernetes-eks runners",
        ),
        (
            runner.ecs is not None and runner.type != "serverless-ecs",
            f"{at}.ecs",
            "is only used by serverless-ecs runners",
        ),
        (
            not kubernetes and runner.namespace is not None,
            f"{at}.namespace",
            "is only used by Kubernetes runners",
        ),
        (
            not kubernetes and runner.service_account is not None,
            f"{at}.service_account",
            "is only used by Kubernetes runners",
        ),
        (
            identity == "irsa"
            and runner.cluster is not None
            and eks is not None
            and eks.cluster_name is not None
            and runner.cluster.name != eks.cluster_name,
            f"{at}.cluster.name",
            f"{runner.cluster.name if runner.cluster else ''!r} is not eks.cluster_name"
            f" {eks.cluster_name if eks else ''!r}: IRSA roles trust eks.oidc_issuer, the issuer"
            " of that cluster",
        ),
        (
            runner.key is not None and runner.type != "kubernetes-agent",
            f"{at}.key",
            "is only used by kubernetes-agent runners",
        ),
        (
            identity == "static"
            and runner.type == "serverless-ecs"
            and (runner.ecs is None or runner.ecs.static_keys == "secrets")
            and not (runner.ecs and runner.ecs.execution_role_arn),
            f"{at}.ecs.execution_role_arn",
            "is required for static keys in Secrets Manager: the execution role reads them (or"
            " set ecs.static_keys: environment)",
        ),
        *[
            (
                True,
                f"{at}.{field}",
                f"{arn!r} is not in partition 'aws': the Orchestrator API accepts 'arn:aws:'"
                " role ARNs only",
            )
            for field, arn in _orchestrator_arns(runner)
            if not arn.startswith(f"arn:{ORCHESTRATOR_PARTITION}:")
        ],
        (
            identity == "pod-identity"
            and cluster_region is not None
            and parts.aws is not None
            and cluster_region != parts.aws.region,
            f"{at}.cluster.region",
            f"{cluster_region!r} is not aws.region: the stack creates the pod identity"
            " association in aws.region, so the cluster must be there",
        ),
        (
            runner.oidc is not None
            and runner.oidc.create_provider
            and eks is not None
            and runner.oidc.issuer == eks.oidc_issuer
            and not eks.create_oidc_provider,
            f"{at}.oidc.create_provider",
            "is true for eks.oidc_issuer, whose provider eks.create_oidc_provider: false says"
            " exists; set one of them",
        ),
        (
            not _in_partition(parts, ecs_region),
            f"{at}.ecs.region",
            f"{ecs_region!r} is not a region of partition {parts.partition!r}",
        ),
        (
            not _in_partition(parts, cluster_region),
            f"{at}.cluster.region",
            f"{cluster_region!r} is not a region of partition {parts.partition!r}",
        ),
        (
            runner.path_prefix is None and parts.runner_count > 1,
            f"{at}.path_prefix",
            "is required when runners share the bucket (a runner without a prefix owns the whole"
            " bucket and must be alone)",
        ),
    ]
    return [(path, problem) for broken, path, problem in table if broken]


def _orchestrator_arns(runner: RunnerSettings) -> list[tuple[str, str]]:
    found = []
    if runner.cluster is not None and runner.cluster.auth_role_arn:
        found.append(("cluster.auth_role_arn", runner.cluster.auth_role_arn))
    if runner.ecs is not None:
        for key in ("auth_role_arn", "execution_role_arn"):
            value = getattr(runner.ecs, key)
            if value:
                found.append((f"ecs.{key}", value))
    return found


def _in_partition(parts: Parts, region: str | None) -> bool:
    partition = parts.partition
    return region is None or partition is None or PARTITIONS[partition].has_region(region)


def disjoint_prefixes(parts: Parts) -> list[Problem]:
    """Each runner whose prefix repeats or nests in an earlier runner's, once."""
    prefixed = [(i, r.path_prefix) for i, r in parts.runners if r.path_prefix is not None]
    return [
        (
            f"orchestrator.runners[{j}].path_prefix",
            f"{second!r} repeats or nests in runners[{i}].path_prefix {first!r}; runners sharing"
            " a bucket need disjoint prefixes",
        )
        for (i, first), (j, second) in first_overlaps(prefixed)
    ]


RULES: tuple[Rule, ...] = (
    some_product,
    region_in_partition,
    orchestrator_partition,
    bucket_names,
    bucket_keys,
    logging_targets,
    massdriver_storage,
    bucket_options,
    runners,
    disjoint_prefixes,
)


def cross_field_problems(parts: Parts) -> list[Problem]:
    return [problem for rule in RULES for problem in rule(parts)]
