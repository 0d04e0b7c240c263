"""Who may do what on a bucket: one table of actions per profile and one helper that turns a grant
into IAM statements. Every grant of the library goes through `access_statements`. No CDK import.

Prefix scoping: object actions go to `<bucket>/<prefix>/*` only, and `s3:ListBucket` carries an
`s3:prefix` condition limited to `<prefix>/` and `<prefix>/*`. A request that lists without a
prefix has no `s3:prefix` key, so the condition fails and the listing is denied.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum

from platform_storage.policy import Condition, PolicyStatement
from platform_storage.prefixes import normalize_prefix


class AccessProfile(Enum):
    """What a workload does with a bucket. The actions of each are in `PROFILE_ACTIONS`."""

    MASSDRIVER = "massdriver"
    ARGO_ARTIFACTS = "argo-artifacts"
    TF_STATE = "tf-state"
    READ_ONLY = "read-only"


@dataclass(frozen=True)
class ProfileActions:
    objects: tuple[str, ...]
    listing: tuple[str, ...]  # scoped by s3:prefix when the grant has a prefix
    bucket: tuple[str, ...] = ()  # bucket-level actions that do not reveal keys
    whole_bucket_only: tuple[str, ...] = ()  # would reveal other prefixes' keys: dropped on prefix
    writes: bool = True


# Massdriver's public docs ask for s3:HeadBucket, s3:ListObject*, s3:GetObject*, s3:PutObject*,
# s3:DeleteObject* and s3:RestoreObject. Corrected to real, minimal IAM actions:
#   s3:HeadBucket      -> not an IAM action; HeadBucket is authorised by s3:ListBucket
#   s3:ListObject*     -> not an IAM action; ListObjects/ListObjectsV2 are s3:ListBucket
#   s3:GetObject*      -> s3:GetObject (HeadObject too); the rest read ACLs, tags, retention
#   s3:PutObject*      -> s3:PutObject (also Create/Upload/CompleteMultipartUpload); the rest write
#                         ACLs (disabled by BucketOwnerEnforced), retention and legal holds
#   s3:DeleteObject*   -> s3:DeleteObject; version deletion is left to the lifecycle rules
#   multipart uploads  -> s3:AbortMultipartUpload, s3:ListMultipartUploadParts on objects,
#                         s3:ListBucketMultipartUploads on the bucket; s3:GetBucketLocation for
#                         S3Proxy's region lookup
PROFILE_ACTIONS: dict[AccessProfile, ProfileActions] = {
    AccessProfile.MASSDRIVER: ProfileActions(
        objects=(
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
            "s3:RestoreObject",
        ),
        listing=("s3:ListBucket",),
        bucket=("s3:GetBucketLocation",),
        whole_bucket_only=("s3:ListBucketMultipartUploads",),
    ),
    # Argo's artifact driver with artifact GC (which Massdriver turns on). GetBucketLocation is
    # left out: the rendered artifact repository always names the region.
    AccessProfile.ARGO_ARTIFACTS: ProfileActions(
        objects=("s3:DeleteObject", "s3:GetObject", "s3:PutObject"),
        listing=("s3:ListBucket",),
    ),
    # The S3 backend of Terraform / OpenTofu. Delete and lockfiles are options (see
    # StateOptions). Reading the state's older versions lets the runner's own identity list and
    # roll back its environments (`python -m platform_storage state`); it writes no version.
    AccessProfile.TF_STATE: ProfileActions(
        objects=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
        listing=("s3:ListBucket", "s3:ListBucketVersions"),
    ),
    AccessProfile.READ_ONLY: ProfileActions(
        objects=("s3:GetObject",),
        listing=("s3:ListBucket",),
        writes=False,
    ),
}

KMS_READ_ACTIONS = ("kms:Decrypt",)
KMS_WRITE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class StateOptions:
    """Extra rights for `AccessProfile.TF_STATE`.

    - `lockfile` = False: no rights on lock files. True adds Get/Put/Delete on
      `<prefix>/*.tflock`, which S3-native locking (`use_lockfile = true`, Terraform/OpenTofu
      >= 1.10) needs: a backend with `use_lockfile` fails at its first lock without them. (The
      configuration file's runners default to `lockfile: true`, since their rendered backend
      locks.)
    - `delete_state` = False: no right to delete state objects. True adds `s3:DeleteObject` on
      them; Terraform never deletes one, OpenTofu's `workspace delete` does.
    """

    lockfile: bool = False
    delete_state: bool = False


@dataclass(frozen=True)
class Grant:
    """One identity's access to one bucket (or one prefix of it)."""

    bucket_arn: str
    profile: AccessProfile
    prefix: str | None = None
    kms_key_arn: str | None = None
    state: StateOptions = StateOptions()
    label: str = "Bucket"  # statement-id stem, e.g. the bucket's construct id
    place: str | None = None  # what makes the stem unique, e.g. the bucket's construct path


def access_statements(grant: Grant) -> list[PolicyStatement]:
    """The identity-policy statements for `grant`: the single place grants become IAM."""
    actions = PROFILE_ACTIONS[grant.profile]
    prefix = normalize_prefix(grant.prefix) if grant.prefix is not None else None
    objects = f"{grant.bucket_arn}/{prefix}/*" if prefix else f"{grant.bucket_arn}/*"
    stem = statement_stem(grant.label, prefix, place=grant.place)
    statements = []

    listing = actions.listing + (() if prefix else actions.whole_bucket_only)
    statements.append(
        PolicyStatement(
            sid=f"{stem}List",
            effect="Allow",
            actions=tuple(sorted(listing)),
            resources=(grant.bucket_arn,),
            conditions=(
                (Condition("StringLike", "s3:prefix", (f"{prefix}/", f"{prefix}/*")),)
                if prefix
                else ()
            ),
        )
    )
    if actions.bucket:
        statements.append(
            PolicyStatement(
                sid=f"{stem}Bucket",
                effect="Allow",
                actions=actions.bucket,
                resources=(grant.bucket_arn,),
            )
        )

    object_actions = set(actions.objects)
    if grant.profile is AccessProfile.TF_STATE and grant.state.delete_state:
        object_actions.add("s3:DeleteObject")
    statements.append(
        PolicyStatement(
            sid=f"{stem}Objects",
            effect="Allow",
            actions=tuple(sorted(object_actions)),
            resources=(objects,),
        )
    )
    if grant.profile is AccessProfile.TF_STATE and grant.state.lockfile:
        lockfiles = (
            f"{grant.bucket_arn}/{prefix}/*.tflock" if prefix else f"{grant.bucket_arn}/*.tflock"
        )
        statements.append(
            PolicyStatement(
                sid=f"{stem}Lockfiles",
                effect="Allow",
                actions=("s3:DeleteObject", "s3:GetObject", "s3:PutObject"),
                resources=(lockfiles,),
            )
        )
    if grant.kms_key_arn is not None:
        statements.append(
            PolicyStatement(
                sid=f"{stem}Key",
                effect="Allow",
                actions=KMS_WRITE_ACTIONS if actions.writes else KMS_READ_ACTIONS,
                resources=(grant.kms_key_arn,),
            )
        )
    return statements


def statement_stem(label: str, prefix: str | None, *, place: str | None = None) -> str:
    """The start of a grant's statement ids: `state-bucket` and `team-b/eu` ->
    `StateBucketTeamBEu1d6f0e2c`. Statement ids allow only letters and digits, so `team-b`,
    `team/b` and `team.b` all read `TeamB`, and so do buckets `data-x` and `data_x`; a digest of
    the exact prefix and of the bucket's `place` (its construct path) keeps the ids of one
    identity's grants apart. A whole-bucket grant without a place keeps the plain label."""
    if prefix is None and place is None:
        return _camel(label)
    exact = f"{place or ''}\0{prefix or ''}"
    digest = hashlib.sha256(exact.encode()).hexdigest()[:8]
    return f"{_camel(label)}{_camel(prefix or '')}{digest}"


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)
