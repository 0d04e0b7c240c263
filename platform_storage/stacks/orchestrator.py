"""`OrchestratorStateStack`: the runners' shared state bucket and one identity per runner."""

from __future__ import annotations

from platform_storage.cdk import Annotations, Construct
from platform_storage.constructs import KeySecrets, StateBucket, StaticCredentials
from platform_storage.constructs._oidc_provider import oidc_provider_for
from platform_storage.naming import shorten
from platform_storage.plan import ORCHESTRATOR_STACK, AppPlan
from platform_storage.stacks._identities import create_identity
from platform_storage.stacks.base import PlatformStack


class OrchestratorStateStack(PlatformStack):
    """One `StateBucket` shared by every runner, each runner's identity confined to its
    `path_prefix` with the `tf-state` profile (plus lockfile / delete rights when asked).

    Outputs: the bucket's name and ARN, and `runner_principal_arns`, a map by runner id (one map
    rather than an output per runner: per-runner outputs would cost two more CDK objects per
    runner; read one with `cdktf output` and `jq '.runner_principal_arns["<id>"]'`). The IAM
    OIDC providers the plan places in this stack are created here.
    """

    def __init__(self, scope: Construct, id: str = ORCHESTRATOR_STACK, *, plan: AppPlan) -> None:
        super().__init__(scope, id, aws=plan.config.aws, backend=plan.config.backend)
        orchestrator = plan.orchestrator
        assert orchestrator is not None
        providers = {p.issuer for p in plan.providers_in(ORCHESTRATOR_STACK)}
        for provider in plan.providers_in(ORCHESTRATOR_STACK):
            for audience in provider.audiences:
                oidc_provider_for(self, provider.issuer, audience)
        bucket_plan = orchestrator.bucket
        bucket = StateBucket(
            self,
            bucket_plan.construct_id,
            bucket_name=bucket_plan.name,
            options=bucket_plan.options,
        )
        self.output("state_bucket_name", bucket.bucket.bucket, "Runner state bucket")
        self.output("state_bucket_arn", bucket.bucket_arn, "Runner state bucket ARN")
        principals: dict[str, str] = {}
        for runner in orchestrator.runners:
            identity = create_identity(
                self,
                runner.construct_id,
                runner.identity,
                account=plan.account,
                description=f"Platform Orchestrator runner {runner.id}: state under"
                f" {shorten(runner.prefix, 200) if runner.prefix else 'the whole bucket'}",
                provider_here=getattr(runner.identity, "issuer", None) in providers,
            )
            bucket.grant_state_access(
                identity,
                runner.prefix,
                lockfile=runner.lockfile,
                delete_state=runner.settings.delete_state,
            )
            if runner.keys_in_secrets:
                ecs = runner.settings.ecs
                assert isinstance(identity, StaticCredentials) and ecs and ecs.execution_role_arn
                KeySecrets(
                    self,
                    runner.key_secrets_construct_id,
                    credentials=identity,
                    reader_arn=ecs.execution_role_arn,
                    name_prefix=runner.secrets_name_prefix,
                )
            elif isinstance(identity, StaticCredentials) and runner.ecs:
                Annotations.of(identity).add_warning(
                    f"runner {runner.id}: its AWS secret key goes in clear in job.environment;"
                    " prefer ecs.static_keys: secrets"
                )
            principals[runner.id] = identity.arn_reference
        self.output(
            "runner_principal_arns",
            principals,
            "ARN of each runner's identity (role, or user for static credentials), by runner id",
        )
