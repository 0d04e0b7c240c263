"""`MassdriverStorageStack`: Massdriver's buckets and the roles its chart's pods assume."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.access import AccessProfile
from platform_storage.cdk import Construct
from platform_storage.config import StorageConfig
from platform_storage.constructs import PrivateBucket, ServiceAccount, StateBucket
from platform_storage.plan import MassdriverPlan
from platform_storage.render.files import RenderedFile
from platform_storage.stacks.base import PlatformStack
from platform_storage.stacks.bucket_settings import bucket_kwargs
from platform_storage.stacks.identities import create_identity


class MassdriverStorageStack(PlatformStack):
    """The `massdriver` bucket (OCI bundles, logs), the `state` bucket (a `StateBucket`), the
    `argo` bucket when Argo is on S3, and the identities:

    - Massdriver's on the S3Proxy service account `<fullname>-s3proxy` (chart >= 0.0.17) or the
      Massdriver service account `<fullname>-massdriver` (legacy chart), with the `massdriver`
      profile on both buckets;
    - Argo's on the provisioner service account `<fullname>-provisioner`, with the
      `argo-artifacts` profile on the argo bucket.

    Outputs: every bucket's name and ARN, every role's ARN, and the rendered Helm values.
    `rendered`: the files of `render.files.rendered_files`, whose documents become outputs.
    `create_oidc_provider`: whether this stack creates the cluster's IAM OIDC provider.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StorageConfig,
        plan: MassdriverPlan,
        rendered: Mapping[str, RenderedFile],
        create_oidc_provider: bool,
    ) -> None:
        super().__init__(scope, id, aws=config.aws, backend=config.backend)
        md = plan.settings
        options = bucket_kwargs(md.bucket_options)
        cluster_name = config.eks.cluster_name if config.eks else None

        if plan.storage is not None:
            assert md.buckets is not None
            massdriver = PrivateBucket(
                self, "massdriver-bucket", bucket_name=md.buckets.massdriver, **options
            )
            state = StateBucket(self, "state-bucket", bucket_name=md.buckets.state, **options)
            identity = create_identity(
                self,
                "massdriver-storage",
                plan.storage,
                description=f"Massdriver {md.release}: massdriver and state buckets",
                service_accounts=[ServiceAccount(md.namespace, plan.storage_service_account)],
                account=plan.account,
                eks=config.eks,
                create_oidc_provider=create_oidc_provider,
                cluster_name=cluster_name,
            )
            for bucket in (massdriver, state):
                bucket.grant(identity, AccessProfile.MASSDRIVER)
            self.output("massdriver_bucket_name", massdriver.bucket.bucket, "Massdriver bucket")
            self.output("massdriver_bucket_arn", massdriver.bucket_arn, "Massdriver bucket ARN")
            self.output("state_bucket_name", state.bucket.bucket, "Massdriver state bucket")
            self.output("state_bucket_arn", state.bucket_arn, "Massdriver state bucket ARN")
            self.output(
                "massdriver_storage_principal_arn",
                identity.arn_reference,
                f"{plan.storage.kind} identity of {plan.storage_service_account}",
            )

        if plan.argo is not None:
            assert md.argo.bucket is not None
            argo = PrivateBucket(self, "argo-bucket", bucket_name=md.argo.bucket, **options)
            identity = create_identity(
                self,
                "argo-artifacts",
                plan.argo,
                description=f"Massdriver {md.release}: Argo Workflows artifacts",
                service_accounts=[
                    ServiceAccount(md.namespace, plan.names.provisioner_service_account)
                ],
                account=plan.account,
                eks=config.eks,
                create_oidc_provider=create_oidc_provider,
                cluster_name=cluster_name,
            )
            argo.grant(identity, AccessProfile.ARGO_ARTIFACTS)
            self.output("argo_bucket_name", argo.bucket.bucket, "Argo artifacts bucket")
            self.output("argo_bucket_arn", argo.bucket_arn, "Argo artifacts bucket ARN")
            self.output(
                "argo_principal_arn",
                identity.arn_reference,
                f"{plan.argo.kind} identity of {plan.names.provisioner_service_account}",
            )

        self.output(
            "rendered_massdriver_values",
            rendered["massdriver-values.yaml"].content,
            "Helm values for the massdriver chart (rendered/massdriver-values.yaml)",
        )
