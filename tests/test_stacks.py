"""The ready stacks: provider pinning, outputs, backend, and what each configuration builds."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.apps import APP_CONFIGS, SynthesizedApp
from tests.conftest import ROOT
from tests.helpers import blocks, named


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_provider_is_pinned_to_the_configured_account(
    name: str, apps: dict[str, SynthesizedApp]
) -> None:
    app = apps[name]
    for stack in app.stacks.values():
        (provider,) = stack["provider"]["aws"]
        assert provider["allowed_account_ids"] == [app.config.aws.account_id]
        assert provider["region"] == app.config.aws.region
        tags = provider["default_tags"][0]["tags"]
        assert tags["managed-by"] == "platform-storage"
        assert tags.items() >= app.config.aws.tags.items()
        assert stack["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"


def test_default_app_builds_both_stacks(apps: dict[str, SynthesizedApp]) -> None:
    assert set(apps["default"].stacks) == {"massdriver-storage", "orchestrator-state"}


def test_massdriver_stack_builds_three_buckets_with_state_protected(
    apps: dict[str, SynthesizedApp],
) -> None:
    stack = apps["default"].stacks["massdriver-storage"]
    buckets = {b.config["bucket"]: b.config for b in blocks(stack, "aws_s3_bucket")}
    assert set(buckets) == {
        "example-massdriver-bundles",
        "example-massdriver-tfstate",
        "example-massdriver-argo-artifacts",
    }
    assert buckets["example-massdriver-tfstate"]["lifecycle"] == {"prevent_destroy": True}


def test_every_bucket_and_principal_has_an_output(apps: dict[str, SynthesizedApp]) -> None:
    outputs = apps["default"].stacks["massdriver-storage"]["output"]
    for name in (
        "massdriver_bucket_name",
        "massdriver_bucket_arn",
        "state_bucket_name",
        "state_bucket_arn",
        "argo_bucket_name",
        "argo_bucket_arn",
        "massdriver_storage_principal_arn",
        "argo_principal_arn",
        "rendered_massdriver_values",
    ):
        assert name in outputs, name
    runner_outputs = apps["default"].stacks["orchestrator-state"]["output"]
    for name in ("state_bucket_name", "state_bucket_arn", "rendered_runners_tf"):
        assert name in runner_outputs, name
    assert set(runner_outputs["runner_principal_arns"]["value"]) == {"eks-prod", "ecs-batch"}
    assert set(runner_outputs["rendered_runners"]["value"]) == {"eks-prod", "ecs-batch"}


def test_rendered_documents_as_outputs_equal_the_files(apps: dict[str, SynthesizedApp]) -> None:
    app = apps["default"]
    outputs = app.stacks["orchestrator-state"]["output"]
    documents = outputs["rendered_runners"]["value"]
    assert documents["eks-prod"] == app.rendered["orchestrator/eks-prod.yaml"]
    assert documents["ecs-batch"] == app.rendered["orchestrator/ecs-batch.yaml"]
    values = app.stacks["massdriver-storage"]["output"]["rendered_massdriver_values"]["value"]
    assert values == app.rendered["massdriver-values.yaml"]


def test_each_runner_is_confined_to_its_prefix(apps: dict[str, SynthesizedApp]) -> None:
    from tests.policy_eval import identity_policy

    stack = apps["orchestrator-shared-bucket"].stacks["orchestrator-state"]
    for runner, prefix in (
        ("eks-prod", "eks/prod"),
        ("ecs-batch", "ecs/batch"),
        ("gke-eu", "gke/eu"),
    ):
        policy = identity_policy(stack, f"orchestrator-runner-{runner}-storage")
        resources = {
            r
            for st in policy["Statement"]
            for r in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])
        }
        objects = {r for r in resources if r.endswith("*") or r.endswith(".tflock")}
        assert all(f":::acme-orchestrator-tfstate/{prefix}/" in r for r in objects), objects


def test_backend_keeps_stack_state_in_s3_with_lockfile(apps: dict[str, SynthesizedApp]) -> None:
    stack = apps["orchestrator-shared-bucket"].stacks["orchestrator-state"]
    assert stack["terraform"]["backend"] == {
        "s3": {
            "bucket": "acme-platform-tfstate",
            "key": "platform-storage/orchestrator-state.tfstate",
            "region": "us-east-2",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_oidc_provider_is_created_once_and_shared(apps: dict[str, SynthesizedApp]) -> None:
    stack = apps["massdriver-legacy-irsa"].stacks["massdriver-storage"]
    (provider,) = blocks(stack, "aws_iam_openid_connect_provider")
    assert provider.config["url"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/")
    for role in ("md-massdriver-storage", "md-massdriver-argo-artifacts"):
        assert named(stack, "aws_iam_role", role)
    assert json.dumps(stack).count(provider.ref("arn")) == 2


@pytest.mark.parametrize(
    ("example", "stack_name"),
    [("massdriver-legacy-irsa", "massdriver"), ("orchestrator-shared-bucket", "orchestrator")],
)
def test_a_stack_composed_under_its_own_id_still_creates_its_oidc_providers(
    example: str, stack_name: str, apps: dict[str, SynthesizedApp]
) -> None:
    """A team composing the ready stacks picks its own ids; the providers the plan places in a
    stack follow the stack, not its id (else every role would trust a provider nobody makes)."""
    from platform_storage.cdk import Testing
    from platform_storage.stacks import MassdriverStorageStack, OrchestratorStateStack

    plan = apps[example].plan
    kind = MassdriverStorageStack if stack_name == "massdriver" else OrchestratorStateStack
    stack = kind(Testing.app(), f"team-{stack_name}", plan=plan)
    document = json.loads(Testing.synth(stack))
    urls = sorted(b.config["url"] for b in blocks(document, "aws_iam_openid_connect_provider"))
    assert urls == sorted(p.issuer for p in plan.oidc_providers)


def test_static_mode_warns_and_creates_users_not_roles(apps: dict[str, SynthesizedApp]) -> None:
    stacks = apps["static-credentials"].stacks
    assert all("aws_iam_role" not in s.get("resource", {}) for s in stacks.values())
    users = [b.config["name"] for s in stacks.values() for b in blocks(s, "aws_iam_user")]
    assert sorted(users) == [
        "massdriver-argo-artifacts",
        "massdriver-storage",
        "orchestrator-runner-ecs-static",
        "orchestrator-runner-onprem",
    ]


def test_real_cli_synth_on_the_default_config(tmp_path: Path) -> None:
    """`cdktf synth` (or `cdktn synth`) as a user runs it: the CLI runs main.py through app.sh
    and reads what it wrote."""
    from platform_storage.cdk import CORE

    cli = ROOT / "node_modules" / ".bin" / CORE
    assert cli.is_file(), f"the {CORE} CLI is missing: `make test` installs it"
    env = {**os.environ, "CDKTF_OUTDIR": str(tmp_path / "cdktf.out"), "CI": "1"}
    env.pop("PLATFORM_STORAGE_CONFIG", None)
    done = subprocess.run(
        [str(cli), "synth", "--output", str(tmp_path / "cdktf.out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for stack in ("massdriver-storage", "orchestrator-state"):
        assert (tmp_path / "cdktf.out" / "stacks" / stack / "cdk.tf.json").is_file()
    assert (tmp_path / "cdktf.out" / "rendered" / "massdriver-values.yaml").is_file()
    assert "!!!!!!!!!!" not in done.stdout + done.stderr, "jsii's Node end-of-life box"


def test_a_synth_that_fails_leaves_the_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second stack breaks a rule: nothing of the first stack, and no rendered file, may be
    written (the app synthesizes into a staging directory and publishes only a full success)."""
    from platform_storage.app import synth_and_render
    from platform_storage.cdk import S3Bucket
    from platform_storage.plan import load_plan
    from platform_storage.stacks.orchestrator import OrchestratorStateStack

    plan = load_plan(APP_CONFIGS["default"])
    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "keep.txt").write_text("earlier output")
    original = OrchestratorStateStack.__init__

    def broken(self: OrchestratorStateStack, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        S3Bucket(self, "unprotected", bucket="example-unprotected")

    monkeypatch.setattr(OrchestratorStateStack, "__init__", broken)
    with pytest.raises(RuntimeError, match="PS-S3-1"):
        synth_and_render(plan, str(outdir))
    assert sorted(p.name for p in outdir.iterdir()) == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]


def longest_config() -> dict[str, object]:
    """Every value at the longest the rules allow."""
    segment = "p" * 240
    prefix = "/".join([segment, segment, segment, "q" * 249])  # 972 bytes
    return {
        "aws": {
            "account_id": "123456789012",
            "region": "us-east-2",
            "tags": {f"{'k' * 124}{i:03d}": "v" * 256 for i in range(49)},
        },
        "eks": {
            "oidc_issuer": "https://oidc.eks.us-east-2.amazonaws.com/id/" + "A" * 32,
            "cluster_name": "c" * 100,
        },
        "massdriver": {
            "release": "r" * 53,
            "role_name_prefix": "m" * 49,
            "buckets": {"massdriver": "b" * 63, "state": "s" * 63},
            "argo": {"storage": "s3", "bucket": "a" * 63},
        },
        "orchestrator": {
            "state_bucket": {"name": "t" * 63},
            "role_name_prefix": "o" * 64,
            "role_path": "/" + "x" * 510 + "/",
            "runners": [
                {
                    "id": "e" + "-" * 61 + "e",
                    "type": "serverless-ecs",
                    "role_name": "n" * 64,
                    "path_prefix": prefix,
                    "description": "d" * 1000,
                    "ecs": {
                        "cluster": "c" * 255,
                        "subnets": [f"subnet-{i:017x}" for i in range(16)],
                        "security_groups": [f"sg-{i:017x}" for i in range(5)],
                        "execution_role_arn": "arn:aws:iam::123456789012:role/" + "x" * 64,
                        "auth_role_arn": "arn:aws:iam::123456789012:role/" + "y" * 64,
                        "auth_session_name": "s" * 64,
                    },
                }
            ],
        },
    }


def test_a_configuration_at_every_limit_synthesizes(tmp_path: Path) -> None:
    """What validate accepts, the synth accepts: names, paths and descriptions derived from the
    longest allowed values stay within the limits of what they become."""
    from platform_storage.plan import parse_plan
    from tests.apps import synth_app

    app = synth_app(parse_plan(longest_config()), tmp_path / "out")
    assert set(app.stacks) == {"massdriver-storage", "orchestrator-state"}
