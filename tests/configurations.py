"""The construct configurations the tests synthesize: each construct's default and fullest form."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from platform_storage.cdk import App, AwsProvider, TerraformStack, Testing
from platform_storage.constructs import (
    AccessLogging,
    AccessProfile,
    AwsAccount,
    BucketEncryption,
    BucketOptions,
    EcsTaskRole,
    IrsaRole,
    NoncurrentTransition,
    OidcFederatedRole,
    PodIdentityRole,
    PrivateBucket,
    Replication,
    ServiceAccount,
    StateBucket,
    StaticCredentials,
)

Build = Callable[[TerraformStack], Any]

ACCOUNT = "123456789012"
DESTINATION_BUCKET_ARN = "arn:aws:s3:::example-replica-eu-west-1"
DESTINATION_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
SOURCE_KEY_ARN = "arn:aws:kms:us-east-2:123456789012:key/66666666-7777-8888-9999-000000000000"


def synth(build: Build) -> dict[str, Any]:
    """Synthesize `build` in a fresh test app and stack (aspects run, metadata stripped)."""
    stack = TerraformStack(Testing.app(), "test")
    AwsProvider(stack, "aws", region="us-east-2", allowed_account_ids=[ACCOUNT])
    build(stack)
    return dict(json.loads(Testing.synth(stack)))


def real_synth(outdir: Path, build: Build, stack_name: str) -> None:
    """A real `app.synth()` into `outdir` (not Testing.synth): error annotations fail it."""
    app = App(outdir=str(outdir / "out"))
    stack = TerraformStack(app, stack_name)
    AwsProvider(stack, "aws", region="us-east-2")
    build(stack)
    app.synth()


def private_default(stack: TerraformStack) -> None:
    PrivateBucket(stack, "bucket", bucket_name="example-artifacts")


def private_full(stack: TerraformStack) -> None:
    PrivateBucket(
        stack,
        "bucket",
        bucket_name="example-artifacts",
        options=BucketOptions(
            encryption=BucketEncryption.KMS,
            noncurrent_version_expiration_days=14,
            noncurrent_versions_to_keep=5,
            noncurrent_version_transition=NoncurrentTransition(days=7, storage_class="GLACIER_IR"),
            abort_incomplete_multipart_upload_days=3,
            access_logging=AccessLogging(target_bucket="example-access-logs", target_prefix="s3/"),
            replication=Replication(
                destination_bucket_arn=DESTINATION_BUCKET_ARN,
                destination_kms_key_arn=DESTINATION_KEY_ARN,
                destination_account_id="210987654321",
                storage_class="STANDARD_IA",
            ),
            min_tls_version="1.3",
        ),
        tags={"team": "platform"},
    )


def state_default(stack: TerraformStack) -> None:
    StateBucket(stack, "state", bucket_name="example-tfstate")


def state_full(stack: TerraformStack) -> None:
    StateBucket(
        stack,
        "state",
        bucket_name="example-tfstate",
        options=BucketOptions(
            encryption=BucketEncryption.KMS,
            kms_key_arn=SOURCE_KEY_ARN,
            noncurrent_version_expiration_days=365,
            noncurrent_versions_to_keep=30,
            noncurrent_version_transition=NoncurrentTransition(
                days=30, storage_class="STANDARD_IA"
            ),
            access_logging=AccessLogging(target_bucket="example-access-logs"),
            replication=Replication(
                destination_bucket_arn=DESTINATION_BUCKET_ARN,
                destination_kms_key_arn=DESTINATION_KEY_ARN,
            ),
        ),
        tags={"data": "terraform-state"},
    )


CONFIGURATIONS: dict[str, Build] = {
    "private_default": private_default,
    "private_full": private_full,
    "state_default": state_default,
    "state_full": state_full,
}


EKS_ISSUER = "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
GKE_ISSUER = "https://container.googleapis.com/v1/projects/acme/locations/europe-west1/clusters/ci"
ACCOUNT_INFO = AwsAccount(account_id=ACCOUNT, region="us-east-2")


def identities(stack: TerraformStack) -> None:
    """One of each identity kind, each granted a different profile on a shared KMS bucket."""
    shared = StateBucket(
        stack,
        "shared",
        bucket_name="example-shared-tfstate",
        options=BucketOptions(encryption=BucketEncryption.KMS),
    )
    artifacts = PrivateBucket(stack, "artifacts", bucket_name="example-artifacts")
    irsa = IrsaRole(
        stack,
        "irsa",
        account=ACCOUNT_INFO,
        role_name="example-irsa",
        oidc_issuer=EKS_ISSUER,
        service_accounts=[ServiceAccount("runner", "humanitec-runner")],
        path="/platform-storage/",
        permissions_boundary_arn="arn:aws:iam::123456789012:policy/boundary",
        max_session_duration=7200,
    )
    pod = PodIdentityRole(
        stack,
        "pod",
        account=ACCOUNT_INFO,
        role_name="example-pod-identity",
        cluster_name="platform",
        service_accounts=[ServiceAccount("massdriver", "massdriver-s3proxy")],
    )
    ecs = EcsTaskRole(stack, "ecs", account=ACCOUNT_INFO, role_name="example-ecs-task")
    gke = OidcFederatedRole(
        stack,
        "gke",
        account=ACCOUNT_INFO,
        role_name="example-gke",
        issuer=GKE_ISSUER,
        subjects=["system:serviceaccount:runner:humanitec-runner"],
        create_oidc_provider=True,
    )
    static = StaticCredentials(stack, "static", account=ACCOUNT_INFO, user_name="example-static")
    shared.grant_state_access(irsa, "eks/team-a", lockfile=True)
    shared.grant_state_access(ecs, "ecs", delete_state=True)
    shared.grant_state_access(gke, "gke")
    shared.grant_read(static, "audit")
    artifacts.grant(pod, AccessProfile.MASSDRIVER)


CONFIGURATIONS["identities"] = identities


TENANT_PREFIXES = {"team": "team", "team-b": "team-b", "ops": "ops/eu"}


def tenants(stack: TerraformStack) -> None:
    """Three IRSA identities confined to `team`, `team-b` and `ops/eu` of one state bucket, and a
    second bucket none of them may touch: the subject of the isolation proofs."""
    shared = StateBucket(stack, "shared", bucket_name="example-tenants-tfstate")
    PrivateBucket(stack, "other", bucket_name="example-other-bucket")
    for tenant, prefix in TENANT_PREFIXES.items():
        role = IrsaRole(
            stack,
            f"tenant-{tenant}",
            account=ACCOUNT_INFO,
            role_name=f"tenant-{tenant}",
            oidc_issuer=EKS_ISSUER,
            service_accounts=[ServiceAccount(f"tenant-{tenant}", "runner")],
        )
        shared.grant_state_access(role, prefix, lockfile=True)


CONFIGURATIONS["tenants"] = tenants
