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

    Outputs: the bucket's name and ARN, each runner's principal ARN, each rendered runner
    document and the HCL state storage map.
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
            key = runner.id.replace("-", "_")
            self.output(
                f"runner_{key}_principal_arn",
                identity.arn_reference,
                f"{plan.identity.kind} identity of runner {runner.id}",
            )
            self.output(
                f"rendered_runner_{key}",
                rendered[f"orchestrator/{runner.id}.yaml"].content,
                f"hctl create runner document (rendered/orchestrator/{runner.id}.yaml)",
            )
        self.output(
            "rendered_runners_tf",
            rendered["orchestrator/runners.tf"].content,
            "state_storage_configuration per runner (rendered/orchestrator/runners.tf)",
        )
