"""`MassdriverStorageStack`: Massdriver's buckets and the roles its chart's pods assume."""

from __future__ import annotations

from platform_storage.access import AccessProfile
from platform_storage.cdk import Construct
from platform_storage.constructs import PrivateBucket, StateBucket, WorkloadIdentity
from platform_storage.constructs._oidc_provider import oidc_provider_for
from platform_storage.plan import MASSDRIVER_STACK, AppPlan, BucketPlan, IdentityPlan
from platform_storage.stacks._identities import create_identity
from platform_storage.stacks.base import PlatformStack


class MassdriverStorageStack(PlatformStack):
    """The `massdriver` bucket (OCI bundles, logs), the `state` bucket (a `StateBucket`), the
    `argo` bucket when Argo is on S3, and the identities:

    - Massdriver's on the S3Proxy service account `<fullname>-s3proxy` (chart >= 0.0.17) or the
      Massdriver service account `<fullname>-massdriver` (legacy chart), with the `massdriver`
      profile on both buckets;
    - Argo's on the provisioner service account `<fullname>-provisioner`, with the
      `argo-artifacts` profile on the argo bucket.

    Outputs: every bucket's name and ARN, and every principal's ARN. The IAM OIDC providers the
    plan places in this stack are created here.
    """

    def __init__(self, scope: Construct, id: str = MASSDRIVER_STACK, *, plan: AppPlan) -> None:
        super().__init__(scope, id, aws=plan.config.aws, backend=plan.config.backend)
        md = plan.massdriver
        assert md is not None
        self._plan = plan
        providers = {p.issuer for p in plan.providers_in(MASSDRIVER_STACK)}
        for provider in plan.providers_in(MASSDRIVER_STACK):
            for audience in provider.audiences:
                oidc_provider_for(self, provider.issuer, audience)
        release = md.settings.release

        if md.storage is not None:
            assert md.massdriver_bucket is not None and md.state_bucket is not None
            massdriver = self._bucket(md.massdriver_bucket)
            state = self._bucket(md.state_bucket)
            identity = self._identity(
                "massdriver-storage",
                md.storage,
                f"Massdriver {release}: massdriver and state buckets",
                providers,
            )
            for bucket in (massdriver, state):
                bucket.grant(identity, AccessProfile.MASSDRIVER)
            self._bucket_outputs("massdriver", massdriver, "Massdriver bucket")
            self._bucket_outputs("state", state, "Massdriver state bucket")
            self.output(
                "massdriver_storage_principal_arn",
                identity.arn_reference,
                f"{md.storage.kind} identity of {md.storage_service_account}",
            )

        if md.argo is not None:
            assert md.argo_bucket is not None
            argo = self._bucket(md.argo_bucket)
            identity = self._identity(
                "argo-artifacts",
                md.argo,
                f"Massdriver {release}: Argo Workflows artifacts",
                providers,
            )
            argo.grant(identity, AccessProfile.ARGO_ARTIFACTS)
            self._bucket_outputs("argo", argo, "Argo artifacts bucket")
            self.output(
                "argo_principal_arn",
                identity.arn_reference,
                f"{md.argo.kind} identity of {md.names.provisioner_service_account}",
            )

    def _bucket(self, bucket: BucketPlan) -> PrivateBucket:
        kind = StateBucket if bucket.state else PrivateBucket
        return kind(self, bucket.construct_id, bucket_name=bucket.name, options=bucket.options)

    def _identity(
        self, id: str, identity: IdentityPlan, description: str, providers: set[str]
    ) -> WorkloadIdentity:
        return create_identity(
            self,
            id,
            identity,
            account=self._plan.account,
            description=description,
            provider_here=getattr(identity, "issuer", None) in providers,
        )

    def _bucket_outputs(self, name: str, bucket: PrivateBucket, what: str) -> None:
        self.output(f"{name}_bucket_name", bucket.bucket.bucket, what)
        self.output(f"{name}_bucket_arn", bucket.bucket_arn, f"{what} ARN")
