"""The access report's content: per workload, the identity it acts as, and per bucket and
prefix what that identity may do, grouped as people ask (list, read, write, delete, lock, KMS).

Everything comes from `platform_storage.analysis.reach`, which proves each scope reached in
full and nothing outside the scopes allowed; anything it could not explain is carried into the
report as a warning rather than dropped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from platform_storage.analysis import Identity, Scope, SystemModel, reach
from platform_storage.analysis.isolation import LISTING_ACTIONS
from platform_storage.workloads import Workload, service_account_of

CATEGORIES = ("list", "read", "write", "delete", "lock", "kms")
# Object actions by category; `lock` is any of them on lock files only (`*.tflock`). An object
# action missing here is shown by name under `other`, never guessed into a category.
OBJECT_CATEGORIES: Mapping[str, str] = {
    "s3:GetObject": "read",
    "s3:GetObjectVersion": "read",
    "s3:GetObjectVersionForReplication": "read",
    "s3:GetObjectVersionAcl": "read",
    "s3:GetObjectVersionTagging": "read",
    "s3:PutObject": "write",
    "s3:RestoreObject": "write",
    "s3:AbortMultipartUpload": "write",
    "s3:ListMultipartUploadParts": "write",
    "s3:ReplicateObject": "write",
    "s3:ReplicateTags": "write",
    "s3:DeleteObject": "delete",
    "s3:DeleteObjectVersion": "delete",
    "s3:ReplicateDelete": "delete",
}
WHOLE_BUCKET = "(whole bucket)"
LOCK_SUFFIX = ".tflock"


@dataclass(frozen=True, order=True)
class Target:
    """A bucket, or a prefix of one (`prefix` None: the whole bucket)."""

    bucket: str
    prefix: str | None

    @property
    def label(self) -> str:
        return f"{self.bucket}/{self.prefix}/" if self.prefix else f"{self.bucket} {WHOLE_BUCKET}"


@dataclass(frozen=True)
class Access:
    target: Target
    categories: frozenset[str]
    other: tuple[str, ...]  # bucket-level actions outside the categories


@dataclass(frozen=True)
class Entry:
    """One identity: who acts as it, and what it reaches."""

    identity: Identity
    workloads: tuple[str, ...]
    access: tuple[Access, ...]
    warnings: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.identity.kind} {self.identity.name}"


def describe_workload(workload: Workload) -> str:
    if workload.token is not None:
        issuer, subject = workload.token
        account = service_account_of(subject)
        if account is not None:
            return f"service account {account[0]}/{account[1]} (token of {issuer})"
        return f"OIDC subject {subject} (token of {issuer})"
    if workload.pod is not None:
        cluster, namespace, name = workload.pod
        return f"pod identity {namespace or '*'}/{name or '*'} on cluster {cluster or '*'}"
    return f"principal {workload.principal}"


_SERVICES = {
    "ecs-tasks.amazonaws.com": "ECS tasks whose task definition names this role",
    "s3.amazonaws.com": "S3 replication of the source bucket",
    "pods.eks.amazonaws.com": "EKS Pod Identity",
}


def workloads_of(identity: Identity) -> tuple[str, ...]:
    if identity.kind == "user":
        return (f"holder of IAM user {identity.name}'s access key",)
    found = [describe_workload(w) for w in identity.workloads]
    found += [
        _SERVICES.get(service, f"service {service}")
        for service in identity.trusted_by_service
        if service != "pods.eks.amazonaws.com" or not identity.workloads
    ]
    return tuple(found) or ("(nobody: no trust statement admits a workload)",)


def _buckets_of_key(model: SystemModel) -> dict[str, set[str]]:
    """Key ARN -> the buckets it encrypts (one key may serve several)."""
    found: dict[str, set[str]] = defaultdict(set)
    for bucket in model.buckets.values():
        if bucket.key is not None:
            found[bucket.key].add(bucket.name)
    return found


def access_of(identity: Identity, model: SystemModel) -> tuple[tuple[Access, ...], tuple[str, ...]]:
    found = reach(identity, model)
    categories: dict[Target, set[str]] = defaultdict(set)
    other: dict[Target, set[str]] = defaultdict(set)
    keys = _buckets_of_key(model)
    warnings = [f"also allowed: {u}" for u in found.unexplained]
    warnings += [f"wildcard action {a}" for a in found.wildcard_actions]
    # Key rights last: they go on the identity's rows of the buckets the key encrypts.
    for action, scopes in sorted(found.actions.items(), key=lambda a: a[0].startswith("kms:")):
        for scope in sorted(scopes):
            _place(action, scope, keys, categories, other, warnings)
    targets = sorted(set(categories) | set(other))
    access = tuple(
        Access(t, frozenset(categories.get(t, ())), tuple(sorted(other.get(t, ()))))
        for t in targets
    )
    return access, tuple(warnings)


def _place(
    action: str,
    scope: Scope,
    keys: Mapping[str, set[str]],
    categories: dict[Target, set[str]],
    other: dict[Target, set[str]],
    warnings: list[str],
) -> None:
    bucket = scope.resource.rsplit(":", 1)[-1]
    if action.startswith("kms:"):
        owners = keys.get(scope.resource, set())
        rows = [t for t in categories if t.bucket in owners]
        if not rows:
            warnings.append(
                f"{action} on {scope.resource}, the key of no bucket this identity reaches"
            )
        for target in rows:
            categories[target].add("kms")
        return
    if scope.kind == "listing" and action in LISTING_ACTIONS:
        categories[Target(bucket, scope.prefix)].add("list")
    elif scope.kind == "objects":
        target = Target(bucket, scope.prefix)
        if scope.suffix == LOCK_SUFFIX:
            categories[target].add("lock")
        elif scope.suffix:
            warnings.append(f"{action} on keys of {target.label} ending {scope.suffix!r}")
        elif action in OBJECT_CATEGORIES:
            categories[target].add(OBJECT_CATEGORIES[action])
        else:
            other[target].add(action)
    elif (
        scope.kind == "resource"
        and scope.resource.startswith("arn:")
        and ":s3:::" in scope.resource
    ):
        other[Target(bucket, None)].add(action)
    else:
        warnings.append(f"{action} on {scope}")


def entries(model: SystemModel) -> list[Entry]:
    """Every identity of the app, ordered by stack and name."""
    found = []
    for identity in sorted(model.identities.values(), key=lambda i: (i.stack, i.name)):
        access, warnings = access_of(identity, model)
        found.append(Entry(identity, workloads_of(identity), access, warnings))
    return found
