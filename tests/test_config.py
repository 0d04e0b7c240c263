"""The configuration file: the default and examples are valid; each bad file in
tests/bad_configs/ is refused with exit status 2, its field path and rule, no traceback, and no
output written. Each bad file names what it expects in its first two lines."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from platform_storage.cli import main
from platform_storage.config.models import DEFAULT_IDENTITY
from platform_storage.plan import load_plan
from tests.apps import APP_CONFIGS
from tests.conftest import ROOT

BAD = sorted((ROOT / "tests" / "bad_configs").glob("*.yaml"))


def expectation(path: Path) -> tuple[str, str]:
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# expect: ") and lines[1].startswith("# rule: "), path
    return lines[0].removeprefix("# expect: "), lines[1].removeprefix("# rule: ")


def test_the_corpus_has_at_least_forty_bad_files() -> None:
    assert len(BAD) >= 40


def names(line: str, field: str) -> bool:
    """The problem line is about `field` (a file-level problem names the file's path)."""
    where = line.split(": ", 1)[0]
    return where == field or where.endswith(f"/{field}")


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_config_is_refused_with_path_and_rule(path: Path, tmp_path: Path) -> None:
    field, rule = expectation(path)
    stdout, stderr = io.StringIO(), io.StringIO()
    outdir = tmp_path / "out"
    code = main(["render", str(path), "--outdir", str(outdir)], stdout=stdout, stderr=stderr)
    report = stderr.getvalue()
    assert code == 2
    lines = report.splitlines()
    assert any(names(line, field) and rule in line for line in lines), report
    assert "Traceback" not in report
    assert not outdir.exists()
    assert stdout.getvalue() == ""


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_shipped_configs_are_valid(name: str) -> None:
    load_plan(APP_CONFIGS[name])


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "aws: {account_id: '1', region: nowhere}\n"
        "orchestrator:\n"
        "  state_bucket: {name: Bad_Name}\n"
        "  runners:\n"
        "    - {id: ra, type: serverless-ecs, path_prefix: 'x*'}\n"
        "    - {id: rb, type: serverless-ecs, identity: irsa, path_prefix: y}\n"
    )
    stderr = io.StringIO()
    assert main(["validate", str(path)], stderr=stderr) == 2
    problems = stderr.getvalue().splitlines()[1:]
    assert [p.split(":")[0] for p in problems] == [
        "aws.account_id",
        "aws.region",
        "orchestrator.state_bucket.name",
        "orchestrator.runners[0].path_prefix",
        "orchestrator.runners[1].identity",
        "orchestrator.runners[1].namespace",
        "orchestrator.runners[1].service_account",
        "eks",
    ]


def test_identity_defaults_follow_the_runner_type() -> None:
    assert DEFAULT_IDENTITY == {
        "kubernetes-eks": "irsa",
        "serverless-ecs": "ecs-task",
        "kubernetes-gke": "oidc",
        "kubernetes": "oidc",
        "kubernetes-agent": "oidc",
    }


def run_main(config: Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLATFORM_STORAGE_CONFIG": str(config), "CDKTF_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "name", ["prefix-dot-dot", "account-id-number", "yaml-syntax-error", "unknown-top-level-key"]
)
def test_main_refuses_bad_config_before_loading_the_cdk(name: str, tmp_path: Path) -> None:
    """The real entry point `cdktf synth` runs: exit 2, one line per problem, nothing written."""
    path = ROOT / "tests" / "bad_configs" / f"{name}.yaml"
    field, rule = expectation(path)
    done = run_main(path, tmp_path / "cdktf.out")
    assert done.returncode == 2
    assert f"{field}: " in done.stderr and rule in done.stderr
    assert "Traceback" not in done.stderr
    assert "jsii" not in done.stderr
    assert not (tmp_path / "cdktf.out").exists()


def test_validate_does_not_import_the_cdk() -> None:
    code = (
        "import sys; from platform_storage.cli import main; main(['validate']);"
        "assert not any(m.startswith(('cdktf', 'jsii', 'constructs')) for m in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_same_service_account_on_two_clusters_is_accepted(tmp_path: Path) -> None:
    """Pod Identity trust names the cluster, so the same namespace/service account on two
    clusters belongs to two isolated workloads."""
    path = tmp_path / "clusters.yaml"
    path.write_text(
        "aws: {account_id: '123456789012', region: us-east-2}\n"
        "eks: {oidc_issuer: 'https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLE'}\n"
        "orchestrator:\n"
        "  state_bucket: {name: example-runner-tfstate}\n"
        "  runners:\n"
        "    - {id: dev, type: kubernetes-eks, identity: pod-identity, path_prefix: dev,\n"
        "       namespace: runner, service_account: runner, cluster: {name: dev}}\n"
        "    - {id: prod, type: kubernetes-eks, identity: pod-identity, path_prefix: prod,\n"
        "       namespace: runner, service_account: runner, cluster: {name: prod}}\n"
    )
    load_plan(path)


def test_a_file_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe aws")
    stderr = io.StringIO()
    assert main(["validate", str(path)], stderr=stderr) == 2
    assert f"{path}: is not UTF-8 text" in stderr.getvalue()
    assert "Traceback" not in stderr.getvalue()
