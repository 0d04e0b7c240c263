"""The one module of the package that imports the CDK core and the AWS provider.

Two cores serve the same API: CDK for Terraform (`cdktf`, the default; deprecated upstream since
2025-12-10) and CDK Terrain (`cdktn`, its maintained continuation, three to four times faster to
load). The core is chosen here, once per process:

- `PLATFORM_STORAGE_CDK=cdktf|cdktn` when set;
- otherwise the core that is installed, and `cdktf` when both are.

Every other module imports CDK and provider symbols from here. The `TYPE_CHECKING` block below is
the single list of those symbols: type checkers read it as written (cdktf names), and at run time
the same list is imported from the chosen core, so the two can never drift apart.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import shutil
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsii

CORES: Mapping[str, str] = {"cdktf": "cdktf_cdktf_provider_aws", "cdktn": "cdktn_provider_aws"}
DEFAULT_CORE = "cdktf"
CORE_VARIABLE = "PLATFORM_STORAGE_CDK"
INSTALL_HINT = "pip install 'cdktf-platform-storage[cdktf]' (or '[cdktn]')"


class CoreError(RuntimeError):
    """The requested CDK core is not installed, or a scope belongs to the other core."""


def select_core(requested: str | None, installed: set[str]) -> str:
    """The core to load: `requested` (from the environment), else the installed one, else the
    default when both are installed."""
    if requested:
        if requested not in CORES:
            raise CoreError(f"{CORE_VARIABLE}={requested!r}: choose one of {', '.join(CORES)}")
        if requested not in installed:
            raise CoreError(f"{CORE_VARIABLE}={requested} but {requested} is not installed")
        return requested
    if not installed:
        raise CoreError(f"no CDK core is installed: {INSTALL_HINT}")
    return DEFAULT_CORE if DEFAULT_CORE in installed else sorted(installed)[0]


def _installed_cores() -> set[str]:
    return {core for core in CORES if importlib.util.find_spec(core) is not None}


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
        raise CoreError("no Node.js found: install Node 22 or run `make synth` once")


CORE = select_core(os.environ.get(CORE_VARIABLE), _installed_cores())
_prefer_supported_node()
implements = jsii.implements

if TYPE_CHECKING:
    from cdktf import (
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
    from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
    from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
        DataAwsIamPolicyDocument,
        DataAwsIamPolicyDocumentStatement,
        DataAwsIamPolicyDocumentStatementCondition,
        DataAwsIamPolicyDocumentStatementPrincipals,
    )
    from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
    from cdktf_cdktf_provider_aws.eks_pod_identity_association import EksPodIdentityAssociation
    from cdktf_cdktf_provider_aws.iam_access_key import IamAccessKey
    from cdktf_cdktf_provider_aws.iam_group import IamGroup
    from cdktf_cdktf_provider_aws.iam_group_policy_attachment import IamGroupPolicyAttachment
    from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
    from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
    from cdktf_cdktf_provider_aws.iam_role import IamRole
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
    from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
    from cdktf_cdktf_provider_aws.iam_user import IamUser
    from cdktf_cdktf_provider_aws.iam_user_group_membership import IamUserGroupMembership
    from cdktf_cdktf_provider_aws.kms_key import KmsKey
    from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
        S3BucketLifecycleConfiguration,
        S3BucketLifecycleConfigurationRule,
        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
        S3BucketLifecycleConfigurationRuleFilter,
        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
        S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
    from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
        S3BucketOwnershipControls,
        S3BucketOwnershipControlsRule,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
    from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
    from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
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
    from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
        S3BucketServerSideEncryptionConfigurationA,
        S3BucketServerSideEncryptionConfigurationRuleA,
        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
        S3BucketVersioningA,
        S3BucketVersioningVersioningConfiguration,
    )
    from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
    from cdktf_cdktf_provider_aws.secretsmanager_secret_policy import SecretsmanagerSecretPolicy
    from cdktf_cdktf_provider_aws.secretsmanager_secret_version import (
        SecretsmanagerSecretVersion,
    )
    from constructs import Construct, IConstruct, IValidation


def _runtime_module(static: str) -> str:
    """`cdktf_cdktf_provider_aws.s3_bucket` -> the chosen core's module of the same symbols."""
    for core, provider in CORES.items():
        if static == core:
            return CORE
        if static == provider or static.startswith(f"{provider}."):
            return CORES[CORE] + static[len(provider) :]
    return static  # `constructs` is shared by both cores


def _load_symbols() -> dict[str, Any]:
    """Import every name of the TYPE_CHECKING block above from the chosen core."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    ]
    symbols: dict[str, Any] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom) and statement.module
        module = importlib.import_module(_runtime_module(statement.module))
        for alias in statement.names:
            symbols[alias.asname or alias.name] = getattr(module, alias.name)
    return symbols


if not TYPE_CHECKING:
    globals().update(_load_symbols())


def core_of(scope: IConstruct) -> str | None:
    """The core a construct tree was built with, from the jsii type of its nearest core class
    (`cdktf.App`, `cdktn.TerraformStack`, ...); None for a tree of plain constructs."""
    for node in reversed(scope.node.scopes):
        for cls in type(node).__mro__:
            fqn = cls.__dict__.get("__jsii_type__", "")
            if isinstance(fqn, str) and fqn.split(".", 1)[0] in CORES:
                return fqn.split(".", 1)[0]
    return None


# A construct never moves to another scope, so its path and its stack are fixed once it exists:
# each is asked of jsii at most once per construct (a round trip costs about 0.25 ms, and
# hundreds of runners ask them thousands of times).
_paths: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_stacks: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def node_path(construct: IConstruct) -> str:
    """`construct.node.path`, asked of jsii once per construct."""
    path = _paths.get(construct)
    if path is None:
        path = _paths[construct] = construct.node.path
    return path


def stack_of(scope: IConstruct) -> TerraformStack:
    """The stack holding `scope`, asked of jsii once per construct (never for a stack)."""
    if isinstance(scope, TerraformStack):
        return scope
    stack = _stacks.get(scope)
    if stack is None:
        stack = _stacks[scope] = TerraformStack.of(scope)
    return stack


def same_stack(construct: IConstruct, scope: IConstruct) -> None:
    """Record that `construct`, just created in `scope`, lives in `scope`'s stack, so that
    `stack_of(construct)` needs no round trip when `scope`'s stack is known."""
    known = scope if isinstance(scope, TerraformStack) else _stacks.get(scope)
    if known is not None and not isinstance(construct, TerraformStack):
        _stacks[construct] = known


_checked_scopes: weakref.WeakSet[Any] = weakref.WeakSet()


def ensure_core(scope: IConstruct, *children: object) -> None:
    """Refuse, in one sentence, a scope from the other core: jsii would otherwise fail late with
    a type error, or not at all while writing a wrong document. Each scope is checked once, and
    `children` (the constructs being created in it) count as checked too."""
    _checked_scopes.update(children)
    if scope in _checked_scopes:
        return
    other = core_of(scope)
    _checked_scopes.add(scope)
    if other is not None and other != CORE:
        raise CoreError(
            f"{scope.node.path or 'the app'} was built with {other} but platform_storage loaded"
            f" {CORE}: set {CORE_VARIABLE}={other} (and install that core) so both use one core"
        )


__all__ = [
    "CORE",
    "Annotations",
    "App",
    "Aspects",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "Construct",
    "CoreError",
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
    "IValidation",
    "IamAccessKey",
    "IamGroup",
    "IamGroupPolicyAttachment",
    "IamOpenidConnectProvider",
    "IamPolicy",
    "IamRole",
    "IamRolePolicy",
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
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition",
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
    "SecretsmanagerSecret",
    "SecretsmanagerSecretPolicy",
    "SecretsmanagerSecretVersion",
    "TerraformOutput",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "Testing",
    "Token",
    "ensure_core",
    "implements",
    "node_path",
    "same_stack",
    "stack_of",
]
