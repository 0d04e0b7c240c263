"""The IAM invariants (PS-IAM-*): pure rules over documents, and the aspect failing a real synth."""

from __future__ import annotations

import copy
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from platform_storage.cdk import IamRole, TerraformStack
from platform_storage.constructs import (
    EcsTaskRole,
    IrsaRole,
    OidcFederatedRole,
    PodIdentityRole,
    PolicyDocument,
    ServiceAccount,
    WorkloadRole,
)
from platform_storage.policy import Condition, PolicyStatement, Principal
from platform_storage.rules import check_document
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.validation import apply_rules
from tests.configurations import ACCOUNT_INFO, EKS_ISSUER, real_synth

Doc = dict[str, Any]
HOST = EKS_ISSUER.removeprefix("https://")


def rule_ids(doc: Doc) -> set[str]:
    return {f.rule_id for f in check_document(TerraformDocument(doc))}


def test_library_policies_break_no_iam_rule(synthesized: dict[str, Doc]) -> None:
    for name, doc in synthesized.items():
        assert rule_ids(doc) == set(), name


def trust_doc(doc: Doc, role_name: str) -> dict[str, Any]:
    for role in doc["resource"]["aws_iam_role"].values():
        if role["name"] == role_name:
            address = role["assume_role_policy"][
                len("${data.aws_iam_policy_document.") : -len(".json}")
            ]
            return dict(doc["data"]["aws_iam_policy_document"][address])
    raise KeyError(role_name)


def test_trust_without_aud_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    (statement,) = trust_doc(doc, "example-irsa")["statement"]
    statement["condition"] = [
        c for c in statement["condition"] if not c["variable"].endswith(":aud")
    ]
    assert rule_ids(doc) == {"PS-IAM-3"}


def test_trust_with_wildcard_sub_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    (statement,) = trust_doc(doc, "example-irsa")["statement"]
    for condition in statement["condition"]:
        if condition["variable"].endswith(":sub"):
            condition["test"] = "StringLike"
            condition["values"] = ["system:serviceaccount:runner:*"]
    assert rule_ids(doc) == {"PS-IAM-3"}


def test_trust_for_another_issuer_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    (statement,) = trust_doc(doc, "example-irsa")["statement"]
    statement["principals"][0]["identifiers"] = [
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER"
    ]
    assert rule_ids(doc) == {"PS-IAM-3"}


def test_literal_json_policy_with_s3_star_is_reported(synthesized: dict[str, Doc]) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    policy = next(iter(doc["resource"]["aws_iam_policy"].values()))
    policy["policy"] = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    assert rule_ids(doc) == {"PS-IAM-1", "PS-IAM-2"}


def test_deny_with_s3_star_is_not_a_finding(synthesized: dict[str, Doc]) -> None:
    """The TLS-only bucket policy denies s3:*; only grants are held to the rules."""
    assert "s3:*" in json.dumps(synthesized["private_default"]["data"])
    assert rule_ids(synthesized["private_default"]) == set()


synth_app = partial(real_synth, stack_name="iam")


def test_identity_grant_of_s3_star_fails_the_real_synth(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        role = IrsaRole(
            stack,
            "runner",
            account=ACCOUNT_INFO,
            role_name="runner",
            oidc_issuer=EKS_ISSUER,
            service_accounts=[ServiceAccount("runner", "runner")],
        )
        role.add_policy_statements(
            PolicyStatement(sid="Everything", effect="Allow", actions=("s3:*",), resources=("*",))
        )

    with pytest.raises(RuntimeError) as raised:
        synth_app(tmp_path, build)
    assert "[iam/runner/storage-document] [PS-IAM-1]" in str(raised.value)
    assert "[PS-IAM-2]" in str(raised.value)


def test_hand_written_role_trusting_any_service_account_fails_the_real_synth(
    tmp_path: Path,
) -> None:
    def build(stack: TerraformStack) -> None:
        apply_rules(stack)
        trust = PolicyDocument(
            stack,
            "trust",
            statements=[
                PolicyStatement(
                    sid="AnyServiceAccount",
                    effect="Allow",
                    actions=("sts:AssumeRoleWithWebIdentity",),
                    principals=(
                        Principal("Federated", (ACCOUNT_INFO.oidc_provider_arn(EKS_ISSUER),)),
                    ),
                    conditions=(
                        Condition("StringLike", f"{HOST}:sub", ("system:serviceaccount:*",)),
                    ),
                )
            ],
        )
        IamRole(stack, "loose", name="loose", assume_role_policy=trust.json)

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-3\].*no StringEquals on .*:sub"):
        synth_app(tmp_path, build)


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}, "PS-IAM-1"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"}, "PS-IAM-2"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:*:s3:::*/*"}, "PS-IAM-2"),
    ],
)
def test_broad_grants_in_other_shapes_are_reported(
    synthesized: dict[str, Doc], statement: dict[str, Any], rule: str
) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    policy = next(iter(doc["resource"]["aws_iam_policy"].values()))
    policy["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert rule_ids(doc) == {rule}


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        (
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:1:key/*"},
            "PS-IAM-4",
        ),
        ({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}, "PS-IAM-4"),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-*/x/*"},
            "PS-IAM-2",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"},
            "PS-IAM-2",
        ),
    ],
)
def test_grants_on_wildcard_resources_are_reported(
    synthesized: dict[str, Doc], statement: dict[str, Any], rule: str
) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    policy = next(iter(doc["resource"]["aws_iam_policy"].values()))
    policy["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert rule_ids(doc) == {rule}


def test_a_key_policy_on_its_own_key_is_not_a_wildcard_grant(synthesized: dict[str, Doc]) -> None:
    """In a key policy, `Resource: "*"` means the key itself: only identity policies are held
    to PS-IAM-2 and PS-IAM-4."""
    key = next(iter(synthesized["private_full"]["resource"]["aws_kms_key"].values()))
    assert '"Resource": "*"' in key["policy"]
    assert rule_ids(synthesized["private_full"]) == set()


def two_irsa_roles(stack: TerraformStack, second: ServiceAccount) -> None:
    for name, account in (("first", ServiceAccount("runner", "runner")), ("second", second)):
        IrsaRole(
            stack,
            name,
            account=ACCOUNT_INFO,
            role_name=name,
            oidc_issuer=EKS_ISSUER,
            service_accounts=[account],
        )


def test_two_roles_trusting_one_service_account_fail_the_real_synth(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"\[PS-IAM-5\].*service account runner/runner"):
        synth_app(tmp_path, lambda stack: two_irsa_roles(stack, ServiceAccount("runner", "runner")))


def test_roles_of_distinct_service_accounts_pass(tmp_path: Path) -> None:
    synth_app(tmp_path, lambda stack: two_irsa_roles(stack, ServiceAccount("runner", "other")))


def test_irsa_and_pod_identity_on_one_service_account_fail(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        two_irsa_roles(stack, ServiceAccount("runner", "other"))
        PodIdentityRole(
            stack,
            "pod",
            account=ACCOUNT_INFO,
            role_name="pod",
            cluster_name="platform",
            service_accounts=[ServiceAccount("runner", "runner")],
        )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-5\]"):
        synth_app(tmp_path, build)


def test_two_stacks_trusting_one_workload_fail_the_real_synth(tmp_path: Path) -> None:
    from platform_storage.cdk import App, AwsProvider

    app = App(outdir=str(tmp_path / "out"))
    for name, subject in (
        ("first", "repo:acme/app:ref:main"),
        ("second", "repo:acme/app:ref:main"),
    ):
        stack = TerraformStack(app, name)
        AwsProvider(stack, "aws", region="us-east-2")
        OidcFederatedRole(
            stack,
            "ci",
            account=ACCOUNT_INFO,
            role_name=f"ci-{name}",
            issuer="https://token.actions.githubusercontent.com",
            subjects=[subject],
            audience=f"aud-{name}",
        )
    with pytest.raises(
        RuntimeError, match=r"\[second/ci/role\] \[PS-IAM-5\].*first/ci/role trusts too"
    ):
        app.synth()


def web_identity_statement(action: str, conditions: tuple[Condition, ...] = ()) -> PolicyStatement:
    return PolicyStatement(
        sid="Trust",
        effect="Allow",
        actions=(action,),
        principals=(Principal("Federated", (ACCOUNT_INFO.oidc_provider_arn(EKS_ISSUER),)),),
        conditions=conditions,
    )


@pytest.mark.parametrize(
    "action", ["sts:assumerolewithwebidentity", "sts:AssumeRoleWith*", "sts:*WebIdentity"]
)
def test_web_identity_trust_is_found_whatever_the_action_spelling(
    action: str, tmp_path: Path
) -> None:
    """IAM matches actions without case and with wildcards; so do the rules."""

    def build(stack: TerraformStack) -> None:
        WorkloadRole(
            stack,
            "loose",
            account=ACCOUNT_INFO,
            role_name="loose",
            trust=[web_identity_statement(action)],
        )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-3\]"):
        synth_app(tmp_path, build)


def test_a_second_role_with_an_odd_action_spelling_is_still_one_workload(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        two_irsa_roles(stack, ServiceAccount("runner", "other"))
        WorkloadRole(
            stack,
            "odd",
            account=ACCOUNT_INFO,
            role_name="odd",
            trust=[
                web_identity_statement(
                    "sts:assumeRoleWithWebIdentity",
                    (
                        Condition("StringEquals", f"{HOST}:aud", ("sts.amazonaws.com",)),
                        Condition(
                            "StringEquals", f"{HOST}:sub", ("system:serviceaccount:runner:runner",)
                        ),
                    ),
                )
            ],
        )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-5\]"):
        synth_app(tmp_path, build)


def test_a_role_inline_policy_is_judged(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        role = IrsaRole(
            stack,
            "runner",
            account=ACCOUNT_INFO,
            role_name="runner",
            oidc_issuer=EKS_ISSUER,
            service_accounts=[ServiceAccount("runner", "runner")],
        )
        wide = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [wide]})
        role.role.add_override("inline_policy", [{"name": "extra", "policy": document}])

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-2\]"):
        synth_app(tmp_path, build)


def test_a_wildcard_after_a_bucket_reference_is_a_wildcard_bucket(tmp_path: Path) -> None:
    from platform_storage.constructs import PrivateBucket

    def build(stack: TerraformStack) -> None:
        bucket = PrivateBucket(stack, "bucket", bucket_name="example-b")
        role = EcsTaskRole(stack, "role", account=ACCOUNT_INFO, role_name="role")
        role.add_policy_statements(
            PolicyStatement(
                sid="Wide",
                effect="Allow",
                actions=("s3:GetObject",),
                resources=(f"{bucket.bucket_arn}*",),
            )
        )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-2\]"):
        synth_app(tmp_path, build)


@pytest.mark.parametrize(
    ("policy_arn", "rule"),
    [("arn:aws:iam::aws:policy/AmazonS3FullAccess", "PS-IAM-7")],
)
def test_an_attached_policy_the_stack_does_not_hold_is_reported(
    policy_arn: str, rule: str, tmp_path: Path
) -> None:
    from platform_storage.cdk import IamRolePolicyAttachment

    def build(stack: TerraformStack) -> None:
        role = EcsTaskRole(stack, "role", account=ACCOUNT_INFO, role_name="role")
        IamRolePolicyAttachment(stack, "attach", role=role.role.name, policy_arn=policy_arn)

    with pytest.raises(RuntimeError, match=rf"\[{rule}\]"):
        synth_app(tmp_path, build)


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:us-east-2:123456789012:accesspoint/*",
        "arn:aws:s3:us-east-2:123456789012:accesspoint/a*/object/x",
    ],
)
def test_access_points_by_pattern_are_wildcard_grants(
    synthesized: dict[str, Doc], resource: str
) -> None:
    doc = copy.deepcopy(synthesized["identities"])
    policy = next(iter(doc["resource"]["aws_iam_policy"].values()))
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
    policy["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert rule_ids(doc) == {"PS-IAM-2"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("arn:aws:iam::123456789012:root", "123456789012"),
        ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/ci"),
        ("arn:aws:iam::123456789012:role/ci", "arn:aws:iam::123456789012:role/ci"),
    ],
)
def test_principals_that_include_each_other_are_one_workload(
    first: str, second: str, tmp_path: Path
) -> None:
    def build(stack: TerraformStack) -> None:
        for name, principal in (("first", first), ("second", second)):
            WorkloadRole(
                stack,
                name,
                account=ACCOUNT_INFO,
                role_name=name,
                trust=[
                    PolicyStatement(
                        sid="Trust",
                        effect="Allow",
                        actions=("sts:AssumeRole",),
                        principals=(Principal("AWS", (principal,)),),
                    )
                ],
            )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-5\]"):
        synth_app(tmp_path, build)


def test_a_trust_of_everyone_is_reported(tmp_path: Path) -> None:
    def build(stack: TerraformStack) -> None:
        WorkloadRole(
            stack,
            "open",
            account=ACCOUNT_INFO,
            role_name="open",
            trust=[
                PolicyStatement(
                    sid="Anyone",
                    effect="Allow",
                    actions=("sts:AssumeRole",),
                    principals=(Principal("AWS", ("*",)),),
                )
            ],
        )

    with pytest.raises(RuntimeError, match=r"\[PS-IAM-6\]"):
        synth_app(tmp_path, build)


def test_nested_stacks_and_stacks_without_library_constructs_are_compared(
    tmp_path: Path,
) -> None:
    from platform_storage.cdk import App, AwsProvider, Construct, IamRole

    app = App(outdir=str(tmp_path / "out"))
    first = TerraformStack(Construct(app, "group"), "first")
    AwsProvider(first, "aws", region="us-east-2")
    two_irsa_roles(first, ServiceAccount("runner", "other"))
    plain = TerraformStack(app, "plain")
    AwsProvider(plain, "aws", region="us-east-2")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": ACCOUNT_INFO.oidc_provider_arn(EKS_ISSUER)},
                "Condition": {
                    "StringEquals": {
                        f"{HOST}:sub": "system:serviceaccount:runner:runner",
                        f"{HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
    IamRole(plain, "hand-written", name="hand-written", assume_role_policy=json.dumps(trust))
    with pytest.raises(RuntimeError, match=r"\[plain/hand-written\] \[PS-IAM-5\]"):
        app.synth()


def named_roles_doc(*names: str) -> Doc:
    return {
        "resource": {
            "aws_iam_role": {
                f"role{index}": {"name": name, "assume_role_policy": "{}"}
                for index, name in enumerate(names)
            }
        }
    }


def test_two_roles_whose_names_differ_only_in_case_are_reported() -> None:
    findings = check_document(TerraformDocument(named_roles_doc("Team-A", "team-a")))
    assert [(f.rule_id, f.address) for f in findings] == [("PS-IAM-8", "aws_iam_role.role1")]
    assert "IAM compares names without case" in findings[0].message


def test_a_role_and_a_user_may_share_a_name() -> None:
    """IAM keeps roles and users apart: one name may be both."""
    doc = named_roles_doc("ci")
    doc["resource"]["aws_iam_user"] = {"user": {"name": "ci"}}
    assert rule_ids(doc) == set()


def test_two_stacks_with_one_role_name_fail_the_real_synth(tmp_path: Path) -> None:
    from platform_storage.cdk import App, AwsProvider

    app = App(outdir=str(tmp_path / "out"))
    for stack_name, role_name in (("first", "ci-deploy"), ("second", "CI-Deploy")):
        stack = TerraformStack(app, stack_name)
        AwsProvider(stack, "aws", region="us-east-2")
        OidcFederatedRole(
            stack,
            "ci",
            account=ACCOUNT_INFO,
            role_name=role_name,
            issuer="https://token.actions.githubusercontent.com",
            subjects=[f"repo:acme/{stack_name}:ref:refs/heads/main"],
        )
    with pytest.raises(RuntimeError, match=r"\[second/ci/role\] \[PS-IAM-8\].*first/ci/role"):
        app.synth()


def static_keys_read_by(stack: TerraformStack, reader: str | None) -> None:
    from platform_storage.constructs import KeySecrets, StaticCredentials

    role = IrsaRole(
        stack,
        "runner-a",
        account=ACCOUNT_INFO,
        role_name="runner-a",
        oidc_issuer=EKS_ISSUER,
        service_accounts=[ServiceAccount("runner", "a")],
    )
    keys = StaticCredentials(stack, "runner-b", account=ACCOUNT_INFO, user_name="runner-b")
    KeySecrets(
        stack,
        "runner-b-secrets",
        credentials=keys,
        reader_arn=reader if reader is not None else role.arn_reference,
        name_prefix="platform-storage/runner-b",
    )


@pytest.mark.parametrize(
    "reader",
    [None, "arn:aws:iam::123456789012:role/team/RUNNER-A"],
    ids=["by-reference", "by-arn-in-another-case-and-path"],
)
def test_key_secrets_read_by_another_identity_of_the_stack_fail_the_real_synth(
    reader: str | None, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match=r"\[PS-IAM-9\].*runner-a/role"):
        real_synth(tmp_path, partial(static_keys_read_by, reader=reader), "keys")


def test_key_secrets_read_by_an_execution_role_of_their_own_pass(tmp_path: Path) -> None:
    reader = "arn:aws:iam::123456789012:role/runner-b-execution"
    real_synth(tmp_path, partial(static_keys_read_by, reader=reader), "keys")


def test_key_secrets_read_by_a_role_of_another_stack_fail_the_real_synth(tmp_path: Path) -> None:
    from platform_storage.cdk import App, AwsProvider
    from platform_storage.constructs import KeySecrets, StaticCredentials

    app = App(outdir=str(tmp_path / "out"))
    keys_stack = TerraformStack(app, "keys")
    AwsProvider(keys_stack, "aws", region="us-east-2")
    keys = StaticCredentials(keys_stack, "runner-b", account=ACCOUNT_INFO, user_name="runner-b")
    KeySecrets(
        keys_stack,
        "runner-b-secrets",
        credentials=keys,
        reader_arn="arn:aws:iam::123456789012:role/massdriver-storage",
        name_prefix="platform-storage/runner-b",
    )
    roles_stack = TerraformStack(app, "roles")
    AwsProvider(roles_stack, "aws", region="us-east-2")
    IrsaRole(
        roles_stack,
        "storage",
        account=ACCOUNT_INFO,
        role_name="massdriver-storage",
        oidc_issuer=EKS_ISSUER,
        service_accounts=[ServiceAccount("massdriver", "massdriver-s3proxy")],
    )
    with pytest.raises(RuntimeError, match=r"\[PS-IAM-9\].*roles/storage/role"):
        app.synth()
