"""A user's CDKTF app: every public construct, option and grant, as the README shows them.

The wheel test installs the built wheel into a fresh virtualenv, runs `mypy --strict` over this
file and runs it (a real synth). Written for cdktf; the test swaps the imports for CDK Terrain.
"""

from __future__ import annotations

import sys

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

import platform_storage
from platform_storage.constructs import (
    AccessLogging,
    AccessProfile,
    AwsAccount,
    BucketEncryption,
    BucketOptions,
    Condition,
    EcsTaskRole,
    IrsaRole,
    KeySecrets,
    NoncurrentTransition,
    OidcFederatedRole,
    PodIdentityRole,
    PolicyDocument,
    PolicyStatement,
    Principal,
    PrivateBucket,
    Replication,
    ServiceAccount,
    StateBucket,
    StateOptions,
    StaticCredentials,
    WorkloadIdentity,
    WorkloadRole,
    apply_rules,
    suppress,
)

ISSUER = "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ACCOUNT = AwsAccount(account_id="123456789012", region="us-east-2")


def build(stack: TerraformStack) -> list[WorkloadIdentity]:
    artifacts = PrivateBucket(
        stack,
        "artifacts",
        bucket_name="acme-build-artifacts",
        options=BucketOptions(
            noncurrent_version_transition=NoncurrentTransition(days=7, storage_class="GLACIER_IR"),
            access_logging=AccessLogging(target_bucket="acme-access-logs"),
        ),
        tags={"team": "platform"},
    )
    state = StateBucket(
        stack,
        "state",
        bucket_name="acme-tfstate",
        options=BucketOptions(
            encryption=BucketEncryption.KMS,
            replication=Replication(
                destination_bucket_arn="arn:aws:s3:::acme-tfstate-replica",
                destination_kms_key_arn=(
                    "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
                ),
            ),
        ),
    )
    irsa = IrsaRole(
        stack,
        "runner",
        account=ACCOUNT,
        role_name="runner-team-a",
        oidc_issuer=ISSUER,
        service_accounts=[ServiceAccount("humanitec-runner", "humanitec-runner")],
        create_oidc_provider=True,
    )
    pods = PodIdentityRole(
        stack,
        "pods",
        account=ACCOUNT,
        role_name="runner-team-b",
        cluster_name="platform",
        service_accounts=[ServiceAccount("runner-b", "runner")],
    )
    task = EcsTaskRole(stack, "task", account=ACCOUNT, role_name="runner-ecs")
    ci = OidcFederatedRole(
        stack,
        "ci",
        account=ACCOUNT,
        role_name="runner-ci",
        issuer="https://token.actions.githubusercontent.com",
        subjects=["repo:acme/infra:ref:refs/heads/main"],
        create_oidc_provider=True,
    )
    trust = PolicyStatement(
        sid="OpsAssumes",
        effect="Allow",
        actions=("sts:AssumeRole",),
        principals=(Principal("AWS", ("arn:aws:iam::123456789012:role/ops",)),),
        conditions=(Condition("Bool", "aws:MultiFactorAuthPresent", ("true",)),),
    )
    ops = WorkloadRole(stack, "ops", account=ACCOUNT, role_name="ops-reader", trust=[trust])
    keys = StaticCredentials(stack, "keys", account=ACCOUNT, user_name="runner-static")
    KeySecrets(
        stack,
        "key-secrets",
        credentials=keys,
        reader_arn="arn:aws:iam::123456789012:role/ecs-execution",
        name_prefix="platform-storage/runner-static",
    )

    state.grant_state_access(irsa, "team-a", lockfile=True)
    state.grant_state_access(pods, "team-b", delete_state=True)
    state.grant(task, AccessProfile.TF_STATE, prefix="ecs", state=StateOptions(lockfile=True))
    state.grant_state_access(ci, "ci")
    state.grant_state_access(keys, "static")
    artifacts.grant_read(irsa)
    artifacts_objects: str = artifacts.arn_for_objects("releases")
    artifacts.add_to_resource_policy(
        PolicyStatement(
            sid="DenyUnencryptedUploads",
            effect="Deny",
            actions=("s3:PutObject",),
            resources=(artifacts_objects,),
            principals=(Principal("*", ("*",)),),
            conditions=(Condition("Null", "s3:x-amz-server-side-encryption", ("true",)),),
        )
    )
    audit = PolicyDocument(stack, "audit", statements=[trust])
    assert audit.json
    rules = apply_rules(stack)
    suppress(keys, "PS-IAM-7", reason="no managed policy is attached; shown for the API only")
    assert rules is not None
    return [irsa, pods, task, ci, ops, keys]


def main(outdir: str) -> None:
    app = App(outdir=outdir)
    stack = TerraformStack(app, "user-app")
    AwsProvider(stack, "aws", region=ACCOUNT.region, allowed_account_ids=[ACCOUNT.account_id])
    identities = build(stack)
    app.synth()
    version: str = platform_storage.__version__
    print(f"platform-storage {version}: {len(identities)} identities")


if __name__ == "__main__":
    main(sys.argv[1])
