"""Workloads: what a role's trust lets in, compared the way AWS matches it. No CDK import.

One implementation serves the configuration check (two runners on one service account), the
synth-time rule over the document (PS-IAM-5) and the isolation proofs, so they cannot disagree.

- A web-identity token is (issuer, `sub`). The audience is left out on purpose: the workload
  that requests a token chooses its audience, so two roles that trust one subject for two
  audiences trust the same workload.
- A pod is (cluster, namespace, service account). IRSA reaches it through a token of the
  cluster's issuer, Pod Identity through session tags. Nothing in IAM ties an issuer to a cluster
  name, so the cluster of an IRSA token is any EKS cluster: IRSA and
  Pod Identity on one namespace and service account are taken to be the same pod. A service
  account's token from another issuer is a pod of that issuer's cluster; static keys given to a
  service account without a cluster match it on every cluster.
- A principal is an IAM ARN trusted directly. An account (`123456789012`, or its `:root` ARN)
  stands for every principal of that account, and `*` for every principal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# `oidc.eks.<region>.amazonaws.com[.cn]/id/<ID>`: an EKS cluster's issuer, whose subjects are
# `system:serviceaccount:<namespace>:<name>`.
_EKS_ISSUER = re.compile(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[A-Za-z0-9]+", re.ASCII)

Pod = tuple[str | None, str | None, str | None]
# The cluster of a pod known only by its token's (non-EKS) issuer.
ISSUER_CLUSTER = "the cluster of issuer "
# The cluster of an EKS token: some EKS cluster, never the cluster behind another issuer.
ANY_EKS_CLUSTER = "an EKS cluster"


@dataclass(frozen=True)
class Workload:
    """One of: `token` (issuer host/path, subject), `pod` (cluster, namespace, service account;
    None matches any), `principal` (an ARN)."""

    token: tuple[str, str] | None = None
    pod: Pod | None = None
    principal: str | None = None

    def overlaps(self, other: Workload) -> bool:
        if self.token is not None and self.token == other.token:
            return True
        if (
            self.principal is not None
            and other.principal is not None
            and _principals_overlap(self.principal, other.principal)
        ):
            return True
        if self.pod is None or other.pod is None:
            return False
        (mine, *names), (theirs, *other_names) = self.pod, other.pod
        return _same_cluster(mine, theirs) and all(
            a is None or b is None or a == b for a, b in zip(names, other_names, strict=True)
        )

    def describe(self) -> str:
        if self.pod is not None:
            cluster, namespace, name = self.pod
            if cluster in (None, ANY_EKS_CLUSTER):
                where = ""
            elif cluster.startswith(ISSUER_CLUSTER):
                where = f" on {cluster}"
            else:
                where = f" on cluster {cluster!r}"
            return f"service account {namespace or '*'}/{name or '*'}{where}"
        if self.token is not None:
            return f"token subject {self.token[1]!r} of {self.token[0]}"
        return f"principal {self.principal}"


def service_account_of(subject: str) -> tuple[str, str] | None:
    parts = subject.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
        return parts[2], parts[3]
    return None


def is_eks_issuer(host_path: str) -> bool:
    return _EKS_ISSUER.fullmatch(host_path) is not None


def web_identity(host_path: str, subject: str) -> Workload:
    """The workload of a token; a pod too when the subject is a Kubernetes service account's.
    An EKS issuer's cluster is some EKS cluster (so Pod Identity on the same service account
    matches); another issuer's cluster is the one behind that issuer, which static keys
    without a cluster (any cluster) match, and Pod Identity (an EKS cluster) does not."""
    account = service_account_of(subject)
    pod: Pod | None = None
    if account is not None:
        cluster = ANY_EKS_CLUSTER if is_eks_issuer(host_path) else f"{ISSUER_CLUSTER}{host_path}"
        pod = (cluster, *account)
    return Workload(token=(host_path, subject), pod=pod)


def _same_cluster(first: str | None, second: str | None) -> bool:
    """Whether two pods' clusters may be one: None is any cluster, an EKS token's is any EKS
    cluster (a named one, from Pod Identity or static keys, included)."""
    if first is None or second is None or first == second:
        return True
    if ANY_EKS_CLUSTER in (first, second):
        other = second if first == ANY_EKS_CLUSTER else first
        return not other.startswith(ISSUER_CLUSTER)
    return False


def pod_identity(cluster: str | None, namespace: str | None, name: str | None) -> Workload:
    return Workload(pod=(cluster, namespace, name))


def principal(arn: str) -> Workload:
    """A trusted principal; a bare account id is written as its root ARN."""
    if re.fullmatch(r"[0-9]{12}", arn, re.ASCII):
        arn = f"arn:aws:iam::{arn}:root"
    return Workload(principal=arn)


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" else None


def _principals_overlap(first: str, second: str) -> bool:
    if "*" in (first, second) or first == second:
        return True
    for root, other in ((first, second), (second, first)):
        if root.endswith(":root") and _account(root) == _account(other):
            return True
    return False


class WorkloadIndex(Generic[T]):
    """Workloads seen so far, by their owners, indexed so that a new workload is compared only
    with those it could overlap: one configuration or stack may hold a thousand roles."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], T] = {}
        self._pods: dict[tuple[str, str], list[tuple[Workload, T]]] = {}
        self._loose: list[tuple[Workload, T]] = []  # pods with a wildcard, principals

    def find(self, workload: Workload) -> T | None:
        """The owner of a workload seen before that overlaps `workload`, or None."""
        if workload.token is not None and workload.token in self._tokens:
            return self._tokens[workload.token]
        candidates = list(self._loose)
        pod = workload.pod
        if pod is not None and pod[1] is not None and pod[2] is not None:
            candidates += self._pods.get((pod[1], pod[2]), [])
        elif pod is not None:
            candidates += [entry for entries in self._pods.values() for entry in entries]
        return next((owner for seen, owner in candidates if seen.overlaps(workload)), None)

    def add(self, workload: Workload, owner: T) -> None:
        if workload.token is not None:
            self._tokens.setdefault(workload.token, owner)
        pod = workload.pod
        if pod is not None and pod[1] is not None and pod[2] is not None:
            self._pods.setdefault((pod[1], pod[2]), []).append((workload, owner))
        elif pod is not None or workload.principal is not None:
            self._loose.append((workload, owner))
