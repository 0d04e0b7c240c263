# This module passes wrong types on purpose, to see them refused at run time.
# mypy: disable-error-code="arg-type,call-arg,list-item,dict-item"
"""Library errors: every public constructor and grant checks its arguments before it changes
anything, names the argument and the construct path in one TypeError or ValueError, and leaves
nothing in the tree when it fails (the next synth still works)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platform_storage.cdk import App, AwsProvider, TerraformStack
from platform_storage.constructs import (
    AccessLogging,
    AccessProfile,
    BucketOptions,
    EcsTaskRole,
    IrsaRole,
    OidcFederatedRole,
    PodIdentityRole,
    PrivateBucket,
    ServiceAccount,
    StateBucket,
    StaticCredentials,
    suppress,
)
from platform_storage.prefixes import PrefixError
from tests.configurations import ACCOUNT_INFO, EKS_ISSUER, GKE_ISSUER


def new_stack(tmp_path: Path) -> TerraformStack:
    """A stack with a provider and one valid bucket, so that a synth runs the rules."""
    stack = TerraformStack(App(outdir=str(tmp_path / "out")), "lib")
    AwsProvider(stack, "aws", region="us-east-2")
    PrivateBucket(stack, "existing", bucket_name="example-existing")
    return stack


def synthesizes(stack: TerraformStack) -> bool:
    """A real synth of the stack's app passes (rules and all)."""
    app = stack.node.root
    assert isinstance(app, App)
    app.synth()
    return True


def children(stack: TerraformStack) -> set[str]:
    return {child.node.id for child in stack.node.children}


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda s: PrivateBucket(s, "b", bucket_name=3), "argument bucket_name must be str"),
        (
            lambda s: PrivateBucket(s, "b", bucket_name="example-b", options={"encryption": 1}),
            "argument options must be BucketOptions",
        ),
        (
            lambda s: PrivateBucket(s, "b", bucket_name="example-b", versioned="yes"),
            "argument versioned must be bool",
        ),
        (
            lambda s: PrivateBucket(s, "b", bucket_name="example-b", tags={"team": 7}),
            "argument tags must be a mapping of str to str or None",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account="123456789012", role_name="r"),
            "argument account must be AwsAccount",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account=ACCOUNT_INFO, role_name="r", path=None),
            "argument path must be str",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account=ACCOUNT_INFO, role_name="r", max_session=1),
            "unknown option 'max_session'",
        ),
        (
            lambda s: OidcFederatedRole(
                s,
                "r",
                account=ACCOUNT_INFO,
                role_name="r",
                issuer=GKE_ISSUER,
                subjects="repo:acme/app:ref:refs/heads/main",
            ),
            "argument subjects must be a list of str, not str",
        ),
        (
            lambda s: IrsaRole(
                s,
                "r",
                account=ACCOUNT_INFO,
                role_name="r",
                oidc_issuer=EKS_ISSUER,
                service_accounts=[("runner", "runner")],
            ),
            "argument service_accounts must be a list of ServiceAccount",
        ),
        (
            lambda s: PodIdentityRole(
                s,
                "r",
                account=ACCOUNT_INFO,
                role_name="r",
                cluster_name=None,
                service_accounts=[ServiceAccount("runner", "runner")],
            ),
            "argument cluster_name must be str",
        ),
        (
            lambda s: StaticCredentials(s, "u", account=ACCOUNT_INFO, user_name=["u"]),
            "argument user_name must be str",
        ),
    ],
)
def test_a_wrong_type_is_one_type_error_naming_argument_and_path(
    build: Any, argument: str, tmp_path: Path
) -> None:
    stack = new_stack(tmp_path)
    before = children(stack)
    with pytest.raises(TypeError) as raised:
        build(stack)
    message = str(raised.value)
    assert argument in message
    assert "lib/" in message, message
    assert children(stack) == before
    assert synthesizes(stack)


def test_a_scope_that_is_not_a_construct_is_refused() -> None:
    with pytest.raises(TypeError, match="scope must be a Construct"):
        PrivateBucket(None, "bucket", bucket_name="example-artifacts")


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (
            lambda s: StateBucket(
                s,
                "state",
                bucket_name="example-tfstate",
                options=BucketOptions(noncurrent_versions_to_keep=0),
            ),
            "StateBucket lib/state: options.noncurrent_versions_to_keep is 0",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account=ACCOUNT_INFO, role_name="x" * 65),
            "EcsTaskRole lib/r: role_name",
        ),
        (
            lambda s: OidcFederatedRole(
                s,
                "r",
                account=ACCOUNT_INFO,
                role_name="r",
                issuer="https://*",
                subjects=["ci"],
            ),
            "OidcFederatedRole lib/r: issuer 'https://*' must name a DNS host",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account=ACCOUNT_INFO, role_name="r", region="cn-north-1"),
            "region 'cn-north-1' is not a region of partition 'aws'",
        ),
        (
            lambda s: PrivateBucket(s, "b", bucket_name="example-b", tags={"aws:x": "y"}),
            "uses the prefix 'aws:'",
        ),
    ],
)
def test_a_bad_value_is_one_value_error_and_leaves_nothing(
    build: Any, words: str, tmp_path: Path
) -> None:
    stack = new_stack(tmp_path)
    before = children(stack)
    with pytest.raises(ValueError) as raised:
        build(stack)
    assert words in str(raised.value)
    assert children(stack) == before
    assert synthesizes(stack)


def test_a_failed_role_takes_back_the_oidc_provider_it_created(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    before = children(stack)
    with pytest.raises(ValueError, match="max_session_duration"):
        OidcFederatedRole(
            stack,
            "ci",
            account=ACCOUNT_INFO,
            role_name="ci",
            issuer=GKE_ISSUER,
            subjects=["ci"],
            create_oidc_provider=True,
            max_session_duration=60,
        )
    assert children(stack) == before


def test_a_refused_grant_records_nothing(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    bucket = StateBucket(stack, "state", bucket_name="example-tfstate")
    first = EcsTaskRole(stack, "first", account=ACCOUNT_INFO, role_name="first")
    second = EcsTaskRole(stack, "second", account=ACCOUNT_INFO, role_name="second")
    bucket.grant_state_access(first, "team")
    with pytest.raises(PrefixError, match="repeats or nests"):
        bucket.grant_state_access(second, "team/eu")
    assert second.storage_statements == ()
    bucket.grant_state_access(second, "ops")
    assert synthesizes(stack)


def test_a_grant_of_the_wrong_kind_names_its_argument(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    bucket = PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
    role = EcsTaskRole(stack, "role", account=ACCOUNT_INFO, role_name="role")
    with pytest.raises(TypeError, match="argument identity must be WorkloadIdentity"):
        bucket.grant("arn:aws:iam::123456789012:role/x", AccessProfile.READ_ONLY)
    with pytest.raises(TypeError, match=r"PrivateBucket\.grant lib/bucket: argument profile"):
        bucket.grant(role, "read-only")
    with pytest.raises(TypeError, match="argument prefix must be str or None"):
        bucket.grant_read(role, ["team"])
    assert role.storage_statements == ()


class _KeysOfAnotherTool:
    """A user's identity: its ARNs are plain attributes, set per instance."""

    def __init__(self) -> None:
        self.principal_arn = "arn:aws:iam::123456789012:user/tool"
        self.arn_reference = "arn:aws:iam::123456789012:user/tool"
        self.statements: list[Any] = []

    def check_policy_statements(self, statements: Any) -> None:
        pass

    def add_policy_statements(self, *statements: Any) -> None:
        self.statements.extend(statements)


def test_an_identity_of_the_users_own_class_is_accepted(tmp_path: Path) -> None:
    bucket = PrivateBucket(new_stack(tmp_path), "bucket", bucket_name="example-artifacts")
    identity = _KeysOfAnotherTool()
    bucket.grant_read(identity, "team")
    assert identity.statements


class _ReadsFail(_KeysOfAnotherTool):
    @property
    def arn_reference(self) -> str:
        raise AssertionError("the identity check read a property")

    @arn_reference.setter
    def arn_reference(self, value: str) -> None:
        pass


def test_checking_an_identity_reads_none_of_its_properties(tmp_path: Path) -> None:
    # A construct's property is a jsii round trip: hundreds of runners paid one per grant.
    bucket = PrivateBucket(new_stack(tmp_path), "bucket", bucket_name="example-artifacts")
    bucket.grant_read(_ReadsFail(), "team")


def test_suppressing_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    bucket = PrivateBucket(new_stack(tmp_path), "bucket", bucket_name="example-artifacts")
    with pytest.raises(ValueError, match="unknown rule 'PS-S3-9'"):
        suppress(bucket, "PS-S3-9", reason="a reason long enough to be accepted here")


def test_oidc_providers_whose_ids_read_alike_are_refused(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)

    def role(index: int, issuer: str) -> OidcFederatedRole:
        return OidcFederatedRole(
            stack,
            f"ci{index}",
            account=ACCOUNT_INFO,
            role_name=f"ci{index}",
            issuer=issuer,
            subjects=["ci"],
            create_oidc_provider=True,
        )

    role(0, "https://issuer.example.com/a.b")
    with pytest.raises(ValueError, match="would both be 'oidc-provider-issuer-example-com-a-b'"):
        role(1, "https://issuer.example.com/a-b")
    assert synthesizes(stack)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (
            lambda s: IrsaRole(
                s,
                "r",
                account=ACCOUNT_INFO,
                role_name="r",
                oidc_issuer=EKS_ISSUER,
                service_accounts=[ServiceAccount("runner", "runner")],
                tags={"team": '${file("/etc/passwd")}'},
            ),
            "argument tags may not contain '${'",
        ),
        (
            lambda s: StaticCredentials(
                s,
                "u",
                account=ACCOUNT_INFO,
                user_name="u",
                tags={"k": "%{ for x in [1] }y%{ endfor }"},
            ),
            "argument tags may not contain '%{'",
        ),
        (
            lambda s: EcsTaskRole(
                s, "r", account=ACCOUNT_INFO, role_name="r", permissions_boundary_arn="not-an-arn"
            ),
            "permissions_boundary_arn 'not-an-arn' must be a managed policy ARN",
        ),
        (
            lambda s: EcsTaskRole(s, "r", account=ACCOUNT_INFO, role_name="r", tags={"aws:x": "y"}),
            "uses the prefix 'aws:'",
        ),
        (
            lambda s: PrivateBucket(s, "a/b", bucket_name="example-b"),
            "id 'a/b' may not contain '/'",
        ),
        (
            lambda s: PodIdentityRole(
                s,
                "pod",
                account=ACCOUNT_INFO,
                role_name="pod",
                cluster_name="platform",
                service_accounts=[ServiceAccount("a-b", "c"), ServiceAccount("a", "b-c")],
            ),
            "repeat or read alike",
        ),
        (
            lambda s: PrivateBucket(
                s,
                "b",
                bucket_name="example-b",
                options=BucketOptions().model_copy(
                    update={"abort_incomplete_multipart_upload_days": -5}
                ),
            ),
            "abort_incomplete_multipart_upload_days",
        ),
        (
            lambda s: PrivateBucket(
                s,
                "b",
                bucket_name="example-b",
                options=BucketOptions(access_logging=AccessLogging(target_bucket="example-b")),
            ),
            "is the bucket itself",
        ),
    ],
)
def test_what_the_review_slipped_past_is_refused(build: Any, words: str, tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    before = children(stack)
    with pytest.raises((TypeError, ValueError)) as raised:
        build(stack)
    assert words in str(raised.value)
    assert children(stack) == before
    assert synthesizes(stack)


def test_static_credentials_may_not_share_output_names(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    StaticCredentials(stack, "team-a", account=ACCOUNT_INFO, user_name="team-a-user")
    with pytest.raises(ValueError, match="output 'team_a_access_key_id' is already lib/team-a's"):
        StaticCredentials(stack, "team_a", account=ACCOUNT_INFO, user_name="team-b-user")


def test_buckets_whose_ids_read_alike_can_both_be_granted(tmp_path: Path) -> None:
    stack = new_stack(tmp_path)
    role = EcsTaskRole(stack, "role", account=ACCOUNT_INFO, role_name="role")
    for id in ("data-x", "data_x"):
        PrivateBucket(stack, id, bucket_name=f"example-{id.replace('_', '--')}").grant_read(role)
    assert len({s.sid for s in role.storage_statements}) == len(role.storage_statements) == 4
    assert synthesizes(stack)
