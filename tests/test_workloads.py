"""Which workloads are one: the comparison every isolation check shares (no CDK)."""

from __future__ import annotations

from platform_storage.workloads import pod_identity, web_identity

EKS = "oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
GKE = "container.googleapis.com/v1/projects/acme/locations/europe-west1/clusters/ci"
SUBJECT = "system:serviceaccount:runners:runner"


def test_static_keys_without_a_cluster_and_a_non_eks_token_of_the_account_are_one() -> None:
    assert pod_identity(None, "runners", "runner").overlaps(web_identity(GKE, SUBJECT))


def test_an_eks_token_and_pod_identity_on_one_account_are_one() -> None:
    assert web_identity(EKS, SUBJECT).overlaps(pod_identity("platform", "runners", "runner"))


def test_an_eks_token_and_a_token_of_another_clusters_issuer_are_two() -> None:
    """An EKS cluster's pod is never on the cluster behind a GKE issuer."""
    assert not web_identity(EKS, SUBJECT).overlaps(web_identity(GKE, SUBJECT))


def test_pod_identity_and_a_non_eks_token_are_two() -> None:
    assert not pod_identity("platform", "runners", "runner").overlaps(web_identity(GKE, SUBJECT))


def test_tokens_of_two_non_eks_issuers_are_two() -> None:
    other = "k8s.onprem.example.com"
    assert not web_identity(other, SUBJECT).overlaps(web_identity(GKE, SUBJECT))


def test_a_subject_that_is_no_service_account_is_no_pod() -> None:
    assert web_identity(GKE, "repo:acme/app:ref:refs/heads/main").pod is None
