"""The models of `storage.yaml`: every key, its type, its default and its field rule. No CDK import.

Field rules are the constrained types of `platform_storage.fields`; rules that span fields live in
`config.rules`. Unknown keys are refused everywhere.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from platform_storage import fields
from platform_storage.bucket_options import BucketOptions
from platform_storage.fields import (
    AccountId,
    AgentKey,
    BucketName,
    ChartNameOverride,
    Description,
    EcsCluster,
    EksClusterName,
    ExactClaim,
    HelmRelease,
    IamName,
    IamPath,
    Issuer,
    KmsKeyArn,
    Namespace,
    Partition,
    Prefix,
    Region,
    RoleArn,
    RunnerId,
    SecurityGroupId,
    SemVer,
    ServiceAccountName,
    SessionName,
    SubnetId,
    Tags,
)
from platform_storage.naming import semver_tuple
from platform_storage.prefixes import normalize_prefix, prefix_problems


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _orchestrator_bucket_problems(name: str) -> list[str]:
    if "." in name:
        return [f"{name!r} may not contain '.' (the Orchestrator's bucket pattern refuses it)"]
    return []


def _runner_prefix_problems(value: str) -> list[str]:
    if value.startswith("/"):
        return [f"{value!r} may not start with '/' (the Orchestrator refuses it)"]
    return []


OrchestratorBucketName = Annotated[BucketName, fields.rule(_orchestrator_bucket_problems)]
# The Orchestrator's own pattern refuses a leading '/', which the library would strip.
RunnerPrefix = Annotated[
    StrictStr,
    fields.rule(_runner_prefix_problems, prefix_problems),
    AfterValidator(normalize_prefix),
]


class AwsSettings(Model):
    """Where everything is deployed. `account_id` must be a quoted string of 12 digits;
    `region` must belong to `partition` (default `aws`); `tags` go on every resource."""

    account_id: AccountId
    region: Region
    partition: Partition = "aws"
    tags: Tags = Field(default_factory=dict)


class EksSettings(Model):
    """The EKS cluster whose workloads use IRSA or Pod Identity.

    `create_oidc_provider` = false: the IAM OIDC provider usually exists already (eksctl and
    cluster modules create it); exactly one may exist per issuer and account.
    `cluster_name`: required for Pod Identity (the association names the cluster); also tells
    which cluster the issuer belongs to when runners name clusters.
    """

    oidc_issuer: Issuer
    create_oidc_provider: StrictBool = False
    cluster_name: EksClusterName | None = None


class MassdriverBuckets(Model):
    massdriver: BucketName
    state: BucketName


class ArgoSettings(Model):
    """Argo Workflows' artifact store: `s3` (a bucket of ours) or `minio` (left as it is)."""

    storage: Literal["s3", "minio"] = "minio"
    bucket: BucketName | None = None


CURRENT_LAYOUT_SINCE = (0, 0, 17)


class MassdriverSettings(Model):
    """The Massdriver stack. `storage: minio` keeps Massdriver's own storage on MinIO (only Argo
    moves); `buckets` is then left out. `bucket_options` apply to every Massdriver bucket, except
    that the state bucket keeps the state retention (90 days, newest 10) unless
    `state_bucket_options` sets its own."""

    release: HelmRelease = "massdriver"
    namespace: Namespace = "massdriver"
    chart_version: SemVer = "0.2.0"
    fullname_override: ChartNameOverride | None = None
    name_override: ChartNameOverride | None = None
    storage: Literal["s3", "minio"] = "s3"
    identity: Literal["irsa", "pod-identity", "static"] = "irsa"
    buckets: MassdriverBuckets | None = None
    bucket_options: BucketOptions = Field(default_factory=BucketOptions)
    state_bucket_options: BucketOptions | None = None
    argo: ArgoSettings = Field(default_factory=ArgoSettings)
    role_name_prefix: IamName | None = None
    role_path: IamPath = "/"

    @property
    def current_layout(self) -> bool:
        """True for charts >= 0.0.17 (S3Proxy), False for the legacy layout."""
        return semver_tuple(self.chart_version) >= CURRENT_LAYOUT_SINCE

    @property
    def state_options(self) -> BucketOptions:
        """The state bucket's options: `bucket_options` without their retention, overlaid with
        what `state_bucket_options` sets."""
        base = self.bucket_options.without_retention()
        if self.state_bucket_options is None:
            return base
        own = self.state_bucket_options
        return base.updated(**{key: getattr(own, key) for key in own.model_fields_set})


RunnerType = Literal[
    "kubernetes-eks", "serverless-ecs", "kubernetes-gke", "kubernetes", "kubernetes-agent"
]
IdentityKind = Literal["irsa", "pod-identity", "ecs-task", "oidc", "static"]
DEFAULT_IDENTITY: dict[str, IdentityKind] = {
    "kubernetes-eks": "irsa",
    "serverless-ecs": "ecs-task",
    "kubernetes-gke": "oidc",
    "kubernetes": "oidc",
    "kubernetes-agent": "oidc",
}
ALLOWED_IDENTITIES: dict[str, tuple[IdentityKind, ...]] = {
    "kubernetes-eks": ("irsa", "pod-identity", "static"),
    "serverless-ecs": ("ecs-task", "static"),
    "kubernetes-gke": ("oidc", "static"),
    "kubernetes": ("oidc", "static"),
    "kubernetes-agent": ("oidc", "static"),
}


class OidcSettings(Model):
    """Federation for runners outside AWS: the exact token `subject` from `issuer`."""

    issuer: Issuer
    subject: ExactClaim
    audience: ExactClaim = "sts.amazonaws.com"
    create_provider: StrictBool = False


class EksClusterSettings(Model):
    """`runner_configuration.cluster` of an EKS runner: what the Orchestrator connects to."""

    name: EksClusterName
    region: Region | None = None
    auth_role_arn: RoleArn | None = None
    auth_session_name: SessionName | None = None


class EcsJobSettings(Model):
    """`runner_configuration.job` of an ECS runner, the parts this library cannot know.

    `region` = `aws.region`: where the tasks run (the task role trusts tasks of that region).
    `static_keys` = `secrets`: with `identity: static`, the keys reach the task from Secrets
    Manager secrets the stack creates (`job.secrets`, read by the execution role); `environment`
    puts them in clear in `job.environment`, which the Orchestrator and ECS store as they are.
    """

    region: Region | None = None
    cluster: EcsCluster | None = None
    execution_role_arn: RoleArn | None = None
    subnets: Annotated[list[SubnetId], Field(min_length=1, max_length=16)] | None = None
    security_groups: Annotated[list[SecurityGroupId], Field(max_length=5)] | None = None
    is_public_ip_enabled: StrictBool | None = None
    auth_role_arn: RoleArn | None = None
    auth_session_name: SessionName | None = None
    static_keys: Literal["secrets", "environment"] = "secrets"


class RunnerSettings(Model):
    """One Platform Orchestrator runner and the identity it reaches its state with.

    `path_prefix` omitted: the runner owns the whole bucket (then it must be the only runner).
    `identity` defaults by `type` (eks: irsa, ecs: ecs-task, others: oidc). `lockfile` = true:
    S3-native locking, switched on in the job's environment (`TF_CLI_ARGS_init`) with the rights
    on `<prefix>/*.tflock`; false leaves concurrent deployments of one environment unguarded.
    `delete_state` = false: no right to delete state objects. `key`: a kubernetes-agent runner's
    ed25519 public key in PEM form.
    """

    id: RunnerId
    type: RunnerType
    description: Description | None = None
    path_prefix: RunnerPrefix | None = None
    identity: IdentityKind | None = None
    namespace: Namespace | None = None
    service_account: ServiceAccountName | None = None
    oidc: OidcSettings | None = None
    role_name: IamName | None = None
    lockfile: StrictBool = True
    delete_state: StrictBool = False
    cluster: EksClusterSettings | None = None
    ecs: EcsJobSettings | None = None
    key: AgentKey | None = None

    @property
    def resolved_identity(self) -> IdentityKind:
        return self.identity or DEFAULT_IDENTITY[self.type]


class StateBucketSettings(BucketOptions):
    """The Orchestrator's shared state bucket: its name (no dots: the Orchestrator refuses them)
    and the bucket options."""

    name: OrchestratorBucketName


MAX_RUNNERS = 1000


class OrchestratorSettings(Model):
    """The runner state stack: one shared bucket, one identity per runner."""

    state_bucket: StateBucketSettings
    role_name_prefix: IamName = "orchestrator-runner"
    role_path: IamPath = "/"
    runners: Annotated[list[RunnerSettings], Field(min_length=1, max_length=MAX_RUNNERS)]


class BackendSettings(Model):
    """Keep these stacks' own state in S3: `<key_prefix>/<stack>.tfstate` in `bucket`, encrypted,
    with S3-native locking. Bootstrap: deploy once without this section, then add it and run
    `cdktf deploy --migrate-state` (README)."""

    bucket: BucketName
    key_prefix: Prefix = "platform-storage"
    region: Region | None = None
    kms_key_id: KmsKeyArn | None = None


class StorageConfig(Model):
    aws: AwsSettings
    eks: EksSettings | None = None
    massdriver: MassdriverSettings | None = None
    orchestrator: OrchestratorSettings | None = None
    backend: BackendSettings | None = None
