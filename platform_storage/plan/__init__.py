"""What a configuration builds, derived once: buckets, identities, names, files. No CDK import.

`load_plan(path)` is the way in: it checks the file (every field and cross-field rule, and the
rules below about derived names and workloads) and returns an `AppPlan`. The stacks build from
the plan and the renderers write from it, so a role ARN in the Helm values is the one the stack
creates, and no name is worked out twice.
"""

from __future__ import annotations

from pathlib import Path

from platform_storage.config import parse_config, read_config
from platform_storage.plan.derive import build_plan
from platform_storage.plan.identities import (
    EcsTask,
    IdentityPlan,
    Irsa,
    OidcFederation,
    PodIdentity,
    StaticKeys,
)
from platform_storage.plan.model import (
    IRSA_ANNOTATION,
    MASSDRIVER_STACK,
    ORCHESTRATOR_STACK,
    AppPlan,
    BucketPlan,
    MassdriverPlan,
    OidcProvider,
    OrchestratorPlan,
    RunnerPlan,
)
from platform_storage.plan.rules import RULES

__all__ = [
    "IRSA_ANNOTATION",
    "MASSDRIVER_STACK",
    "ORCHESTRATOR_STACK",
    "AppPlan",
    "BucketPlan",
    "EcsTask",
    "IdentityPlan",
    "Irsa",
    "MassdriverPlan",
    "OidcFederation",
    "OidcProvider",
    "OrchestratorPlan",
    "PodIdentity",
    "RunnerPlan",
    "StaticKeys",
    "build_plan",
    "load_plan",
    "parse_plan",
]


def load_plan(path: Path | str) -> AppPlan:
    """Read and check `path` with every rule; ConfigError lists every problem."""
    return build_plan(read_config(path, extra_rules=RULES))


def parse_plan(raw: object) -> AppPlan:
    """The plan of already parsed YAML (tests, tools); ConfigError lists every problem."""
    return build_plan(parse_config(raw, extra_rules=RULES))
