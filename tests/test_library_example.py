"""`examples/library-app`: a team's own app composing the constructs, synthesized for real
(synth-time rules enforced) on the session's core, snapshotted, and proven isolated."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from platform_storage.analysis import Scope, SystemModel, reach, shared_workload
from platform_storage.cdk import App, AwsProvider, TerraformStack
from platform_storage.rules import check_document
from platform_storage.rules.document import TerraformDocument
from tests.conftest import ROOT
from tests.normalise import normalised

EXAMPLE = ROOT / "examples" / "library-app"
STATE = "arn:aws:s3:::acme-ci-tfstate"
ARTIFACTS = "arn:aws:s3:::acme-ci-artifacts"


def _example_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_storage", EXAMPLE / "ci_storage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example's stack as `main.py` builds it, on the core of this test session."""
    example = _example_module()
    from platform_storage.constructs import AwsAccount

    outdir = tmp_path_factory.mktemp("library-app")
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "ci-storage")
    account = AwsAccount(account_id="123456789012", region="us-east-2")
    AwsProvider(stack, "aws", region=account.region, allowed_account_ids=[account.account_id])
    example.CiStorage(
        stack,
        "ci",
        account=account,
        organisation="acme",
        pipelines=(
            example.Pipeline("network", reads_artifacts=True),
            example.Pipeline("payments"),
        ),
        state_bucket_name="acme-ci-tfstate",
        artifacts_bucket_name="acme-ci-artifacts",
    )
    app.synth()  # a rule finding fails this synth
    doc: dict[str, Any] = json.loads(
        (Path(outdir) / "stacks" / "ci-storage" / "cdk.tf.json").read_text()
    )
    return doc


@pytest.fixture(scope="module")
def model(document: dict[str, Any]) -> SystemModel:
    return SystemModel.from_stacks({"ci-storage": document})


def test_example_main_builds_what_the_test_builds() -> None:
    main = (EXAMPLE / "main.py").read_text()
    for argument in (
        'organisation="acme"',
        'Pipeline("network", reads_artifacts=True), Pipeline("payments")',
        'state_bucket_name="acme-ci-tfstate"',
        'artifacts_bucket_name="acme-ci-artifacts"',
    ):
        assert argument in main


def test_example_document_matches_snapshot(
    document: dict[str, Any], snapshot: SnapshotAssertion
) -> None:
    assert normalised(document) == snapshot


def test_example_passes_every_synth_time_rule(document: dict[str, Any]) -> None:
    assert check_document(TerraformDocument(document), state_paths=["ci-storage/ci/state"]) == []


def test_each_pipeline_reaches_only_its_own_state_prefix(model: SystemModel) -> None:
    for repository in ("network", "payments"):
        found = reach(model.identity(f"ci-{repository}"), model)
        assert found.unexplained == ()
        assert found.actions["s3:PutObject"] == frozenset({Scope("objects", STATE, repository)})


def test_only_the_network_pipeline_reads_artifacts(model: SystemModel) -> None:
    network = reach(model.identity("ci-network"), model).actions["s3:GetObject"]
    payments = reach(model.identity("ci-payments"), model).actions["s3:GetObject"]
    assert Scope("objects", ARTIFACTS) in network
    assert all(scope.resource != ARTIFACTS for scope in payments)
    assert "s3:PutObject" in reach(model.identity("ci-network"), model).actions
    assert all(
        s.resource != ARTIFACTS
        for s in reach(model.identity("ci-network"), model).actions["s3:PutObject"]
    )


def test_no_github_workflow_can_act_as_both_pipelines(model: SystemModel) -> None:
    assert shared_workload(model.identity("ci-network"), model.identity("ci-payments")) is None


def test_one_oidc_provider_serves_both_roles(document: dict[str, Any]) -> None:
    providers = document["resource"]["aws_iam_openid_connect_provider"]
    assert [p["url"] for p in providers.values()] == ["https://token.actions.githubusercontent.com"]


def test_the_examples_access_report_matches_snapshot(
    document: dict[str, Any], snapshot: SnapshotAssertion
) -> None:
    """A team's own app gets the report the ready app writes, from its synthesized stacks."""
    from platform_storage.access_report.files import MARKDOWN, access_report_files

    report = access_report_files({"ci-storage": document})[MARKDOWN].content
    assert "None: every allowed request is explained by the rows above." in report
    assert report == snapshot
