"""A generated configuration: Massdriver and 53 runners of every kind and identity, sharing one
KMS-encrypted state bucket, with prefixes that share stems (`g3`, `g3-b`, `g3.b`, `g3b/c`)."""

from __future__ import annotations

import json
from typing import Any

EKS = "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
GKE = "https://container.googleapis.com/v1/projects/acme/locations/europe-west1/clusters/ci"
ONPREM = "https://k8s.onprem.example.com"
AGENT = "https://agents.example.com/oidc"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/ecs-runner-execution"


def _stem(index: int) -> str:
    """Four prefixes per group whose starts coincide but which do not nest."""
    group, member = divmod(index, 4)
    return [f"g{group}", f"g{group}-b", f"g{group}.b", f"g{group}b/c"][member]


def generated_config(runner_count: int = 53) -> dict[str, Any]:
    kinds: list[dict[str, Any]] = []
    for i in range(12):
        kinds.append(
            {"type": "kubernetes-eks", "namespace": f"team-{i}", "service_account": "runner"}
        )
    for i in range(8):
        kinds.append(
            {
                "type": "kubernetes-eks",
                "identity": "pod-identity",
                "namespace": f"pod-{i}",
                "service_account": "runner",
            }
        )
    for i in range(10):
        ecs: dict[str, Any] = {"cluster": "runners", "subnets": ["subnet-0123456789abcdef0"]}
        ecs["execution_role_arn"] = EXECUTION_ROLE
        if i % 5 == 0:
            ecs["region"] = "us-west-2"
        kinds.append({"type": "serverless-ecs", "ecs": ecs})
    for i in range(8):
        kinds.append(
            {
                "type": "kubernetes-gke",
                "oidc": {"issuer": GKE, "subject": f"system:serviceaccount:gke-{i}:runner"},
            }
        )
    for i in range(6):
        kinds.append(
            {
                "type": "kubernetes",
                "oidc": {
                    "issuer": ONPREM,
                    "subject": f"system:serviceaccount:onprem-{i}:runner",
                    "audience": "platform-storage",
                    "create_provider": i == 0,
                },
            }
        )
    for i in range(4):
        kinds.append(
            {"type": "kubernetes-agent", "oidc": {"issuer": AGENT, "subject": f"agent-{i}"}}
        )
    for _ in range(4):
        kinds.append({"type": "kubernetes", "identity": "static"})
    kinds.append(
        {
            "type": "serverless-ecs",
            "identity": "static",
            # Its own execution role: that role reads the runner's keys.
            "ecs": {"execution_role_arn": f"{EXECUTION_ROLE}-static"},
        }
    )
    runners = []
    for index, kind in enumerate(kinds[:runner_count]):
        runners.append(
            {
                "id": f"r{index:02d}-{kind['type'].split('-')[-1]}",
                "path_prefix": _stem(index),
                "lockfile": index % 2 == 0,
                "delete_state": index % 3 == 0,
                **kind,
            }
        )
    return {
        "aws": {"account_id": "123456789012", "region": "us-east-2"},
        "eks": {"oidc_issuer": EKS, "cluster_name": "platform", "create_oidc_provider": True},
        "massdriver": {
            "buckets": {"massdriver": "gen-md-bundles", "state": "gen-md-tfstate"},
            "argo": {"storage": "s3", "bucket": "gen-md-argo"},
            "bucket_options": {"encryption": "sse-kms"},
        },
        "orchestrator": {
            "state_bucket": {"name": "gen-runner-tfstate", "encryption": "sse-kms"},
            "runners": runners,
        },
    }


def stems_config() -> dict[str, Any]:
    """Twelve runners of one bucket whose prefixes share stems (`a`, `a-b`, `a.b`, `ab/c`, ...;
    `a/b` would nest in `a` and is refused), with every identity kind."""
    prefixes = ["a", "a-b", "a.b", "ab/c", "b", "b-c", "b.c", "bc/d", "c", "c_d", "c.d.e", "cd/e/f"]
    kinds: list[dict[str, Any]] = [
        {"type": "kubernetes-eks", "namespace": "ns-{i}", "service_account": "runner"},
        {
            "type": "kubernetes-eks",
            "identity": "pod-identity",
            "namespace": "ns-{i}",
            "service_account": "runner",
        },
        {"type": "serverless-ecs", "ecs": {"execution_role_arn": EXECUTION_ROLE}},
        {"type": "kubernetes-gke", "oidc": {"issuer": GKE, "subject": "runner-{i}"}},
        {"type": "kubernetes", "identity": "static"},
        {
            "type": "serverless-ecs",
            "identity": "static",
            # Its own execution role: that role reads the runner's keys.
            "ecs": {"execution_role_arn": f"{EXECUTION_ROLE}-{{i}}"},
        },
    ]
    runners = []
    for index, prefix in enumerate(prefixes):
        kind = json.loads(json.dumps(kinds[index % len(kinds)]).replace("{i}", str(index)))
        runners.append(
            {"id": f"stem-{index:02d}", "path_prefix": prefix, "lockfile": index != 7, **kind}
        )
    return {
        "aws": {"account_id": "123456789012", "region": "us-east-2"},
        "eks": {"oidc_issuer": EKS, "cluster_name": "platform"},
        "orchestrator": {"state_bucket": {"name": "stems-runner-tfstate"}, "runners": runners},
    }
