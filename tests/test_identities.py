"""Trust policies of each identity kind, exact structure; names, ARNs and options."""

from __future__ import annotations

from typing import Any

import pytest

from platform_storage.cdk import App, TerraformStack
from platform_storage.constructs import (
    AwsAccount,
    EcsTaskRole,
    IrsaRole,
    OidcFederatedRole,
    ServiceAccount,
    StaticCredentials,
)
from tests.configurations import ACCOUNT_INFO, EKS_ISSUER, GKE_ISSUER
from tests.helpers import named, only
from tests.policy_eval import trust_policy

Doc = dict[str, Any]
EKS_HOST = EKS_ISSUER.removeprefix("https://")
GKE_HOST = GKE_ISSUER.removeprefix("https://")


@pytest.fixture(scope="module")
def doc(synthesized: dict[str, Doc]) -> Doc:
    return synthesized["identities"]


def test_irsa_trust_is_exact_sub_and_aud(doc: Doc) -> None:
    assert trust_policy(doc, "example-irsa") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FederatedWorkloadAssumesRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{EKS_HOST}"},
                "Condition": {
                    "StringEquals": {
                        f"{EKS_HOST}:aud": "sts.amazonaws.com",
                        f"{EKS_HOST}:sub": "system:serviceaccount:runner:humanitec-runner",
                    }
                },
            }
        ],
    }


def test_oidc_federation_trust_uses_the_created_provider(doc: Doc) -> None:
    provider = only(doc, "aws_iam_openid_connect_provider").config
    assert provider["url"] == GKE_ISSUER
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert trust_policy(doc, "example-gke")["Statement"] == [
        {
            "Sid": "FederatedWorkloadAssumesRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{GKE_HOST}"},
            "Condition": {
                "StringEquals": {
                    f"{GKE_HOST}:aud": "sts.amazonaws.com",
                    f"{GKE_HOST}:sub": "system:serviceaccount:runner:humanitec-runner",
                }
            },
        }
    ]


def test_pod_identity_trust_is_scoped_by_session_tags(doc: Doc) -> None:
    assert trust_policy(doc, "example-pod-identity")["Statement"] == [
        {
            "Sid": "PodIdentity1",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-name": "platform",
                    "aws:RequestTag/kubernetes-namespace": "massdriver",
                    "aws:RequestTag/kubernetes-service-account": "massdriver-s3proxy",
                }
            },
        }
    ]


def test_pod_identity_association_binds_cluster_namespace_and_service_account(doc: Doc) -> None:
    association = only(doc, "aws_eks_pod_identity_association").config
    role = named(doc, "aws_iam_role", "example-pod-identity")
    assert association["cluster_name"] == "platform"
    assert association["namespace"] == "massdriver"
    assert association["service_account"] == "massdriver-s3proxy"
    assert association["role_arn"] == role.ref("arn")


def test_ecs_task_trust_guards_against_confused_deputy(doc: Doc) -> None:
    assert trust_policy(doc, "example-ecs-task")["Statement"] == [
        {
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-2:123456789012:*"},
            },
        }
    ]


def test_role_options_reach_the_role(doc: Doc) -> None:
    role = named(doc, "aws_iam_role", "example-irsa")
    assert role.config["path"] == "/platform-storage/"
    assert role.config["max_session_duration"] == 7200
    assert role.config["permissions_boundary"] == "arn:aws:iam::123456789012:policy/boundary"


def test_role_arn_is_known_at_synth_from_account_path_and_name() -> None:
    stack = TerraformStack(App(), "arns")
    role = IrsaRole(
        stack,
        "irsa",
        account=AwsAccount(account_id="123456789012", region="cn-north-1", partition="aws-cn"),
        role_name="runner",
        oidc_issuer=EKS_ISSUER,
        service_accounts=[ServiceAccount("runner", "runner")],
        path="/ps/",
    )
    assert role.role_arn == "arn:aws-cn:iam::123456789012:role/ps/runner"


def test_static_credentials_keep_the_secret_in_a_sensitive_output(doc: Doc) -> None:
    outputs = doc["output"]
    assert outputs["static_secret_access_key"]["sensitive"] is True
    assert outputs["static_secret_access_key"]["value"].endswith(".secret}")
    assert "sensitive" not in outputs["static_access_key_id"]


def test_static_credentials_attach_policy_to_a_group_not_the_user(doc: Doc) -> None:
    attachment = only(doc, "aws_iam_group_policy_attachment").config
    group = only(doc, "aws_iam_group")
    assert attachment["group"] == group.ref("name")
    assert "aws_iam_user_policy_attachment" not in doc["resource"]
    assert "aws_iam_user_policy" not in doc["resource"]


def test_static_credentials_warn_at_synth_that_federation_is_better() -> None:
    from platform_storage.cdk import Testing

    app = Testing.app()
    stack = TerraformStack(app, "static")
    creds = StaticCredentials(stack, "static", account=ACCOUNT_INFO, user_name="massdriver")
    warnings = [
        entry.data
        for entry in creds.node.metadata
        if entry.type == "@cdktf/warning" or "warn" in entry.type
    ]
    assert any("prefer IRSA" in str(w) for w in warnings), creds.node.metadata


def test_wildcard_subject_is_refused() -> None:
    with pytest.raises(ValueError, match="must be exact"):
        OidcFederatedRole(
            TerraformStack(App(), "wild"),
            "gke",
            account=ACCOUNT_INFO,
            role_name="gke",
            issuer=GKE_ISSUER,
            subjects=["system:serviceaccount:runner:*"],
        )


@pytest.mark.parametrize(
    ("issuer", "rule"),
    [
        ("http://oidc.example.com", "https://"),
        ("https://oidc.example.com/", "may not end with '/'"),
        ("https://oidc.example.com?x=1", "query"),
    ],
)
def test_malformed_issuer_is_refused(issuer: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        OidcFederatedRole(
            TerraformStack(App(), "issuer"),
            "oidc",
            account=ACCOUNT_INFO,
            role_name="oidc",
            issuer=issuer,
            subjects=["repo:acme/infra:ref:refs/heads/main"],
        )


def test_role_options_out_of_range_are_listed_together() -> None:
    with pytest.raises(ValueError) as raised:
        EcsTaskRole(
            TerraformStack(App(), "range"),
            "ecs",
            account=ACCOUNT_INFO,
            role_name="x" * 65,
            path="no-slashes",
            max_session_duration=60,
        )
    message = str(raised.value)
    assert "role_name" in message and "path" in message and "max_session_duration" in message


@pytest.mark.parametrize(
    ("namespace", "name"), [("Runner", "runner"), ("runner", "-runner"), ("a" * 64, "runner")]
)
def test_service_account_names_must_be_kubernetes_names(namespace: str, name: str) -> None:
    with pytest.raises(ValueError, match="DNS-1123"):
        ServiceAccount(namespace, name)
