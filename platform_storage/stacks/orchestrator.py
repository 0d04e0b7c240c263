"""`OrchestratorStateStack`: the runners' shared state bucket and one identity per runner."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.cdk import Construct
from platform_storage.config import StorageConfig
from platform_storage.constructs import ServiceAccount, StateBucket
from platform_storage.plan import RunnerPlan
from platform_storage.render.files import RenderedFile
from platform_storage.stacks.base import PlatformStack
from platform_storage.stacks.bucket_settings import bucket_kwargs
from platform_storage.stacks.identities import create_identity


class OrchestratorStateStack(PlatformStack):
    """One `StateBucket` shared by every runner, each runner's identity confined to its
    `path_prefix` with the `tf-state` profile (plus lockfile / delete rights when asked).

    Outputs: the bucket's name and ARN, `runner_principal_arns` and `rendered_runners` (maps by
    runner id), and the HCL state storage map.
    `rendered`: the files of `render.files.rendered_files`, whose documents become outputs.
    `create_oidc_provider`: whether this stack creates the EKS cluster's IAM OIDC provider.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StorageConfig,
        runners: list[RunnerPlan],
        rendered: Mapping[str, RenderedFile],
        create_oidc_provider: bool,
    ) -> None:
        super().__init__(scope, id, aws=config.aws, backend=config.backend)
        assert config.orchestrator is not None
        settings = config.orchestrator.state_bucket
        bucket = StateBucket(
            self, "state-bucket", bucket_name=settings.name, **bucket_kwargs(settings)
        )
        self.output("state_bucket_name", bucket.bucket.bucket, "Runner state bucket")
        self.output("state_bucket_arn", bucket.bucket_arn, "Runner state bucket ARN")
        principals: dict[str, str] = {}
        documents: dict[str, str] = {}
        for plan in runners:
            runner = plan.settings
            service_accounts = (
                [ServiceAccount(runner.namespace, runner.service_account)]
                if runner.namespace and runner.service_account
                else []
            )
            cluster = runner.cluster.name if runner.cluster else None
            identity = create_identity(
                self,
                f"runner-{runner.id}",
                plan.identity,
                account=plan.account,
                description=f"Platform Orchestrator runner {runner.id}: state under"
                f" {runner.path_prefix or 'the whole bucket'}",
                eks=config.eks,
                create_oidc_provider=create_oidc_provider,
                service_accounts=service_accounts,
                cluster_name=cluster or (config.eks.cluster_name if config.eks else None),
                oidc=runner.oidc,
            )
            bucket.grant_state_access(
                identity,
                runner.path_prefix,
                lockfile=runner.lockfile,
                delete_state=runner.delete_state,
            )
            principals[runner.id] = identity.arn_reference
            documents[runner.id] = rendered[f"orchestrator/{runner.id}.yaml"].content
        # One map per kind rather than an output per runner: read one runner's with
        # `cdktf output` and `jq '.runner_principal_arns["<id>"]'`. Per-runner outputs would cost
        # two more CDK objects per runner.
        self.output(
            "runner_principal_arns",
            principals,
            "ARN of each runner's identity (role, or user for static credentials), by runner id",
        )
        self.output(
            "rendered_runners",
            documents,
            "hctl create runner documents by runner id (rendered/orchestrator/<id>.yaml)",
        )
        self.output(
            "rendered_runners_tf",
            rendered["orchestrator/runners.tf"].content,
            "state_storage_configuration per runner (rendered/orchestrator/runners.tf)",
        )
