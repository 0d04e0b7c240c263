"""The one module of the package that imports the CDK core and the AWS provider.

Every other module imports CDK and provider symbols from here, so the core can be swapped in one
place (CDK for Terraform today; CDK Terrain, its API-identical continuation, later) and so that
importing the configuration or the rules never pays the multi-second load of the provider's jsii
assembly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _prefer_supported_node() -> None:
    """Point jsii at the Node 22 that `make` provisions when the machine's Node is older.

    jsii prints a large end-of-life box on every run under Node 20; the Makefile installs Node 22
    under `.tools/node22` and exports JSII_NODE. This covers the same ground for a plain
    `python main.py` or `pytest` run from the checkout.
    """
    if os.environ.get("JSII_NODE"):
        return
    local = Path(__file__).resolve().parent.parent / ".tools/node22/node_modules/node/bin/node"
    if local.is_file() and os.access(local, os.X_OK):
        os.environ["JSII_NODE"] = str(local)
    elif shutil.which("node") is None:
        raise RuntimeError("no Node.js found: install Node 22 or run `make synth` once")


_prefer_supported_node()

import jsii  # noqa: E402
from cdktf import (  # noqa: E402
    Annotations,
    App,
    Aspects,
    IAspect,
    ITerraformDependable,
    S3Backend,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    Testing,
    Token,
)
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity  # noqa: E402
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (  # noqa: E402
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition  # noqa: E402
from cdktf_cdktf_provider_aws.eks_pod_identity_association import (  # noqa: E402
    EksPodIdentityAssociation,
)
from cdktf_cdktf_provider_aws.iam_access_key import IamAccessKey  # noqa: E402
from cdktf_cdktf_provider_aws.iam_group import IamGroup  # noqa: E402
from cdktf_cdktf_provider_aws.iam_group_policy_attachment import (  # noqa: E402
    IamGroupPolicyAttachment,
)
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import (  # noqa: E402
    IamOpenidConnectProvider,
)
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy  # noqa: E402
from cdktf_cdktf_provider_aws.iam_role import IamRole  # noqa: E402
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import (  # noqa: E402
    IamRolePolicyAttachment,
)
from cdktf_cdktf_provider_aws.iam_user import IamUser  # noqa: E402
from cdktf_cdktf_provider_aws.iam_user_group_membership import (  # noqa: E402
    IamUserGroupMembership,
)
from cdktf_cdktf_provider_aws.kms_key import KmsKey  # noqa: E402
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags  # noqa: E402
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket  # noqa: E402
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (  # noqa: E402
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA  # noqa: E402
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (  # noqa: E402
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy  # noqa: E402
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import (  # noqa: E402
    S3BucketPublicAccessBlock,
)
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (  # noqa: E402
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationAccessControlTranslation,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (  # noqa: E402
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (  # noqa: E402
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct, IConstruct  # noqa: E402

CORE = "cdktf"
implements = jsii.implements

__all__ = [
    "CORE",
    "Annotations",
    "App",
    "Aspects",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "Construct",
    "DataAwsCallerIdentity",
    "DataAwsIamPolicyDocument",
    "DataAwsIamPolicyDocumentStatement",
    "DataAwsIamPolicyDocumentStatementCondition",
    "DataAwsIamPolicyDocumentStatementPrincipals",
    "DataAwsPartition",
    "EksPodIdentityAssociation",
    "IAspect",
    "IConstruct",
    "ITerraformDependable",
    "IamAccessKey",
    "IamGroup",
    "IamGroupPolicyAttachment",
    "IamOpenidConnectProvider",
    "IamPolicy",
    "IamRole",
    "IamRolePolicyAttachment",
    "IamUser",
    "IamUserGroupMembership",
    "KmsKey",
    "S3Backend",
    "S3Bucket",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketLoggingA",
    "S3BucketOwnershipControls",
    "S3BucketOwnershipControlsRule",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketReplicationConfigurationA",
    "S3BucketReplicationConfigurationRule",
    "S3BucketReplicationConfigurationRuleDeleteMarkerReplication",
    "S3BucketReplicationConfigurationRuleDestination",
    "S3BucketReplicationConfigurationRuleDestinationAccessControlTranslation",
    "S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration",
    "S3BucketReplicationConfigurationRuleFilter",
    "S3BucketReplicationConfigurationRuleSourceSelectionCriteria",
    "S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects",
    "S3BucketServerSideEncryptionConfigurationA",
    "S3BucketServerSideEncryptionConfigurationRuleA",
    "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    "S3BucketVersioningA",
    "S3BucketVersioningVersioningConfiguration",
    "TerraformOutput",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "Testing",
    "Token",
    "implements",
]
