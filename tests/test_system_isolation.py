"""Isolation of the whole system, proven from the synthesized stacks (not the configuration):

1. every identity reaches exactly what its owner is meant to reach: for each allowed action,
   the scopes are proven reached in full and nothing outside them is allowed (Z3);
2. no request satisfies two roles' trust policies: no workload can act as two identities;
3. the runners' object scopes in a shared bucket are pairwise disjoint.

Together: each workload reaches exactly its own buckets and prefixes. Run over the default
app, every example, and a generated app of 53 runners of every kind and identity.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from typing import Any

import pytest
import yaml

from platform_storage.analysis import Scope, SystemModel, reach, scopes_overlap, shared_workload
from platform_storage.bucket_options import BucketEncryption
from platform_storage.plan import AppPlan, BucketPlan
from tests.apps import APP_CONFIGS, SynthesizedApp

APPS = [*sorted(APP_CONFIGS), "generated"]
WITH_RUNNERS = [
    name
    for name in APPS
    if name == "generated" or "orchestrator" in yaml.safe_load(APP_CONFIGS[name].read_text())
]
MASSDRIVER_OBJECTS = (
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
    "s3:RestoreObject",
)
KMS_WRITE = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
Intent = dict[str, set[Scope]]


@pytest.fixture(scope="module")
def systems(apps: dict[str, SynthesizedApp], generated_app: SynthesizedApp) -> dict[str, Any]:
    every = {**apps, "generated": generated_app}
    return {name: (app, SystemModel.from_stacks(app.stacks)) for name, app in every.items()}


def _bucket_arn(plan: AppPlan, name: str) -> str:
    return f"arn:{plan.account.partition}:s3:::{name}"


def _key(model: SystemModel, plan: AppPlan, bucket: BucketPlan) -> str | None:
    """The key a bucket encrypts with: the one given, or the one its stack created."""
    if bucket.options.encryption is not BucketEncryption.KMS:
        assert model.buckets[bucket.name].key is None
        return None
    key = model.buckets[bucket.name].key
    assert key is not None
    assert key == bucket.options.kms_key_arn or key in model.keys.values()
    return key


def intent(plan: AppPlan, model: SystemModel) -> dict[str, Intent]:
    """What each identity is meant to reach, by IAM name; written from the products' needs,
    not from the library's action tables."""
    wanted: dict[str, Intent] = {}

    def add(name: str, actions: tuple[str, ...], scope: Scope) -> None:
        for action in actions:
            wanted.setdefault(name, {}).setdefault(action, set()).add(scope)

    def whole_bucket(
        name: str, bucket: BucketPlan, objects: tuple[str, ...], bucket_level: bool
    ) -> None:
        arn = _bucket_arn(plan, bucket.name)
        add(name, objects, Scope("objects", arn))
        add(name, ("s3:ListBucket",), Scope("listing", arn))
        if bucket_level:
            add(
                name,
                ("s3:GetBucketLocation", "s3:ListBucketMultipartUploads"),
                Scope("resource", arn),
            )
        key = _key(model, plan, bucket)
        if key:
            add(name, KMS_WRITE, Scope("resource", key))

    md = plan.massdriver
    if md is not None:
        if md.storage is not None:
            assert md.massdriver_bucket and md.state_bucket
            for bucket in (md.massdriver_bucket, md.state_bucket):
                whole_bucket(md.storage.name, bucket, MASSDRIVER_OBJECTS, bucket_level=True)
        if md.argo is not None:
            assert md.argo_bucket
            whole_bucket(
                md.argo.name,
                md.argo_bucket,
                ("s3:DeleteObject", "s3:GetObject", "s3:PutObject"),
                bucket_level=False,
            )
    orch = plan.orchestrator
    if orch is not None:
        arn = _bucket_arn(plan, orch.bucket.name)
        key = _key(model, plan, orch.bucket)
        for runner in orch.runners:
            name = runner.identity.name
            state = Scope("objects", arn, runner.prefix)
            add(name, ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), state)
            add(
                name,
                ("s3:ListBucket", "s3:ListBucketVersions"),
                Scope("listing", arn, runner.prefix),
            )
            if runner.settings.delete_state:
                add(name, ("s3:DeleteObject",), state)
            elif runner.settings.lockfile:
                add(name, ("s3:DeleteObject",), Scope("objects", arn, runner.prefix, ".tflock"))
            if key:
                add(name, KMS_WRITE, Scope("resource", key))
    return wanted


@pytest.mark.parametrize("name", APPS)
def test_every_identity_reaches_exactly_what_it_is_meant_to(
    name: str, systems: dict[str, Any]
) -> None:
    app, model = systems[name]
    wanted = intent(app.plan, model)
    reached = {}
    for identity in model.identities.values():
        found = reach(identity, model)
        assert found.unexplained == () and found.wildcard_actions == (), identity.label
        reached[identity.name] = {a: set(s) for a, s in found.actions.items()}
    # Replication roles of the library reach their own buckets only; the app creates none.
    assert reached == wanted


@pytest.mark.parametrize("name", APPS)
def test_no_workload_can_assume_two_roles(name: str, systems: dict[str, Any]) -> None:
    _, model = systems[name]
    roles = [i for i in model.identities.values() if i.kind == "role"]
    shared = {
        (a.name, b.name): found
        for a, b in itertools.combinations(roles, 2)
        if (found := shared_workload(a, b))
    }
    assert shared == {}


@pytest.mark.parametrize("name", WITH_RUNNERS)
def test_runner_scopes_in_the_shared_bucket_are_disjoint(
    name: str, systems: dict[str, Any]
) -> None:
    app, model = systems[name]
    assert app.plan.orchestrator is not None
    scopes = {
        runner.identity.name: reach(model.identity(runner.identity.name), model).actions[
            "s3:PutObject"
        ]
        for runner in app.plan.orchestrator.runners
    }
    clashes = [
        (a, b)
        for (a, mine), (b, theirs) in itertools.combinations(scopes.items(), 2)
        if any(scopes_overlap(x, y) for x in mine for y in theirs)
    ]
    assert clashes == []


def test_the_generated_app_has_every_kind_of_runner(generated_app: SynthesizedApp) -> None:
    plan = generated_app.plan
    assert plan.orchestrator is not None
    runners = plan.orchestrator.runners
    assert len(runners) >= 50
    assert {r.identity.kind for r in runners} == {
        "irsa",
        "pod-identity",
        "ecs-task",
        "oidc",
        "static",
    }
    assert {r.settings.type for r in runners} == {
        "kubernetes-eks",
        "serverless-ecs",
        "kubernetes-gke",
        "kubernetes",
        "kubernetes-agent",
    }


# -- the proofs are not vacuous ----------------------------------------------------------------


def _runner_role(systems: dict[str, Any], app: str, role: str) -> Any:
    return systems[app][1].identity(role)


def test_a_shared_subject_is_found(systems: dict[str, Any]) -> None:
    model = systems["orchestrator-shared-bucket"][1]
    eks = model.identity("orchestrator-runner-eks-prod")
    gke = model.identity("orchestrator-runner-gke-eu")
    copied = dataclasses.replace(gke, trust=eks.trust)
    assert shared_workload(eks, copied) is not None


def test_a_different_audience_does_not_separate_one_subject(systems: dict[str, Any]) -> None:
    model = systems["orchestrator-shared-bucket"][1]
    eks = model.identity("orchestrator-runner-eks-prod")
    trust = copy.deepcopy(list(eks.trust))
    for statement in trust:
        for key in statement["Condition"]["StringEquals"]:
            if key.endswith(":aud"):
                statement["Condition"]["StringEquals"][key] = "another-audience"
    assert shared_workload(eks, dataclasses.replace(eks, trust=tuple(trust))) is not None


def test_widened_runner_policy_is_seen(systems: dict[str, Any]) -> None:
    model = systems["default"][1]
    runner = model.identity("orchestrator-runner-eks-prod")
    policies = copy.deepcopy(list(runner.policies))
    for statement in policies:
        if statement.get("Sid", "").endswith("Objects"):
            statement["Resource"] = statement["Resource"].replace("/eks/prod/*", "/eks/*")
    found = reach(dataclasses.replace(runner, policies=tuple(policies)), model)
    assert (
        Scope("objects", "arn:aws:s3:::example-orchestrator-tfstate", "eks")
        in found.actions["s3:GetObject"]
    )


def test_a_listing_without_a_prefix_condition_is_seen(systems: dict[str, Any]) -> None:
    model = systems["default"][1]
    runner = model.identity("orchestrator-runner-eks-prod")
    policies = [
        {k: v for k, v in s.items() if k != "Condition"}
        for s in copy.deepcopy(list(runner.policies))
    ]
    found = reach(dataclasses.replace(runner, policies=tuple(policies)), model)
    assert found.actions["s3:ListBucket"] == {
        Scope("listing", "arn:aws:s3:::example-orchestrator-tfstate")
    }
