"""The plan's types: what each stack builds and each renderer writes. No CDK import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from platform_storage.aws import AwsAccount, oidc_provider_id
from platform_storage.bucket_options import BucketOptions
from platform_storage.config import StorageConfig
from platform_storage.config.models import MassdriverSettings, RunnerSettings
from platform_storage.massdriver_chart import ChartNames
from platform_storage.plan.identities import IdentityPlan, issuer_of

MASSDRIVER_STACK = "massdriver-storage"
ORCHESTRATOR_STACK = "orchestrator-state"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


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


def runner_construct_id(runner_id: str) -> str:
    """The id of a runner's identity construct in the runner stack."""
    return f"runner-{runner_id}"


def key_secrets_construct_id(runner_id: str) -> str:
    """The id of the `KeySecrets` of a runner that keeps its keys in Secrets Manager."""
    return f"{runner_construct_id(runner_id)}-key-secrets"


def keeps_keys_in_secrets(runner: RunnerSettings) -> bool:
    """A static ECS runner whose keys the task reads from Secrets Manager (the default for
    static ECS runners), through its execution role."""
    ecs = runner.ecs
    return (
        runner.type == "serverless-ecs"
        and runner.resolved_identity == "static"
        and (ecs is None or ecs.static_keys == "secrets")
    )


@dataclass(frozen=True)
class RunnerFiles:
    """The rendered files of one runner, relative to `rendered/`."""

    document: str
    service_account: str
    secret: str

    @classmethod
    def of(cls, runner_id: str) -> RunnerFiles:
        stem = f"orchestrator/{runner_id}"
        return cls(f"{stem}.yaml", f"{stem}.serviceaccount.yaml", f"{stem}.secret.yaml")

    @property
    def all(self) -> tuple[str, str, str]:
        return (self.document, self.service_account, self.secret)


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
        return keeps_keys_in_secrets(self.settings)

    @property
    def key_secrets_construct_id(self) -> str:
        return key_secrets_construct_id(self.id)

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

    @property
    def stacks(self) -> tuple[str, ...]:
        """The names of the stacks this plan synthesizes."""
        return tuple(
            name
            for name, part in (
                (MASSDRIVER_STACK, self.massdriver),
                (ORCHESTRATOR_STACK, self.orchestrator),
            )
            if part is not None
        )

    def providers_in(self, stack: str) -> list[OidcProvider]:
        """The IAM OIDC providers the stack named `stack` creates."""
        return [p for p in self.oidc_providers if p.stack == stack]

    @property
    def orchestrator_waits_for_massdriver(self) -> bool:
        """The runner stack trusts a provider that the Massdriver stack creates."""
        return any(p.stack == MASSDRIVER_STACK for p in self._providers_used_by_runners())

    def _providers_used_by_runners(self) -> Iterator[OidcProvider]:
        if self.orchestrator is None:
            return
        issuers = {issuer_of(r.identity) for r in self.orchestrator.runners}
        yield from (p for p in self.oidc_providers if p.issuer in issuers)
