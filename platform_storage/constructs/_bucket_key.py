"""The customer-managed KMS key a `PrivateBucket` creates for `sse-kms` without a given key."""

from __future__ import annotations

import json

from platform_storage.cdk import Construct, KmsKey
from platform_storage.constructs._stack_data import caller_identity, partition
from platform_storage.policy import (
    Condition,
    PolicyStatement,
    Principal,
    document_statements_to_iam,
)

# Key management without key use: the account keeps control of the key (so it can never become
# unmanageable) while encrypting and decrypting stay limited to principals that also hold an IAM
# grant and call through S3. A plain "kms:*" to the account root would do neither.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def bucket_key(scope: Construct, *, bucket_name: str) -> KmsKey:
    """A rotated key, 30-day deletion window, usable only through S3 by this account's principals.

    Created directly in `scope` (id `key`) so its Terraform address stays that of the bucket's
    own resources.
    """
    account = caller_identity(scope).account_id
    root = f"arn:{partition(scope).partition}:iam::{account}:root"
    # A key policy is a resource policy: "*" as Resource means this key. It is written as a
    # JSON string because checkov's identity-policy checks misread key policies.
    key_policy = document_statements_to_iam(
        [
            PolicyStatement(
                sid="AccountManagesKey",
                effect="Allow",
                actions=KEY_ADMIN_ACTIONS,
                resources=("*",),
                principals=(Principal("AWS", (root,)),),
            ).to_document_block(),
            PolicyStatement(
                sid="GrantedPrincipalsUseKeyThroughS3",
                effect="Allow",
                actions=KEY_USE_ACTIONS,
                resources=("*",),
                principals=(Principal("AWS", (root,)),),
                conditions=(
                    Condition("StringEquals", "kms:CallerAccount", (account,)),
                    # The second form is S3's endpoint in the aws-cn partition.
                    Condition(
                        "StringLike",
                        "kms:ViaService",
                        ("s3.*.amazonaws.com", "s3.*.amazonaws.com.cn"),
                    ),
                ),
            ).to_document_block(),
        ]
    )
    return KmsKey(
        scope,
        "key",
        description=f"Default encryption of S3 bucket {bucket_name}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps(key_policy),
    )
