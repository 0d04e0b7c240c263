"""The configuration file: the default and examples are valid; each bad file in
tests/bad_configs/ is refused with exit status 2, its field path and rule, no traceback, no output
written, within a second. Each bad file names what it expects in its first two lines; the cases
that cannot be committed as files (a FIFO, a directory, 2 MiB, bytes that are not UTF-8) are made
here."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_storage.cli import main
from platform_storage.config.models import DEFAULT_IDENTITY
from platform_storage.plan import StaticKeys, load_plan
from tests.apps import APP_CONFIGS
from tests.conftest import ROOT

BAD = sorted((ROOT / "tests" / "bad_configs").glob("*.yaml"))


def expectation(path: Path) -> tuple[str, str]:
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# expect: ") and lines[1].startswith("# rule: "), path
    return lines[0].removeprefix("# expect: "), lines[1].removeprefix("# rule: ")


# A bound against hangs, not a speed target (validate's time is in `make bench`): a case takes
# a few milliseconds.
ANSWER_WITHIN_SECONDS = 1.0


def test_the_corpus_has_at_least_150_bad_files() -> None:
    assert len(BAD) >= 150


def names(line: str, field: str) -> bool:
    """The problem line is about `field` (a file-level problem names the file's path)."""
    where = line.split(": ", 1)[0]
    return where == field or where.endswith(f"/{field}")


def assert_refused(path: Path, field: str, rule: str, outdir: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = main(["render", str(path), "--outdir", str(outdir)], stdout=stdout, stderr=stderr)
    elapsed = time.perf_counter() - started
    report = stderr.getvalue()
    assert code == 2
    lines = report.splitlines()
    assert any(names(line, field) and rule in line for line in lines), report
    assert "Traceback" not in report
    assert not outdir.exists()
    assert stdout.getvalue() == ""
    assert elapsed < ANSWER_WITHIN_SECONDS, elapsed


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_config_is_refused_with_path_and_rule(path: Path, tmp_path: Path) -> None:
    field, rule = expectation(path)
    assert_refused(path, field, rule, tmp_path / "out")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _oversized(path: Path) -> None:
    path.write_text("aws: {}\n" + "# padding\n" * 210_000)


def _latin1(path: Path) -> None:
    path.write_bytes("aws:\n  region: r\xe9gion\n".encode("latin-1"))


def _nul(path: Path) -> None:
    path.write_bytes(b"aws:\n  region: us-east-2\x00\n")


FILE_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_fifo, "is not a regular file"),
    "directory": (_directory, "is not a regular file"),
    "larger-than-1-mib": (_oversized, "is larger than 1048576 bytes"),
    "latin-1": (_latin1, "is not UTF-8 text"),
    "nul-byte": (_nul, "character #x0000 is not allowed"),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_file_that_is_not_a_plain_config_is_one_problem(case: str, tmp_path: Path) -> None:
    make, rule = FILE_CASES[case]
    path = tmp_path / "storage.yaml"
    make(path)
    assert_refused(path, "storage.yaml", rule, tmp_path / "out")


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


def test_what_synth_prepares_beside_the_cdk_load_imports_no_cdk() -> None:
    """`cli.synthesize` renders and imports the report's modules on a second thread while the
    main thread loads the CDK: sound only while that work imports no module of the CDK's."""
    code = (
        "import sys; from platform_storage import cli; from platform_storage.plan import"
        " load_plan; files = cli._render_for_synth(load_plan('storage.yaml'));"
        "assert files.runner_documents and 'platform_storage.access_report.files' in sys.modules;"
        "assert 'networkx' in sys.modules and 'z3' in sys.modules;"
        "cdk = [m for m in sys.modules if m.startswith(('cdktf', 'cdktn', 'jsii', 'constructs'))"
        " or m in ('platform_storage.cdk', 'platform_storage.app')];"
        "assert not cdk, cdk"
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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "storage.yaml"
    path.write_text(text)
    return path


MASSDRIVER = (
    "aws: {account_id: '123456789012', region: us-east-2}\n"
    "eks: {oidc_issuer: 'https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLE'}\n"
    "massdriver:\n"
    "  buckets: {massdriver: example-md-bundles, state: example-md-tfstate}\n"
)


def test_shared_bucket_options_do_not_cut_state_retention(tmp_path: Path) -> None:
    plan = load_plan(
        write(tmp_path, MASSDRIVER + "  bucket_options: {noncurrent_version_expiration_days: 7}\n")
    )
    assert plan.massdriver is not None
    assert plan.massdriver.massdriver_bucket is not None
    assert plan.massdriver.state_bucket is not None
    assert plan.massdriver.massdriver_bucket.options.retention(state=False).days == 7
    state = plan.massdriver.state_bucket.options.retention(state=True)
    assert (state.days, state.versions) == (90, 10)


def test_state_bucket_options_set_the_state_retention(tmp_path: Path) -> None:
    plan = load_plan(
        write(
            tmp_path,
            MASSDRIVER
            + "  bucket_options: {encryption: sse-kms, noncurrent_version_expiration_days: 7}\n"
            + "  state_bucket_options: {noncurrent_version_expiration_days: 365}\n",
        )
    )
    assert plan.massdriver is not None and plan.massdriver.state_bucket is not None
    options = plan.massdriver.state_bucket.options
    assert options.retention(state=True).days == 365
    assert options.encryption.value == "sse-kms"


def test_static_runners_whose_role_names_read_alike_get_their_own_outputs(
    tmp_path: Path,
) -> None:
    plan = load_plan(
        write(
            tmp_path,
            "aws: {account_id: '123456789012', region: us-east-2}\n"
            "orchestrator:\n"
            "  state_bucket: {name: example-runner-tfstate}\n"
            "  runners:\n"
            "    - {id: ra, type: kubernetes, identity: static, path_prefix: a,"
            " role_name: team.a}\n"
            "    - {id: rb, type: kubernetes, identity: static, path_prefix: b,"
            " role_name: team-a}\n",
        )
    )
    outputs = [
        (identity.outputs.access_key_id, identity.outputs.secret_access_key)
        for identity in plan.identities
        if isinstance(identity, StaticKeys)
    ]
    assert outputs == [
        ("runner_ra_access_key_id", "runner_ra_secret_access_key"),
        ("runner_rb_access_key_id", "runner_rb_secret_access_key"),
    ]


def test_scalars_are_typed_by_yaml_1_2(tmp_path: Path) -> None:
    """`no` is a string and `0200` is 200 (YAML 1.1 would read False and octal 128)."""
    plan = load_plan(
        write(
            tmp_path,
            "aws: {account_id: '123456789012', region: us-east-2}\n"
            "orchestrator:\n"
            "  state_bucket: {name: example-runner-tfstate,"
            " noncurrent_version_expiration_days: 0200}\n"
            "  runners:\n"
            "    - {id: ecs, type: serverless-ecs, path_prefix: no}\n",
        )
    )
    assert plan.orchestrator is not None
    assert plan.orchestrator.runners[0].prefix == "no"
    assert plan.orchestrator.bucket.options.noncurrent_version_expiration_days == 200


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_a_file_that_fails_to_read_is_one_problem(tmp_path: Path) -> None:
    assert_refused(Path("/proc/self/mem"), "/proc/self/mem", "cannot be read", tmp_path / "out")


def test_the_default_configuration_is_the_working_directorys_storage_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed package holds no configuration: without --config or the variable, the
    commands read `storage.yaml` where they run, as `cdktf synth` does."""
    monkeypatch.delenv("PLATFORM_STORAGE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["validate"], stdout, stderr) == 2
    assert "storage.yaml: cannot be read (No such file or directory)" in stderr.getvalue()
    (tmp_path / "storage.yaml").write_text((ROOT / "storage.yaml").read_text())
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["validate"], stdout, stderr) == 0, stderr.getvalue()
    assert stdout.getvalue() == "storage.yaml: valid\n"
