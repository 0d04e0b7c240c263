"""The configuration file (`storage.yaml`): models, defaults and validation. No CDK import.

`load_config(path)` returns a `StorageConfig` or raises `ConfigError` holding every problem as
`<path>: <what is wrong and the rule>`, one per line. Field-level rules live on the models;
rules that span fields (unique names, prefixes between runners, identities allowed per runner
type) run after the models parse, so the reports carry exact paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError
from pydantic import field_validator as field_rule

from platform_storage.massdriver_chart import ChartNames, fullname
from platform_storage.naming import (
    account_id_problems,
    bucket_name_problems,
    iam_path_problems,
    issuer_problems,
    namespace_problems,
    partition_problems,
    region_problems,
    role_name_problems,
    service_account_problems,
)
from platform_storage.prefixes import overlapping_prefixes, prefix_problems

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "storage.yaml"
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
)
HELM_RELEASE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
RUNNER_ID = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")
ORCHESTRATOR_BUCKET = re.compile(r"^[a-z0-9][a-z0-9\-]*[a-z0-9]$")
CURRENT_LAYOUT_SINCE = (0, 0, 17)


_M = TypeVar("_M", bound=BaseModel)


class ConfigError(Exception):
    """Every problem of a configuration file, each `(path, message)`."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


def _check(problems: list[str]) -> None:
    if problems:
        raise ValueError("; ".join(problems))


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Name = Annotated[StrictStr, Field(min_length=1)]


def _region(value: str | None) -> str | None:
    if value is not None:
        _check(region_problems(value))
    return value


def _role_arn(value: str | None) -> str | None:
    if value is not None and not ROLE_ARN.match(value):
        raise ValueError(f"{value!r} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    return value


class AwsSettings(Model):
    """Where everything is deployed. `account_id` must be a quoted string of 12 digits."""

    account_id: StrictStr
    region: StrictStr
    partition: StrictStr = "aws"
    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    @field_rule("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = [key for key in value if key.lower().startswith("aws:")]
        if reserved:
            raise ValueError(f"tag keys {reserved} use the prefix 'aws:', which AWS reserves")
        return value

    @field_rule("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        _check(account_id_problems(value))
        return value

    @field_rule("region")
    @classmethod
    def _region(cls, value: str) -> str:
        _check(region_problems(value))
        return value

    @field_rule("partition")
    @classmethod
    def _partition(cls, value: str) -> str:
        _check(partition_problems(value))
        return value


class EksSettings(Model):
    """The EKS cluster whose workloads use IRSA or Pod Identity.

    `create_oidc_provider` = false: the IAM OIDC provider usually exists already (eksctl and
    cluster modules create it); exactly one may exist per issuer and account.
    `cluster_name`: required for Pod Identity (the association names the cluster).
    """

    oidc_issuer: StrictStr
    create_oidc_provider: StrictBool = False
    cluster_name: Name | None = None

    @field_rule("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        _check(issuer_problems(value))
        return value


def _bucket(value: str) -> str:
    _check(bucket_name_problems(value))
    return value


class AccessLoggingSettings(Model):
    target_bucket: StrictStr
    target_prefix: StrictStr | None = None

    @field_rule("target_bucket")
    @classmethod
    def _target(cls, value: str) -> str:
        return _bucket(value)


class ReplicationSettings(Model):
    destination_bucket_arn: StrictStr
    destination_kms_key_arn: StrictStr | None = None
    destination_account_id: StrictStr | None = None
    storage_class: StrictStr | None = None

    @field_rule("destination_account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None:
            _check(account_id_problems(value))
        return value

    @field_rule("destination_bucket_arn")
    @classmethod
    def _destination(cls, value: str) -> str:
        if not re.match(r"^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", value):
            raise ValueError(f"{value!r} must be an S3 bucket ARN (arn:aws:s3:::<bucket>)")
        return value


class BucketOptions(Model):
    """Options every bucket section accepts besides its name. Defaults: SSE-S3; retention of the
    bucket kind (30 days / newest 3, or 90 days / newest 10 for state)."""

    encryption: Literal["sse-s3", "sse-kms"] = "sse-s3"
    kms_key_arn: StrictStr | None = None
    noncurrent_version_expiration_days: Annotated[int, Field(ge=1, strict=True)] | None = None
    noncurrent_versions_to_keep: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    access_logging: AccessLoggingSettings | None = None
    replication: ReplicationSettings | None = None

    @field_rule("kms_key_arn")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:", value):
            raise ValueError(f"{value!r} must be a KMS key ARN")
        return value


class StateBucketSettings(BucketOptions):
    """The Orchestrator's shared state bucket. Its API refuses dots in the name."""

    name: StrictStr

    @field_rule("name")
    @classmethod
    def _name(cls, value: str) -> str:
        _bucket(value)
        if not ORCHESTRATOR_BUCKET.match(value):
            raise ValueError(
                f"{value!r} must match ^[a-z0-9][a-z0-9\\-]*[a-z0-9]$ (the Orchestrator "
                "refuses dots in state bucket names)"
            )
        return value


class MassdriverBuckets(Model):
    massdriver: StrictStr
    state: StrictStr

    @field_rule("massdriver", "state")
    @classmethod
    def _names(cls, value: str) -> str:
        return _bucket(value)


class ArgoSettings(Model):
    """Argo Workflows' artifact store: `s3` (a bucket of ours) or `minio` (left as it is)."""

    storage: Literal["s3", "minio"] = "minio"
    bucket: StrictStr | None = None

    @field_rule("bucket")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _bucket(value)


class MassdriverSettings(Model):
    """The Massdriver stack. `storage: minio` keeps Massdriver's own storage on MinIO (only Argo
    moves); `buckets` is then left out."""

    release: StrictStr = "massdriver"
    namespace: StrictStr = "massdriver"
    chart_version: StrictStr = "0.2.0"
    fullname_override: StrictStr | None = None
    storage: Literal["s3", "minio"] = "s3"
    identity: Literal["irsa", "pod-identity", "static"] = "irsa"
    buckets: MassdriverBuckets | None = None
    bucket_options: BucketOptions = Field(default_factory=BucketOptions)
    argo: ArgoSettings = Field(default_factory=ArgoSettings)
    role_name_prefix: StrictStr | None = None
    role_path: StrictStr = "/"

    @field_rule("release")
    @classmethod
    def _release(cls, value: str) -> str:
        if len(value) > 53 or not HELM_RELEASE.match(value):
            raise ValueError(
                f"{value!r} must be a Helm release name: lowercase letters, digits, '-' and '.',"
                " at most 53 characters"
            )
        return value

    @field_rule("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        _check(namespace_problems(value))
        return value

    @field_rule("chart_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not SEMVER.match(value):
            raise ValueError(f"{value!r} must be a semantic version such as '0.2.0'")
        return value

    @field_rule("role_path")
    @classmethod
    def _path(cls, value: str) -> str:
        _check(iam_path_problems(value))
        return value

    @property
    def current_layout(self) -> bool:
        """True for charts >= 0.0.17 (S3Proxy), False for the legacy layout."""
        match = SEMVER.match(self.chart_version)
        assert match is not None
        return tuple(int(match.group(i)) for i in (1, 2, 3)) >= CURRENT_LAYOUT_SINCE


RunnerType = Literal[
    "kubernetes-eks", "serverless-ecs", "kubernetes-gke", "kubernetes", "kubernetes-agent"
]
Identity = Literal["irsa", "pod-identity", "ecs-task", "oidc", "static"]
DEFAULT_IDENTITY: dict[str, Identity] = {
    "kubernetes-eks": "irsa",
    "serverless-ecs": "ecs-task",
    "kubernetes-gke": "oidc",
    "kubernetes": "oidc",
    "kubernetes-agent": "oidc",
}
ALLOWED_IDENTITIES: dict[str, tuple[Identity, ...]] = {
    "kubernetes-eks": ("irsa", "pod-identity", "static"),
    "serverless-ecs": ("ecs-task", "static"),
    "kubernetes-gke": ("oidc", "static"),
    "kubernetes": ("oidc", "static"),
    "kubernetes-agent": ("oidc", "static"),
}


class OidcSettings(Model):
    """Federation for runners outside AWS: the exact token `subject` from `issuer`."""

    issuer: StrictStr
    subject: StrictStr
    audience: StrictStr = "sts.amazonaws.com"
    create_provider: StrictBool = False

    @field_rule("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        _check(issuer_problems(value))
        return value

    @field_rule("subject", "audience")
    @classmethod
    def _exact(cls, value: str) -> str:
        if not value.strip() or any(ch in value for ch in "*?"):
            raise ValueError(f"{value!r} must be exact (no '*' or '?')")
        return value


class EksClusterSettings(Model):
    """`runner_configuration.cluster` of an EKS runner: what the Orchestrator connects to."""

    name: Name
    region: StrictStr | None = None
    auth_role_arn: StrictStr | None = None
    auth_session_name: StrictStr | None = None

    _region = field_rule("region")(_region)
    _arn = field_rule("auth_role_arn")(_role_arn)


class EcsJobSettings(Model):
    """`runner_configuration.job` of an ECS runner, the parts this library cannot know."""

    cluster: Name | None = None
    execution_role_arn: StrictStr | None = None
    subnets: list[StrictStr] | None = None
    security_groups: list[StrictStr] | None = None
    is_public_ip_enabled: StrictBool | None = None
    auth_role_arn: StrictStr | None = None

    _arns = field_rule("execution_role_arn", "auth_role_arn")(_role_arn)


class RunnerSettings(Model):
    """One Platform Orchestrator runner and the identity it reaches its state with.

    `path_prefix` omitted: the runner owns the whole bucket (then it must be the only runner).
    `identity` defaults by `type` (eks: irsa, ecs: ecs-task, others: oidc). `lockfile` = false
    grants S3-native locking rights; `delete_state` = false grants deleting state objects.
    """

    id: StrictStr
    type: RunnerType
    description: StrictStr | None = None
    path_prefix: StrictStr | None = None
    identity: Identity | None = None
    namespace: StrictStr | None = None
    service_account: StrictStr | None = None
    oidc: OidcSettings | None = None
    role_name: StrictStr | None = None
    lockfile: StrictBool = False
    delete_state: StrictBool = False
    cluster: EksClusterSettings | None = None
    ecs: EcsJobSettings | None = None

    @field_rule("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not RUNNER_ID.match(value):
            raise ValueError(
                f"{value!r} must be lowercase letters, digits and '-', starting and ending with a"
                " letter or digit, at most 64 characters"
            )
        return value

    @field_rule("path_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _check(prefix_problems(value))
        if value.startswith("/"):
            raise ValueError(f"{value!r} may not start with '/' (the Orchestrator refuses it)")
        return value.strip("/")

    @field_rule("namespace")
    @classmethod
    def _namespace(cls, value: str | None) -> str | None:
        if value is not None:
            _check(namespace_problems(value))
        return value

    @field_rule("service_account")
    @classmethod
    def _service_account(cls, value: str | None) -> str | None:
        if value is not None:
            _check(service_account_problems(value))
        return value

    @field_rule("role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None:
            _check(role_name_problems(value))
        return value

    @property
    def resolved_identity(self) -> Identity:
        return self.identity or DEFAULT_IDENTITY[self.type]


class OrchestratorSettings(Model):
    """The runner state stack: one shared bucket, one identity per runner."""

    state_bucket: StateBucketSettings
    role_name_prefix: StrictStr = "orchestrator-runner"
    role_path: StrictStr = "/"
    runners: Annotated[list[RunnerSettings], Field(min_length=1)]

    @field_rule("role_path")
    @classmethod
    def _path(cls, value: str) -> str:
        _check(iam_path_problems(value))
        return value


class BackendSettings(Model):
    """Keep these stacks' own state in S3: `<key_prefix>/<stack>.tfstate` in `bucket`, encrypted,
    with S3-native locking. Bootstrap: deploy once without this section, then add it and run
    `cdktf deploy --migrate-state` (README)."""

    bucket: StrictStr
    key_prefix: StrictStr = "platform-storage"
    region: StrictStr | None = None
    kms_key_id: StrictStr | None = None

    _region = field_rule("region")(_region)

    @field_rule("bucket")
    @classmethod
    def _name(cls, value: str) -> str:
        return _bucket(value)

    @field_rule("key_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        _check(prefix_problems(value))
        return value.strip("/")


class StorageConfig(Model):
    aws: AwsSettings
    eks: EksSettings | None = None
    massdriver: MassdriverSettings | None = None
    orchestrator: OrchestratorSettings | None = None
    backend: BackendSettings | None = None


def load_config(path: Path | str) -> StorageConfig:
    """Read, parse and validate `path`; ConfigError lists every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError([(str(path), f"cannot be read ({error.strerror or error})")]) from None
    except UnicodeDecodeError as error:
        raise ConfigError([(str(path), f"is not UTF-8 text ({error.reason})")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError([(str(path), f"is not valid YAML{where}: {problem}")]) from None
    return parse_config(raw)


def parse_config(raw: Any) -> StorageConfig:
    if not isinstance(raw, dict):
        raise ConfigError([("(top level)", "must be a mapping with the keys aws, eks, ...")])
    try:
        config = StorageConfig.model_validate(raw)
    except ValidationError as error:
        # Report the rules that span fields too, over the parts that did parse, so one run
        # shows every problem; a path already reported is not reported twice.
        problems = [_describe(e) for e in error.errors()]
        reported = {path for path, _ in problems}
        problems += [p for p in cross_field_problems(_salvage(raw)) if p[0] not in reported]
        raise ConfigError(problems) from None
    problems = cross_field_problems(Parts.of(config))
    if problems:
        raise ConfigError(problems)
    return config


@dataclass(frozen=True)
class Parts:
    """The sections the cross-field rules read; a section that did not parse is None (and its
    `*_given` flag says whether the file had it at all)."""

    eks: EksSettings | None
    eks_given: bool
    massdriver: MassdriverSettings | None
    massdriver_given: bool
    orchestrator_given: bool
    state_bucket: StateBucketSettings | None
    role_name_prefix: str
    runners: list[tuple[int, RunnerSettings]]
    runner_count: int
    backend: BackendSettings | None

    @classmethod
    def of(cls, config: StorageConfig) -> Parts:
        orch = config.orchestrator
        return cls(
            eks=config.eks,
            eks_given=config.eks is not None,
            massdriver=config.massdriver,
            massdriver_given=config.massdriver is not None,
            orchestrator_given=orch is not None,
            state_bucket=orch.state_bucket if orch else None,
            role_name_prefix=orch.role_name_prefix if orch else "",
            runners=list(enumerate(orch.runners)) if orch else [],
            runner_count=len(orch.runners) if orch else 0,
            backend=config.backend,
        )


def _salvage(raw: dict[str, Any]) -> Parts:
    def parse(model: type[_M], value: Any) -> _M | None:
        try:
            return model.model_validate(value)
        except ValidationError:
            return None

    orch = raw.get("orchestrator") if isinstance(raw.get("orchestrator"), dict) else {}
    assert isinstance(orch, dict)
    runners_raw = orch.get("runners") if isinstance(orch.get("runners"), list) else []
    assert isinstance(runners_raw, list)
    runners = [(i, parse(RunnerSettings, r)) for i, r in enumerate(runners_raw)]
    prefix = orch.get("role_name_prefix")
    return Parts(
        eks=parse(EksSettings, raw.get("eks")),
        eks_given="eks" in raw,
        massdriver=parse(MassdriverSettings, raw.get("massdriver")),
        massdriver_given="massdriver" in raw,
        orchestrator_given="orchestrator" in raw,
        state_bucket=parse(StateBucketSettings, orch.get("state_bucket")),
        role_name_prefix=prefix if isinstance(prefix, str) else "orchestrator-runner",
        runners=[(i, r) for i, r in runners if r is not None],
        runner_count=len(runners_raw),
        backend=parse(BackendSettings, raw.get("backend")),
    )


def cross_field_problems(parts: Parts) -> list[tuple[str, str]]:
    """The rules that span fields, each with the path of the field at fault."""
    problems: list[tuple[str, str]] = []
    if not parts.massdriver_given and not parts.orchestrator_given:
        problems.append(("(top level)", "needs at least one of 'massdriver' or 'orchestrator'"))
    problems += _unique_bucket_names(parts)
    if parts.massdriver is not None:
        problems += _massdriver_problems(parts, parts.massdriver)
    if parts.orchestrator_given:
        problems += _orchestrator_problems(parts)
    problems += _unique_identities(parts)
    return problems


def _massdriver_problems(parts: Parts, md: MassdriverSettings) -> list[tuple[str, str]]:
    problems = []
    if md.storage == "s3" and md.buckets is None:
        problems.append(("massdriver.buckets", "is required when massdriver.storage is 's3'"))
    if md.storage == "minio" and md.buckets is not None:
        problems.append(
            ("massdriver.buckets", "must be left out when massdriver.storage is 'minio'")
        )
    if md.argo.storage == "s3" and md.argo.bucket is None:
        problems.append(("massdriver.argo.bucket", "is required when argo.storage is 's3'"))
    if md.argo.storage == "minio" and md.argo.bucket is not None:
        problems.append(("massdriver.argo.bucket", "must be left out when argo.storage is 'minio'"))
    if md.storage == "minio" and md.argo.storage == "minio":
        problems.append(("massdriver", "moves nothing to S3: set storage or argo.storage to 's3'"))
    if md.identity in ("irsa", "pod-identity") and not parts.eks_given:
        problems.append(("eks", f"is required for massdriver.identity '{md.identity}'"))
    if md.identity == "pod-identity" and parts.eks is not None and not parts.eks.cluster_name:
        problems.append(("eks.cluster_name", "is required for massdriver.identity 'pod-identity'"))
    problems += _options_problems("massdriver.bucket_options", md.bucket_options)
    if md.bucket_options.replication is not None:
        problems.append(
            (
                "massdriver.bucket_options.replication",
                "one destination for the massdriver,"
                " state and argo buckets would mix their objects; replicate them with separate"
                " destinations outside this file",
            )
        )
    at = "massdriver.role_name_prefix" if md.role_name_prefix else "massdriver.release"
    for name in massdriver_identity_names(md).values():
        problems += [(at, f"derived name {p}") for p in role_name_problems(name)]
    return problems


def _orchestrator_problems(parts: Parts) -> list[tuple[str, str]]:
    problems = []
    if parts.state_bucket is not None:
        problems += _options_problems("orchestrator.state_bucket", parts.state_bucket)
    seen: dict[str, int] = {}
    prefixed: list[tuple[int, str]] = []
    for index, runner in parts.runners:
        at = f"orchestrator.runners[{index}]"
        if runner.id in seen:
            problems.append((f"{at}.id", f"{runner.id!r} repeats runners[{seen[runner.id]}].id"))
        seen.setdefault(runner.id, index)
        identity = runner.resolved_identity
        if identity not in ALLOWED_IDENTITIES[runner.type]:
            allowed = ", ".join(ALLOWED_IDENTITIES[runner.type])
            problems.append(
                (
                    f"{at}.identity",
                    f"{identity!r} is not allowed for a {runner.type} runner (allowed: {allowed})",
                )
            )
        if identity in ("irsa", "pod-identity"):
            for key in ("namespace", "service_account"):
                if getattr(runner, key) is None:
                    problems.append((f"{at}.{key}", f"is required for identity {identity!r}"))
            if not parts.eks_given:
                problems.append(("eks", f"is required for {at}.identity {identity!r}"))
            elif identity == "pod-identity" and not (
                (parts.eks and parts.eks.cluster_name) or (runner.cluster and runner.cluster.name)
            ):
                problems.append((f"{at}.cluster.name", "is required for identity 'pod-identity'"))
        if identity == "oidc" and runner.oidc is None:
            problems.append((f"{at}.oidc", "is required for identity 'oidc' (issuer, subject)"))
        if identity != "oidc" and runner.oidc is not None:
            problems.append((f"{at}.oidc", f"is only used with identity 'oidc', not {identity!r}"))
        if runner.cluster is not None and runner.type != "kubernetes-eks":
            problems.append((f"{at}.cluster", "is only used by kubernetes-eks runners"))
        if runner.ecs is not None and runner.type != "serverless-ecs":
            problems.append((f"{at}.ecs", "is only used by serverless-ecs runners"))
        if runner.type == "serverless-ecs":
            for key in ("namespace", "service_account"):
                if getattr(runner, key) is not None:
                    problems.append((f"{at}.{key}", "is only used by Kubernetes runners"))
        if (
            identity == "irsa"
            and runner.cluster is not None
            and parts.eks is not None
            and parts.eks.cluster_name
            and runner.cluster.name != parts.eks.cluster_name
        ):
            problems.append(
                (
                    f"{at}.cluster.name",
                    f"{runner.cluster.name!r} is not eks.cluster_name"
                    f" {parts.eks.cluster_name!r}: IRSA roles trust eks.oidc_issuer, the issuer of"
                    " that cluster",
                )
            )
        role = runner.role_name or f"{parts.role_name_prefix}-{runner.id}"
        for problem in role_name_problems(role):
            problems.append((f"{at}.role_name", f"derived role name {problem}"))
        if runner.path_prefix is None:
            if parts.runner_count > 1:
                problems.append(
                    (
                        f"{at}.path_prefix",
                        "is required when runners share the bucket (a runner"
                        " without a prefix owns the whole bucket and must be alone)",
                    )
                )
        else:
            prefixed.append((index, runner.path_prefix))
    for (i, first), (j, second) in _pairs(prefixed):
        if overlapping_prefixes([first, second]):
            problems.append(
                (
                    f"orchestrator.runners[{j}].path_prefix",
                    f"{second!r} repeats or nests in"
                    f" runners[{i}].path_prefix {first!r}; runners sharing a bucket need disjoint"
                    " prefixes",
                )
            )
    # Dedupe: one runner can trip the same rule once per path (eks required twice, ...).
    return list(dict.fromkeys(problems))


def massdriver_identity_names(md: MassdriverSettings) -> dict[str, str]:
    """The IAM names of Massdriver's identities, by kind (`storage`, `argo`): one place, for the
    validation here and for plan.py."""
    prefix = md.role_name_prefix or fullname(md.release, md.fullname_override)
    names = {}
    if md.storage == "s3":
        names["storage"] = f"{prefix}-storage"
    if md.argo.storage == "s3":
        names["argo"] = f"{prefix}-argo-artifacts"
    return names


def _eks_cluster(parts: Parts, runner: RunnerSettings | None) -> str:
    """The EKS cluster a service account lives in: the runner's `cluster.name`, else
    `eks.cluster_name`, else the issuer (IRSA roles all trust `eks.oidc_issuer`)."""
    if runner is not None and runner.cluster is not None:
        return runner.cluster.name
    if parts.eks is not None:
        return parts.eks.cluster_name or parts.eks.oidc_issuer
    return ""


def _unique_identities(parts: Parts) -> list[tuple[str, str]]:
    """Two identities may not share an IAM name (roles and users share the managed-policy
    namespace) nor trust the same workload: pods of a service account trusted by two roles can
    assume either, so a runner could read another runner's state."""
    names: list[tuple[str, str]] = []
    workloads: list[tuple[str, tuple[str, ...], str]] = []
    md = parts.massdriver
    if md is not None:
        at = "massdriver.role_name_prefix" if md.role_name_prefix else "massdriver.release"
        for kind, name in massdriver_identity_names(md).items():
            names.append((at, name))
            if md.identity in ("irsa", "pod-identity"):
                names_ = ChartNames(md.release, md.namespace, md.fullname_override)
                account = (
                    names_.storage_service_account(md.current_layout)
                    if kind == "storage"
                    else names_.provisioner_service_account
                )
                cluster = _eks_cluster(parts, None)
                workloads.append(
                    (at, ("eks", cluster, md.namespace, account), f"Massdriver's {kind}")
                )
    for index, runner in parts.runners:
        at = f"orchestrator.runners[{index}]"
        names.append(
            (f"{at}.role_name", runner.role_name or f"{parts.role_name_prefix}-{runner.id}")
        )
        identity = runner.resolved_identity
        if identity in ("irsa", "pod-identity") and runner.namespace and runner.service_account:
            workloads.append(
                (
                    f"{at}.service_account",
                    ("eks", _eks_cluster(parts, runner), runner.namespace, runner.service_account),
                    f"runners[{index}]",
                )
            )
        if identity == "oidc" and runner.oidc is not None:
            workloads.append(
                (
                    f"{at}.oidc.subject",
                    ("oidc", runner.oidc.issuer, runner.oidc.subject),
                    f"runners[{index}]",
                )
            )
    problems = []
    first_name: dict[str, str] = {}
    for at, name in names:
        if name in first_name:
            problems.append(
                (
                    at,
                    f"IAM name {name!r} is already used by {first_name[name]};"
                    " identity names must be unique",
                )
            )
        first_name.setdefault(name, at)
    first_workload: dict[tuple[str, ...], str] = {}
    for at, key, owner in workloads:
        if key in first_workload:
            what = (
                f"service account {key[2]}/{key[3]}"
                if key[0] == "eks"
                else f"OIDC subject {key[2]!r}"
            )
            problems.append(
                (
                    at,
                    f"{what} is already trusted by {first_workload[key]}'s identity;"
                    " two identities trusting one workload are not isolated",
                )
            )
        first_workload.setdefault(key, owner)
    return problems


def _options_problems(at: str, options: BucketOptions) -> list[tuple[str, str]]:
    problems = []
    if options.kms_key_arn is not None and options.encryption != "sse-kms":
        problems.append((f"{at}.kms_key_arn", "is only used with encryption 'sse-kms'"))
    if (
        options.replication is not None
        and options.encryption == "sse-kms"
        and options.replication.destination_kms_key_arn is None
    ):
        problems.append(
            (
                f"{at}.replication.destination_kms_key_arn",
                "is required to replicate an sse-kms bucket",
            )
        )
    return problems


def _unique_bucket_names(parts: Parts) -> list[tuple[str, str]]:
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
    return problems


def _pairs(items: list[tuple[int, str]]) -> Iterable[tuple[tuple[int, str], tuple[int, str]]]:
    for n, first in enumerate(items):
        for second in items[n + 1 :]:
            yield first, second


def _describe(error: Any) -> tuple[str, str]:
    """A pydantic error as `(path, message)` in this project's words."""
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind, message, value = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return path, "is required"
    if kind == "extra_forbidden":
        return path, "is not a known key (check the spelling; see README for the keys)"
    if kind == "string_type":
        shown = f' (write it in quotes: "{value}")' if isinstance(value, int | float) else ""
        return path, f"must be a string{shown}"
    if kind == "literal_error":
        return path, f"{value!r} is not allowed: {message.removeprefix('Input should be ')}"
    if kind == "value_error":
        return path, message.removeprefix("Value error, ")
    return path, message[0].lower() + message[1:]
