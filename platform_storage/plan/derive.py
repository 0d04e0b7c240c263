"""Derivation: every name, ARN and identity of a configuration, worked out once."""

from __future__ import annotations

from platform_storage.aws import AwsAccount
from platform_storage.bucket_options import BucketOptions
from platform_storage.config import StorageConfig
from platform_storage.config.models import EksSettings, MassdriverSettings, RunnerSettings
from platform_storage.massdriver_chart import ChartNames
from platform_storage.naming import StaticOutputs
from platform_storage.plan.identities import (
    EcsTask,
    IdentityPlan,
    Irsa,
    OidcFederation,
    PodIdentity,
    StaticKeys,
    audience_of,
    issuer_of,
)
from platform_storage.plan.model import (
    MASSDRIVER_STACK,
    ORCHESTRATOR_STACK,
    AppPlan,
    BucketPlan,
    MassdriverPlan,
    OidcProvider,
    OrchestratorPlan,
    RunnerFiles,
    RunnerPlan,
    runner_construct_id,
)
from platform_storage.trust import ServiceAccount


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
            static_cluster=None,
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
        static_cluster=runner.cluster.name if runner.cluster else None,
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
    static_cluster: str | None,
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
            arn = account.user_arn(name, path)
            return StaticKeys(name, path, arn, outputs, accounts, static_cluster)
    raise ValueError(f"unknown identity kind {kind!r}")


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
            if issuer_of(identity) == issuer
        ]
        if not users:
            continue
        audiences = tuple(sorted({audience_of(identity) for _, identity in users}))
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
                construct_id=runner_construct_id(runner.id),
                files=RunnerFiles.of(runner.id),
            )
            for runner in orch.runners
        ),
    )
