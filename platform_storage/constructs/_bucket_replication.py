"""S3 replication of a `PrivateBucket`: the role S3 assumes, its policy and the rule."""

from __future__ import annotations

from platform_storage.bucket_options import Replication
from platform_storage.cdk import (
    Construct,
    IamPolicy,
    IamRole,
    IamRolePolicyAttachment,
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationAccessControlTranslation,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketVersioningA,
)
from platform_storage.cdk import (
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects as SseKmsEncryptedObjects,  # noqa: E501
)
from platform_storage.constructs._stack_data import caller_identity
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.policy import Condition, PolicyStatement, Principal


def replicate(
    scope: Construct,
    *,
    bucket_name: str,
    bucket_arn: str,
    bucket_id: str,
    kms_key_arn: str | None,
    versioning: S3BucketVersioningA | None,
    replication: Replication,
) -> IamRole:
    """Replicate every object, version and (by default) delete marker of the bucket.

    The role trusts S3 only for this bucket in this account and may read the source's versions,
    write replicas (with the owner override when the destination is another account's) and use
    exactly the KMS keys involved. Created directly in `scope` so the Terraform addresses stay
    those of the bucket's own resources. Returns the role.
    """
    account = caller_identity(scope).account_id
    trust = PolicyDocument(
        scope,
        "replication-trust",
        statements=[
            PolicyStatement(
                sid="S3ReplicatesThisBucket",
                effect="Allow",
                actions=("sts:AssumeRole",),
                principals=(Principal("Service", ("s3.amazonaws.com",)),),
                conditions=(
                    Condition("StringEquals", "aws:SourceAccount", (account,)),
                    Condition("ArnLike", "aws:SourceArn", (bucket_arn,)),
                ),
            )
        ],
    )
    statements = [
        PolicyStatement(
            sid="ReadReplicationConfiguration",
            effect="Allow",
            actions=("s3:GetReplicationConfiguration", "s3:ListBucket"),
            resources=(bucket_arn,),
        ),
        PolicyStatement(
            sid="ReadSourceVersions",
            effect="Allow",
            actions=(
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ),
            resources=(f"{bucket_arn}/*",),
        ),
        PolicyStatement(
            sid="WriteReplicas",
            effect="Allow",
            # Replicas owned by another account need the owner override right as well.
            actions=(
                "s3:ReplicateDelete",
                "s3:ReplicateObject",
                "s3:ReplicateTags",
                *(
                    ("s3:ObjectOwnerOverrideToBucketOwner",)
                    if replication.destination_account_id
                    else ()
                ),
            ),
            resources=(f"{replication.destination_bucket_arn}/*",),
        ),
    ]
    if kms_key_arn is not None:
        statements.append(
            PolicyStatement(
                sid="DecryptSourceObjects",
                effect="Allow",
                actions=("kms:Decrypt",),
                resources=(kms_key_arn,),
            )
        )
    if replication.destination_kms_key_arn is not None:
        statements.append(
            PolicyStatement(
                sid="EncryptReplicas",
                effect="Allow",
                actions=("kms:Encrypt", "kms:GenerateDataKey"),
                resources=(replication.destination_kms_key_arn,),
            )
        )
    permissions = PolicyDocument(scope, "replication-permissions", statements=statements)
    role = IamRole(
        scope,
        "replication-role",
        assume_role_policy=trust.json,
        description=f"S3 replication of {bucket_name}",
    )
    policy = IamPolicy(
        scope,
        "replication-policy",
        policy=permissions.json,
        description=f"S3 replication of {bucket_name}",
    )
    IamRolePolicyAttachment(
        scope,
        "replication-policy-attachment",
        role=role.name,
        policy_arn=policy.arn,
    )

    destination = S3BucketReplicationConfigurationRuleDestination(
        bucket=replication.destination_bucket_arn,
        storage_class=replication.storage_class,
        encryption_configuration=(
            S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                replica_kms_key_id=replication.destination_kms_key_arn
            )
            if replication.destination_kms_key_arn
            else None
        ),
        account=replication.destination_account_id,
        access_control_translation=(
            S3BucketReplicationConfigurationRuleDestinationAccessControlTranslation(
                owner="Destination"
            )
            if replication.destination_account_id
            else None
        ),
    )
    rule = S3BucketReplicationConfigurationRule(
        id="replicate-everything",
        status="Enabled",
        filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
        delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
            status="Enabled" if replication.replicate_delete_markers else "Disabled"
        ),
        destination=destination,
        source_selection_criteria=(
            S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                sse_kms_encrypted_objects=SseKmsEncryptedObjects(status="Enabled")
            )
            if kms_key_arn is not None
            else None
        ),
    )
    S3BucketReplicationConfigurationA(
        scope,
        "replication",
        bucket=bucket_id,
        role=role.arn,
        rule=[rule],
        depends_on=[versioning] if versioning else None,
    )
    return role
