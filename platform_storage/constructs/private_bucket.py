"""`PrivateBucket`: the hardened S3 bucket every bucket of the product is built from."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ValidationError

from platform_storage.access import AccessProfile, Grant, StateOptions, access_statements
from platform_storage.bucket_options import (
    BucketEncryption,
    BucketOptions,
    Retention,
    option_problems,
)
from platform_storage.cdk import (
    Construct,
    IamRole,
    ITerraformDependable,
    KmsKey,
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition,
    S3BucketLoggingA,
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
    TerraformResourceLifecycle,
    node_path,
)
from platform_storage.cdk import (
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA as SseByDefault,  # noqa: E501
)
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs._bucket_key import bucket_key
from platform_storage.constructs._bucket_replication import replicate
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.constructs.workload_role import WorkloadIdentity
from platform_storage.naming import bucket_name_problems, is_token, tags_problems
from platform_storage.policy import (
    ANYONE,
    Condition,
    PolicyStatement,
)
from platform_storage.prefixes import PrefixError, normalize_prefix, overlapping_prefixes
from platform_storage.rules.validation import mark_state_bucket

DEFAULT_OPTIONS = BucketOptions()
NO_STATE_OPTIONS = StateOptions()


class PrivateBucket(Construct):
    """A private, encrypted, TLS-only S3 bucket with the companions that keep it that way.

    Always created, whatever the options: a public access block with all four flags on; object
    ownership `BucketOwnerEnforced` (ACLs disabled); default encryption; a bucket policy denying
    requests without TLS and with TLS older than `min_tls_version`; a lifecycle rule aborting
    incomplete multipart uploads. The policy, ownership controls and public access block are
    chained with `depends_on` so that Terraform never sends them in parallel (S3 answers such a
    race with HTTP 409 "conflicting conditional operation").

    Keyword-only arguments and their defaults:

    - `bucket_name` (required): the bucket's name. Validated against S3's naming rules unless it is
      still a token.
    - `options` = `BucketOptions()`: encryption, retention, multipart clean-up, access logging,
      replication, minimum TLS version; each option and its default is documented on
      `BucketOptions`. Noncurrent versions expire after 30 days, keeping the newest 3.
    - `versioned` = True: an overwritten or deleted object can be restored. False suits caches
      and scratch data (and refuses replication and retention options).
    - `force_destroy` = False. True lets `terraform destroy` delete a bucket that still holds
      objects: an explicit opt-in meant for scratch buckets, refused together with
      `prevent_destroy`.
    - `prevent_destroy` = False: Terraform's `lifecycle.prevent_destroy` on the bucket.
    - `tags` = None: tags on the bucket (provider default tags apply on top).

    Access goes through `grant`, `grant_read` and `grant_state_access`; further resource-policy
    statements through `add_to_resource_policy`. Arguments are checked before anything is
    created: a wrong one raises one `TypeError` or `ValueError` naming every problem and the
    construct path, and leaves nothing in the tree.
    """

    _STATE = False

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        options: BucketOptions = DEFAULT_OPTIONS,
        versioned: bool = True,
        force_destroy: bool = False,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        problems = _problems(
            bucket_name=bucket_name,
            options=options,
            state=self._STATE,
            versioned=versioned,
            force_destroy=force_destroy,
            prevent_destroy=prevent_destroy,
            tags=tags,
        )
        refuse(f"{type(self).__name__} {path_of(scope, id)}", problems)
        super().__init__(scope, id)

        self.bucket_name = bucket_name
        self.options = options
        self.encryption = options.encryption
        self._grants: list[tuple[WorkloadIdentity, str | None]] = []
        self._label = id
        self.versioned = versioned
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=bucket_name,
            force_destroy=force_destroy,
            tags=dict(tags) if tags else None,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if prevent_destroy else None,
        )

        # Read once: each attribute read through jsii mints a new token for the same reference.
        self.bucket_arn: str = self.bucket.arn
        self.bucket_id: str = self.bucket.id
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        self.ownership_controls = S3BucketOwnershipControls(
            self,
            "ownership-controls",
            bucket=self.bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
            depends_on=[self.public_access_block],
        )

        self.kms_key: KmsKey | None = None
        kms_key_arn = options.kms_key_arn
        if options.encryption is BucketEncryption.KMS and kms_key_arn is None:
            self.kms_key = bucket_key(self, bucket_name=bucket_name)
            kms_key_arn = self.kms_key.arn
        self.kms_key_arn = kms_key_arn
        self.encryption_configuration = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=SseByDefault(
                        sse_algorithm=options.encryption.sse_algorithm,
                        kms_master_key_id=kms_key_arn,
                    ),
                    bucket_key_enabled=options.encryption is BucketEncryption.KMS or None,
                )
            ],
        )

        self.versioning: S3BucketVersioningA | None = None
        if versioned:
            self.versioning = S3BucketVersioningA(
                self,
                "versioning",
                bucket=self.bucket_id,
                versioning_configuration=S3BucketVersioningVersioningConfiguration(
                    status="Enabled"
                ),
            )

        self._lifecycle(
            abort_days=options.abort_incomplete_multipart_upload_days,
            retention=options.retention(state=self._STATE),
        )

        self.resource_policy = PolicyDocument(
            self, "policy-document", statements=self._tls_statements(options.min_tls_version)
        )
        self.bucket_policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket_id,
            policy=self.resource_policy.json,
            depends_on=[self.public_access_block, self.ownership_controls],
        )

        access_logging = options.access_logging
        if access_logging is not None:
            S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket_id,
                target_bucket=access_logging.target_bucket,
                target_prefix=(
                    access_logging.target_prefix
                    if access_logging.target_prefix is not None
                    else f"{bucket_name}/"
                ),
            )

        self.replication_role: IamRole | None = None
        if options.replication is not None:
            self.replication_role = replicate(
                self,
                bucket_name=bucket_name,
                bucket_arn=self.bucket_arn,
                bucket_id=self.bucket_id,
                kms_key_arn=self.kms_key_arn,
                versioning=self.versioning,
                replication=options.replication,
            )
        if self._STATE:
            mark_state_bucket(self.bucket)

    @checked
    def arn_for_objects(self, prefix: str | None = None) -> str:
        """ARN of every object under `prefix/` (normalised); `prefix` = None: of every object."""
        if prefix is None:
            return f"{self.bucket_arn}/*"
        return f"{self.bucket_arn}/{self._normalized(prefix, lambda: 'arn_for_objects')}/*"

    def _normalized(self, prefix: str, where: Callable[[], str]) -> str:
        """`where()` names the call in an error (it may ask jsii for a path: only then)."""
        try:
            return normalize_prefix(prefix)
        except PrefixError as error:
            raise PrefixError(f"{node_path(self)}: {where()}: prefix {error}") from None

    @checked
    def grant(
        self,
        identity: WorkloadIdentity,
        profile: AccessProfile,
        *,
        prefix: str | None = None,
        state: StateOptions = NO_STATE_OPTIONS,
    ) -> None:
        """Give `identity` the actions of `profile` on this bucket, or only under `prefix/`.

        `prefix` = None: the whole bucket. `state` = `StateOptions()`: the extra rights of the
        `tf-state` profile (lock files, deleting state), all off; ignored by other profiles.

        Every grant goes through `platform_storage.access.access_statements`. The bucket's KMS key
        (created or given) is added with exactly the key actions the profile needs. Grants on one
        bucket must not overlap: a prefix that repeats or nests in another grant's prefix (`a` and
        `a/b`), or any grant beside a whole-bucket grant, is refused, since those identities would
        not be isolated from each other. A refused grant changes nothing.
        """
        normalized = (
            self._normalized(prefix, lambda: f"grant to {_identity_label(identity)}")
            if prefix is not None
            else None
        )
        for other, other_prefix in self._grants:
            if normalized is None or other_prefix is None:
                clash = "the whole bucket" if normalized is None else repr(normalized)
                raise PrefixError(
                    f"{self.node.path}: grant of {clash} to {_identity_label(identity)} overlaps"
                    " the grant of"
                    f" {'the whole bucket' if other_prefix is None else repr(other_prefix)}"
                    f" to {_identity_label(other)}; tenants of one bucket need disjoint prefixes"
                )
            if overlapping_prefixes([normalized, other_prefix]):
                raise PrefixError(
                    f"{self.node.path}: prefix {normalized!r} for {_identity_label(identity)}"
                    f" repeats or nests in {other_prefix!r} granted to {_identity_label(other)};"
                    " tenants of one bucket need disjoint prefixes"
                )
        statements = access_statements(
            Grant(
                bucket_arn=self.bucket_arn,
                profile=profile,
                prefix=normalized,
                kms_key_arn=self.kms_key_arn,
                state=state,
                label=self._label,
                place=node_path(self),
            )
        )
        identity.check_policy_statements(statements)
        identity.add_policy_statements(*statements)
        self._grants.append((identity, normalized))

    @checked
    def grant_read(self, identity: WorkloadIdentity, prefix: str | None = None) -> None:
        """`grant(identity, AccessProfile.READ_ONLY, prefix=prefix)`: read and list only.
        `prefix` = None: the whole bucket."""
        self.grant(identity, AccessProfile.READ_ONLY, prefix=prefix)

    @checked
    def grant_state_access(
        self,
        identity: WorkloadIdentity,
        prefix: str | None = None,
        *,
        lockfile: bool = False,
        delete_state: bool = False,
    ) -> None:
        """`grant(identity, AccessProfile.TF_STATE, ...)`: a Terraform/OpenTofu S3 backend.

        `prefix` = None: the whole bucket, which the identity then has to itself;
        `lockfile` = False: no lock-file rights (true: rights on `<prefix>/*.tflock` for
        S3-native locking); `delete_state` = False: no deletes (true: `s3:DeleteObject` on the
        state objects)."""
        self.grant(
            identity,
            AccessProfile.TF_STATE,
            prefix=prefix,
            state=StateOptions(lockfile=lockfile, delete_state=delete_state),
        )

    @checked
    def add_to_resource_policy(self, *statements: PolicyStatement) -> None:
        """Add statements to the bucket policy, next to the TLS-only statements."""
        self.resource_policy.add_statements(*statements)

    def _tls_statements(self, min_tls_version: str) -> list[PolicyStatement]:
        everything = (self.bucket_arn, f"{self.bucket_arn}/*")
        # s3:* is right here: a Deny must cover every action, present and future.
        return [
            PolicyStatement(
                sid="DenyInsecureTransport",
                effect="Deny",
                actions=("s3:*",),
                resources=everything,
                principals=(ANYONE,),
                conditions=(Condition("Bool", "aws:SecureTransport", ("false",)),),
            ),
            PolicyStatement(
                sid="DenyOutdatedTls",
                effect="Deny",
                actions=("s3:*",),
                resources=everything,
                principals=(ANYONE,),
                conditions=(Condition("NumericLessThan", "s3:TlsVersion", (min_tls_version,)),),
            ),
        ]

    def _noncurrent_transition(
        self,
    ) -> list[S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition] | None:
        transition = self.options.noncurrent_version_transition
        if transition is None:
            return None
        return [
            S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition(
                noncurrent_days=transition.days, storage_class=transition.storage_class
            )
        ]

    def _lifecycle(self, *, abort_days: int, retention: Retention) -> None:
        # An explicit empty-prefix filter: without one, provider >= 5.86 warns and plans drift.
        everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
        rules = [
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-multipart-uploads",
                status="Enabled",
                filter=everything,
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=abort_days
                    )
                ],
            )
        ]
        if self.versioned:
            rules.append(
                S3BucketLifecycleConfigurationRule(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=everything,
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=retention.days,
                            newer_noncurrent_versions=retention.versions or None,
                        )
                    ],
                    noncurrent_version_transition=self._noncurrent_transition(),
                )
            )
        depends: list[ITerraformDependable] = [self.versioning] if self.versioning else []
        self.lifecycle_configuration = S3BucketLifecycleConfiguration(
            self, "lifecycle", bucket=self.bucket_id, rule=rules, depends_on=depends or None
        )


def _problems(
    *,
    bucket_name: str,
    options: BucketOptions,
    state: bool,
    versioned: bool,
    force_destroy: bool,
    prevent_destroy: bool,
    tags: Mapping[str, str] | None,
) -> list[str]:
    """Every conflicting or out-of-range argument, so one error lists them all."""
    try:
        # Options made with `model_copy` or `model_construct` skipped their field rules.
        BucketOptions.model_validate(options.model_dump())
    except ValidationError as error:
        return [f"options: {e['loc'][0] if e['loc'] else ''} {e['msg']}" for e in error.errors()]
    named = None if is_token(bucket_name) else bucket_name
    problems = [] if named is None else [f"bucket_name {p}" for p in bucket_name_problems(named)]
    problems += [
        f"options.{field} {problem}"
        for field, problem in option_problems(options, state=state, bucket_name=named)
    ]
    if options.replication is not None and not versioned:
        problems.append("options.replication needs versioned=True (S3 replicates versions)")
    if not versioned and (
        options.noncurrent_version_expiration_days is not None
        or options.noncurrent_versions_to_keep is not None
        or options.noncurrent_version_transition is not None
    ):
        problems.append("noncurrent-version options need versioned=True")
    if force_destroy and prevent_destroy:
        problems.append("force_destroy and prevent_destroy contradict each other")
    logging = options.access_logging
    if logging is not None and named is not None and logging.target_bucket == named:
        problems.append(
            "options.access_logging.target_bucket is the bucket itself: each log delivery would"
            " write a new log; use a dedicated log bucket"
        )
    problems += [f"tags {p}" for p in tags_problems(dict(tags or {}))]
    return problems


def _identity_label(identity: WorkloadIdentity) -> str:
    return node_path(identity) if isinstance(identity, Construct) else identity.principal_arn
