"""What a configuration will build, by name: buckets, identities and their ARNs. No CDK import.

The stacks build from this plan and the renderers write configuration from it, so the role ARNs
in the Helm values and runner files are the ones the stacks create (a test compares them with the
synthesized roles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from platform_storage.aws import AwsAccount
from platform_storage.config import (
    MassdriverSettings,
    RunnerSettings,
    StorageConfig,
    massdriver_identity_names,
)
from platform_storage.massdriver_chart import ChartNames

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class Identity:
    """A workload identity the stacks create: `kind` irsa | pod-identity | ecs-task | oidc |
    static; `arn` is the role (or, for static, the user) ARN."""

    kind: str
    name: str
    arn: str
    path: str
    output_prefix: str

    @property
    def static(self) -> bool:
        return self.kind == "static"

    @property
    def access_key_id_output(self) -> str:
        return f"{self.output_prefix}_access_key_id"

    @property
    def secret_access_key_output(self) -> str:
        return f"{self.output_prefix}_secret_access_key"


@dataclass(frozen=True)
class MassdriverPlan:
    settings: MassdriverSettings
    account: AwsAccount
    names: ChartNames
    storage: Identity | None  # None when Massdriver's own storage stays on MinIO
    argo: Identity | None  # None when Argo stays on MinIO

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
class RunnerPlan:
    settings: RunnerSettings
    account: AwsAccount
    bucket: str
    identity: Identity

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def prefix(self) -> str | None:
        return self.settings.path_prefix


def account_of(config: StorageConfig) -> AwsAccount:
    return AwsAccount(
        account_id=config.aws.account_id,
        region=config.aws.region,
        partition=config.aws.partition,
    )


def _identity(account: AwsAccount, kind: str, name: str, path: str) -> Identity:
    arn = account.user_arn(name, path) if kind == "static" else account.role_arn(name, path)
    return Identity(
        kind=kind, name=name, arn=arn, path=path, output_prefix=re.sub(r"[^A-Za-z0-9]", "_", name)
    )


def plan_massdriver(config: StorageConfig) -> MassdriverPlan | None:
    md = config.massdriver
    if md is None:
        return None
    account = account_of(config)
    identity_names = massdriver_identity_names(md)
    identities = {
        kind: _identity(account, md.identity, name, md.role_path)
        for kind, name in identity_names.items()
    }
    return MassdriverPlan(
        settings=md,
        account=account,
        names=ChartNames(md.release, md.namespace, md.fullname_override),
        storage=identities.get("storage"),
        argo=identities.get("argo"),
    )


def plan_runners(config: StorageConfig) -> list[RunnerPlan]:
    orch = config.orchestrator
    if orch is None:
        return []
    account = account_of(config)
    return [
        RunnerPlan(
            settings=runner,
            account=account,
            bucket=orch.state_bucket.name,
            identity=_identity(
                account,
                runner.resolved_identity,
                runner.role_name or f"{orch.role_name_prefix}-{runner.id}",
                orch.role_path,
            ),
        )
        for runner in orch.runners
    ]
