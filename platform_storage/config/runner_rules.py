"""Cross-field rules about Orchestrator runners: identities per runner type, regions and
partitions, disjoint prefixes."""

from __future__ import annotations

from platform_storage.aws import PARTITIONS
from platform_storage.config.errors import Problem
from platform_storage.config.models import ALLOWED_IDENTITIES, RunnerSettings
from platform_storage.config.parts import Parts
from platform_storage.naming import ORCHESTRATOR_REGION
from platform_storage.prefixes import first_overlaps

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
            ecs_region is not None and ORCHESTRATOR_REGION.fullmatch(ecs_region) is None,
            f"{at}.ecs.region",
            f"{ecs_region!r} is refused by the Orchestrator API: job.region must match"
            f" {ORCHESTRATOR_REGION.pattern!r}",
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
