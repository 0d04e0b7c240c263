"""What a configuration builds, derived once: buckets, identities, names, files. No CDK import.

`load_plan(path)` is the way in: it checks the file (every field and cross-field rule, and the
rules below about derived names and workloads) and returns an `AppPlan`. The stacks build from
the plan and the renderers write from it, so a role ARN in the Helm values is the one the stack
creates, and no name is worked out twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from platform_storage.aws import AwsAccount, oidc_provider_id
from platform_storage.bucket_options import BucketOptions
from platform_storage.config import Parts, Problem, StorageConfig, parse_config, read_config
from platform_storage.config.models import (
    EksSettings,
    MassdriverSettings,
    RunnerSettings,
)
from platform_storage.massdriver_chart import ChartNames
from platform_storage.naming import iam_name_problems
from platform_storage.plan.identities import (
    EcsTask,
    IdentityPlan,
    Irsa,
    OidcFederation,
    PodIdentity,
    StaticKeys,
    StaticOutputs,
)
from platform_storage.plan.names import (
    CONSTRUCT_IDS,
    FILES,
    IAM_NAMES,
    OUTPUTS,
    DerivedName,
    collisions,
)
from platform_storage.trust import STS_AUDIENCE, ServiceAccount
from platform_storage.workloads import WorkloadIndex

__all__ = [
    "MASSDRIVER_STACK",
    "ORCHESTRATOR_STACK",
    "AppPlan",
    "BucketPlan",
    "EcsTask",
    "IdentityPlan",
    "Irsa",
    "MassdriverPlan",
    "OidcFederation",
    "OidcProvider",
    "OrchestratorPlan",
    "PodIdentity",
    "RunnerPlan",
    "StaticKeys",
    "build_plan",
    "load_plan",
    "parse_plan",
]

MASSDRIVER_STACK = "massdriver-storage"
ORCHESTRATOR_STACK = "orchestrator-state"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# Names and workloads do not depend on the account; while `aws` fails to parse, the rules below
# still compare them, with ARNs of this placeholder.
_PLACEHOLDER_ACCOUNT = AwsAccount(account_id="000000000000", region="us-east-1")


@dataclass(frozen=True)
class BucketPlan:
    construct_id: str
    name: str
    options: BucketOptions
    state: bool


@dataclass(frozen=True)
class OidcProvider:
    """An IAM OIDC provider the app creates: in `stack`, once per issuer, with every audience
    that a role of the app trusts it for."""

    issuer: str
    audiences: tuple[str, ...]
    stack: str

    @property
    def construct_id(self) -> str:
        return oidc_provider_id(self.issuer)


@dataclass(frozen=True)
class MassdriverPlan:
    settings: MassdriverSettings
    account: AwsAccount
    names: ChartNames
    massdriver_bucket: BucketPlan | None
    state_bucket: BucketPlan | None
    argo_bucket: BucketPlan | None
    storage: IdentityPlan | None  # None when Massdriver's own storage stays on MinIO
    argo: IdentityPlan | None  # None when Argo stays on MinIO

    @property
    def current_layout(self) -> bool:
        return self.settings.current_layout

    @property
    def storage_service_account(self) -> str:
        return self.names.storage_service_account(self.current_layout)

    @property
    def minio_still_used(self) -> bool:
        return self.storage is None or self.argo is None


@dataclass(frozen=True)
class RunnerFiles:
    """The rendered files of one runner, relative to `rendered/`."""

    document: str
    service_account: str
    secret: str


@dataclass(frozen=True)
class RunnerPlan:
    settings: RunnerSettings
    account: AwsAccount
    bucket: str
    identity: IdentityPlan
    construct_id: str
    files: RunnerFiles

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def prefix(self) -> str | None:
        return self.settings.path_prefix

    @property
    def credentials_secret(self) -> str:
        """The Kubernetes Secret holding a static runner's keys."""
        return f"{self.id}-aws-credentials"

    @property
    def ecs(self) -> bool:
        return self.settings.type == "serverless-ecs"

    @property
    def keys_in_secrets(self) -> bool:
        """A static ECS runner whose keys the task reads from Secrets Manager."""
        ecs = self.settings.ecs
        static = isinstance(self.identity, StaticKeys)
        return static and self.ecs and (ecs is None or ecs.static_keys == "secrets")

    @property
    def secrets_name_prefix(self) -> str:
        return f"platform-storage/{self.identity.name}"

    @property
    def lockfile(self) -> bool:
        return self.settings.lockfile


@dataclass(frozen=True)
class OrchestratorPlan:
    bucket: BucketPlan
    runners: tuple[RunnerPlan, ...]


@dataclass(frozen=True)
class AppPlan:
    config: StorageConfig
    account: AwsAccount
    massdriver: MassdriverPlan | None
    orchestrator: OrchestratorPlan | None
    oidc_providers: tuple[OidcProvider, ...]

    @property
    def identities(self) -> list[IdentityPlan]:
        found = []
        if self.massdriver is not None:
            found += [i for i in (self.massdriver.storage, self.massdriver.argo) if i]
        if self.orchestrator is not None:
            found += [r.identity for r in self.orchestrator.runners]
        return found

    def providers_in(self, stack: str) -> list[OidcProvider]:
        return [p for p in self.oidc_providers if p.stack == stack]

    @property
    def orchestrator_waits_for_massdriver(self) -> bool:
        """The runner stack trusts a provider that the Massdriver stack creates."""
        return any(p.stack == MASSDRIVER_STACK for p in self._providers_used_by_runners())

    def _providers_used_by_runners(self) -> Iterator[OidcProvider]:
        if self.orchestrator is None:
            return
        issuers = {_issuer_of(r.identity) for r in self.orchestrator.runners}
        yield from (p for p in self.oidc_providers if p.issuer in issuers)


# -- derivation -------------------------------------------------------------------------------


def chart_names(md: MassdriverSettings) -> ChartNames:
    return ChartNames(md.release, md.namespace, md.fullname_override, md.name_override)


def massdriver_identities(
    md: MassdriverSettings, eks: EksSettings | None, account: AwsAccount
) -> dict[str, IdentityPlan]:
    """Massdriver's identities by kind (`storage`, `argo`), for what moves to S3."""
    names = chart_names(md)
    prefix = md.role_name_prefix or names.fullname
    service_accounts = {
        "storage": names.storage_service_account(md.current_layout),
        "argo": names.provisioner_service_account,
    }
    moved = {"storage": md.storage == "s3", "argo": md.argo.storage == "s3"}
    role_names = {"storage": f"{prefix}-storage", "argo": f"{prefix}-argo-artifacts"}
    output_stems = {"storage": "massdriver_storage", "argo": "argo_artifacts"}
    identities: dict[str, IdentityPlan] = {}
    for kind, name in role_names.items():
        if not moved[kind]:
            continue
        sa = ServiceAccount(md.namespace, service_accounts[kind])
        identities[kind] = _identity(
            md.identity,
            name=name,
            path=md.role_path,
            account=account,
            eks=eks,
            service_account=sa,
            cluster=eks.cluster_name if eks else None,
            outputs=StaticOutputs.named(output_stems[kind]),
        )
    return identities


def runner_role_name(role_name_prefix: str, runner: RunnerSettings) -> str:
    return runner.role_name or f"{role_name_prefix}-{runner.id}"


def runner_identity(
    runner: RunnerSettings,
    *,
    role_name_prefix: str,
    role_path: str,
    eks: EksSettings | None,
    account: AwsAccount,
) -> IdentityPlan:
    kind = runner.resolved_identity
    sa = (
        ServiceAccount(runner.namespace, runner.service_account)
        if runner.namespace and runner.service_account
        else None
    )
    cluster = runner.cluster.name if runner.cluster else (eks.cluster_name if eks else None)
    return _identity(
        kind,
        name=runner_role_name(role_name_prefix, runner),
        path=role_path,
        account=account,
        eks=eks,
        service_account=sa,
        cluster=cluster,
        outputs=StaticOutputs.named(f"runner_{runner.id}"),
        runner=runner,
    )


def _identity(
    kind: str,
    *,
    name: str,
    path: str,
    account: AwsAccount,
    eks: EksSettings | None,
    service_account: ServiceAccount | None,
    cluster: str | None,
    outputs: StaticOutputs,
    runner: RunnerSettings | None = None,
) -> IdentityPlan:
    arn = account.role_arn(name, path)
    accounts = (service_account,) if service_account else ()
    match kind:
        case "irsa":
            assert eks is not None
            return Irsa(name, path, arn, eks.oidc_issuer, accounts)
        case "pod-identity":
            assert cluster is not None
            return PodIdentity(name, path, arn, cluster, accounts)
        case "ecs-task":
            ecs = runner.ecs if runner else None
            return EcsTask(name, path, arn, (ecs.region if ecs else None) or account.region)
        case "oidc":
            assert runner is not None and runner.oidc is not None
            oidc = runner.oidc
            return OidcFederation(name, path, arn, oidc.issuer, oidc.subject, oidc.audience)
        case "static":
            return StaticKeys(name, path, account.user_arn(name, path), outputs)
    raise ValueError(f"unknown identity kind {kind!r}")


def _issuer_of(identity: IdentityPlan) -> str | None:
    match identity:
        case Irsa() | OidcFederation():
            return identity.issuer
    return None


def _audience_of(identity: IdentityPlan) -> str:
    return identity.audience if isinstance(identity, OidcFederation) else STS_AUDIENCE


def oidc_providers(
    config: StorageConfig,
    by_stack: dict[str, list[IdentityPlan]],
) -> tuple[OidcProvider, ...]:
    """The providers to create: the EKS issuer's with `eks.create_oidc_provider`, and each
    runner issuer with `oidc.create_provider`; each once, in the first stack that trusts it,
    with every audience trusted for it."""
    wanted: set[str] = set()
    if config.eks is not None and config.eks.create_oidc_provider:
        wanted.add(config.eks.oidc_issuer)
    if config.orchestrator is not None:
        wanted |= {
            r.oidc.issuer for r in config.orchestrator.runners if r.oidc and r.oidc.create_provider
        }
    providers = []
    for issuer in sorted(wanted):
        users = [
            (stack, identity)
            for stack, identities in by_stack.items()
            for identity in identities
            if _issuer_of(identity) == issuer
        ]
        if not users:
            continue
        audiences = tuple(sorted({_audience_of(identity) for _, identity in users}))
        providers.append(OidcProvider(issuer, audiences, users[0][0]))
    return tuple(providers)


def build_plan(config: StorageConfig) -> AppPlan:
    """The plan of a configuration that passed every rule (see `load_plan`)."""
    account = AwsAccount(
        account_id=config.aws.account_id,
        region=config.aws.region,
        partition=config.aws.partition,
    )
    massdriver = _massdriver_plan(config, account)
    orchestrator = _orchestrator_plan(config, account)
    by_stack: dict[str, list[IdentityPlan]] = {
        MASSDRIVER_STACK: (
            [i for i in (massdriver.storage, massdriver.argo) if i] if massdriver else []
        ),
        ORCHESTRATOR_STACK: [r.identity for r in orchestrator.runners] if orchestrator else [],
    }
    return AppPlan(
        config=config,
        account=account,
        massdriver=massdriver,
        orchestrator=orchestrator,
        oidc_providers=oidc_providers(config, by_stack),
    )


def _massdriver_plan(config: StorageConfig, account: AwsAccount) -> MassdriverPlan | None:
    md = config.massdriver
    if md is None:
        return None
    identities = massdriver_identities(md, config.eks, account)
    shared = md.bucket_options
    return MassdriverPlan(
        settings=md,
        account=account,
        names=chart_names(md),
        massdriver_bucket=(
            BucketPlan("massdriver-bucket", md.buckets.massdriver, shared, state=False)
            if md.buckets
            else None
        ),
        state_bucket=(
            BucketPlan("state-bucket", md.buckets.state, md.state_options, state=True)
            if md.buckets
            else None
        ),
        argo_bucket=(
            BucketPlan("argo-bucket", md.argo.bucket, shared, state=False)
            if md.argo.bucket
            else None
        ),
        storage=identities.get("storage"),
        argo=identities.get("argo"),
    )


def _orchestrator_plan(config: StorageConfig, account: AwsAccount) -> OrchestratorPlan | None:
    orch = config.orchestrator
    if orch is None:
        return None
    bucket = orch.state_bucket
    options = BucketOptions.model_validate(bucket.model_dump(exclude={"name"}))
    return OrchestratorPlan(
        bucket=BucketPlan("state-bucket", bucket.name, options, state=True),
        runners=tuple(
            RunnerPlan(
                settings=runner,
                account=account,
                bucket=bucket.name,
                identity=runner_identity(
                    runner,
                    role_name_prefix=orch.role_name_prefix,
                    role_path=orch.role_path,
                    eks=config.eks,
                    account=account,
                ),
                construct_id=f"runner-{runner.id}",
                files=RunnerFiles(
                    document=f"orchestrator/{runner.id}.yaml",
                    service_account=f"orchestrator/{runner.id}.serviceaccount.yaml",
                    secret=f"orchestrator/{runner.id}.secret.yaml",
                ),
            )
            for runner in orch.runners
        ),
    )


# -- rules over derived names and workloads ---------------------------------------------------


@dataclass(frozen=True)
class _Owned:
    """An identity with the words naming its owner, the path blamed for its name, and the path
    blamed for the workload it trusts."""

    owner: str
    at: str
    workload_at: str
    identity: IdentityPlan

    @property
    def entry(self) -> str:
        return self.owner.removesuffix("'s identity")


def _owned_identities(parts: Parts) -> list[_Owned]:
    account = _PLACEHOLDER_ACCOUNT
    found = []
    md = parts.massdriver
    eks = parts.eks
    needs_eks = md is not None and md.identity in ("irsa", "pod-identity")
    # Identities whose required sections are missing are reported by the config rules.
    usable = not needs_eks or (
        eks is not None and (md is None or md.identity != "pod-identity" or eks.cluster_name)
    )
    if md is not None and usable:
        at = "massdriver.role_name_prefix" if md.role_name_prefix else "massdriver.release"
        for kind, identity in massdriver_identities(md, eks, account).items():
            found.append(_Owned(f"Massdriver's {kind} identity", at, "massdriver", identity))
    for index, runner in parts.runners:
        kind = runner.resolved_identity
        if kind in ("irsa", "pod-identity") and (
            parts.eks is None or not (runner.namespace and runner.service_account)
        ):
            continue
        if kind == "pod-identity" and not (
            runner.cluster or (parts.eks and parts.eks.cluster_name)
        ):
            continue
        if kind == "oidc" and runner.oidc is None:
            continue
        identity = runner_identity(
            runner,
            role_name_prefix=parts.role_name_prefix,
            role_path=parts.role_path,
            eks=parts.eks,
            account=account,
        )
        at = f"orchestrator.runners[{index}]"
        trusted = "oidc.subject" if isinstance(identity, OidcFederation) else "service_account"
        found.append(_Owned(f"{at}'s identity", f"{at}.role_name", f"{at}.{trusted}", identity))
    return found


def derived_name_problems(parts: Parts) -> list[Problem]:
    """Derived IAM names must be valid IAM names, and every derived name unique where it
    lives."""
    owned = _owned_identities(parts)
    problems = [
        (item.at, f"derived name {problem}")
        for item in owned
        for problem in iam_name_problems(item.identity.name)
    ]
    names = [
        DerivedName(IAM_NAMES, "account", item.identity.name, item.at, item.entry) for item in owned
    ]
    for item in owned:
        if isinstance(item.identity, StaticKeys):
            stack = ORCHESTRATOR_STACK if item.at.startswith("orchestrator") else MASSDRIVER_STACK
            outputs = item.identity.outputs
            names += [
                DerivedName(OUTPUTS, stack, output, item.at)
                for output in (
                    outputs.access_key_id,
                    outputs.secret_access_key,
                    outputs.access_key_id_secret_arn,
                    outputs.secret_access_key_secret_arn,
                )
            ]
    for index, runner in parts.runners:
        at = f"orchestrator.runners[{index}].id"
        names.append(DerivedName(CONSTRUCT_IDS, ORCHESTRATOR_STACK, f"runner-{runner.id}", at))
        names += [
            DerivedName(FILES, "rendered", f"orchestrator/{runner.id}{suffix}", at)
            for suffix in (".yaml", ".serviceaccount.yaml", ".secret.yaml")
        ]
    names += _provider_names(parts)
    # A repeated runner id is reported by the config rules already.
    repeated = {f"orchestrator.runners[{i}].id" for i, _ in _repeated_ids(parts)}
    return problems + [p for p in collisions(names) if p[0] not in repeated]


def _provider_names(parts: Parts) -> list[DerivedName]:
    """The construct ids of the IAM OIDC providers the app creates, one per issuer."""
    created: dict[str, str] = {}
    if parts.eks is not None and parts.eks.create_oidc_provider:
        created[parts.eks.oidc_issuer] = "eks.oidc_issuer"
    for index, runner in parts.runners:
        if runner.oidc is not None and runner.oidc.create_provider:
            created.setdefault(runner.oidc.issuer, f"orchestrator.runners[{index}].oidc.issuer")
    return [
        DerivedName(CONSTRUCT_IDS, "oidc providers", oidc_provider_id(issuer), owner)
        for issuer, owner in created.items()
    ]


def _repeated_ids(parts: Parts) -> Iterator[tuple[int, RunnerSettings]]:
    seen: set[str] = set()
    for index, runner in parts.runners:
        if runner.id in seen:
            yield index, runner
        seen.add(runner.id)


def workload_problems(parts: Parts) -> list[Problem]:
    """No workload may be trusted by two identities: pods of a service account trusted by two
    roles can assume either, so one runner could reach another runner's state."""
    index: WorkloadIndex[str] = WorkloadIndex()
    problems = []
    for item in _owned_identities(parts):
        trusted = item.identity.workloads
        for workload in trusted:
            earlier = index.find(workload)
            if earlier is not None:
                problems.append(
                    (
                        item.workload_at,
                        f"{workload.describe()} is already trusted by {earlier}; two"
                        " identities trusting one workload are not isolated",
                    )
                )
                break
        for workload in trusted:
            index.add(workload, item.owner)
    return problems


def unused_provider_problems(parts: Parts) -> list[Problem]:
    """`eks.create_oidc_provider` with nothing trusting the EKS issuer would create nothing."""
    eks = parts.eks
    if eks is None or not eks.create_oidc_provider:
        return []
    if any(_issuer_of(item.identity) == eks.oidc_issuer for item in _owned_identities(parts)):
        return []
    return [
        (
            "eks.create_oidc_provider",
            "is true but no identity trusts eks.oidc_issuer (no IRSA identity, no OIDC runner"
            " on that issuer), so no provider would be created; remove it",
        )
    ]


RULES = (derived_name_problems, workload_problems, unused_provider_problems)


def load_plan(path: Path | str) -> AppPlan:
    """Read and check `path` with every rule; ConfigError lists every problem."""
    return build_plan(read_config(path, extra_rules=RULES))


def parse_plan(raw: object) -> AppPlan:
    """The plan of already parsed YAML (tests, tools); ConfigError lists every problem."""
    return build_plan(parse_config(raw, extra_rules=RULES))
