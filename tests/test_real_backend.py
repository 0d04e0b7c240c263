"""The real Terraform S3 backend as a client of the synthesized runner policies, and boto3 as
Massdriver's and Argo's client, against a local S3 API with IAM enforced (see s3_peer).

For every runner of the default app, every example, and twelve runners whose prefixes share
stems: `terraform init` and `apply` with the backend settings the Orchestrator writes (`bucket`,
`key = <prefix>/<environment uuid>.tfstate`) and the environment the rendered runner file sets
(`AWS_REGION`, `TF_CLI_ARGS_init` for the lockfile). Its own prefix works twice in a row; every
other runner's prefix, the bucket root and the other buckets are denied. Where moto allows what
IAM denies (moto reads `.` in a resource as a regular-expression dot), the cell is checked
against IAM's own wildcard rules instead, and named as moto's divergence.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from platform_storage.analysis.evaluate import Policies, statements_of
from platform_storage.plan import RunnerPlan, parse_plan
from tests.apps import APP_CONFIGS, SynthesizedApp, synth_app
from tests.generated import stems_config
from tests.s3_peer import Peer, Terraform

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        Terraform.binary is None,
        reason="no terraform CLI on PATH: the real S3 backend cannot be driven",
    ),
]
SCENARIOS = [*sorted(APP_CONFIGS), "stems"]
DENIED = re.compile(r"StatusCode: 403|AccessDenied|Forbidden")


@pytest.fixture(scope="module", params=SCENARIOS)
def peer(
    request: pytest.FixtureRequest,
    apps: dict[str, SynthesizedApp],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Peer]:
    name = request.param
    workdir = tmp_path_factory.mktemp(f"peer-{name}")
    app = apps[name] if name in apps else synth_app(parse_plan(stems_config()), workdir / "app")
    loaded = Peer(app, workdir, label=name)
    try:
        yield loaded
    finally:
        loaded.server.stop()


def environment_key(runner: RunnerPlan) -> str:
    """The key the runner's job writes: path.Join(<path_prefix>, <environment uuid>.tfstate)."""
    name = f"{uuid.uuid4()}.tfstate"
    return f"{runner.prefix}/{name}" if runner.prefix else name


def needs(peer: Peer, found: object, what: str) -> None:
    """Skip, saying so in the summary, a scenario that has nothing for the test to try."""
    if not found:
        pytest.skip(f"{peer.label}: no {what}")


def test_each_runner_applies_twice_under_its_own_prefix(peer: Peer) -> None:
    needs(peer, peer.runners, "runners")

    def own(runner: RunnerPlan) -> None:
        env, key = peer.env(runner), environment_key(runner)
        workspace = peer.terraform.workspace(f"own-{runner.id}")
        init = peer.terraform.init(workspace, bucket=runner.bucket, key=key, env=env)
        assert init.returncode == 0, init.stderr
        first = peer.terraform.apply(workspace, "first", env)
        assert first.returncode == 0, first.stderr
        lineage = peer.state(runner.bucket, key)["lineage"]
        second = peer.terraform.apply(workspace, "second", env)
        assert second.returncode == 0, second.stderr
        # Replacing the resource proves the second apply read the first one's state.
        assert "1 added, 0 changed, 1 destroyed" in second.stdout, second.stdout
        state = peer.state(runner.bucket, key)
        assert state["lineage"] == lineage
        (resource,) = state["resources"]
        assert resource["instances"][0]["attributes"]["input"]["value"] == "second"

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(own, peer.runners))


def _iam_allows(peer: Peer, runner: RunnerPlan, bucket: str, key: str) -> bool:
    """IAM's own answer (the evaluator of the isolation proofs) for reading `key`."""
    identity = peer.model.identity(runner.identity.name)
    policies = Policies(identity=tuple(statements_of(list(identity.policies))))
    arn = f"arn:{peer.app.plan.account.partition}:s3:::{bucket}/{key}"
    return policies.decide("s3:GetObject", arn, {})


def _moto_reads_dot_as_any(peer: Peer, runner: RunnerPlan, bucket: str, key: str) -> bool:
    """Whether one of the runner's resources matches `key` only because moto turns `.` into a
    regular-expression dot."""
    identity = peer.model.identity(runner.identity.name)
    target = f"arn:aws:s3:::{bucket}/{key}"
    for statement in identity.policies:
        for resource in (
            statement.get("Resource", [])
            if isinstance(statement.get("Resource"), list)
            else [statement.get("Resource", "")]
        ):
            as_moto = str(resource).replace("*", ".*")
            if re.fullmatch(as_moto, target) and "." in str(resource).split(":::", 1)[-1]:
                return True
    return False


def targets(peer: Peer, runner: RunnerPlan) -> dict[str, tuple[str, str]]:
    """Every place the runner must not reach: (bucket, key) by label."""
    found = {}
    for other in peer.runners:
        if other.id != runner.id and other.prefix:
            found[f"prefix of {other.id}"] = (other.bucket, environment_key(other))
    if runner.prefix:
        found["bucket root"] = (runner.bucket, f"{uuid.uuid4()}.tfstate")
    for bucket in peer.model.buckets:
        if bucket != runner.bucket:
            found[f"bucket {bucket}"] = (bucket, f"{uuid.uuid4()}.tfstate")
    return found


def test_each_runner_is_denied_everything_else(peer: Peer) -> None:
    needs(peer, peer.runners, "runners")
    cells = [
        (runner, label, bucket, key)
        for runner in peer.runners
        for label, (bucket, key) in targets(peer, runner).items()
    ]

    def attempt(cell: tuple[RunnerPlan, str, str, str]) -> subprocess.CompletedProcess[str]:
        runner, label, bucket, key = cell
        workspace = peer.terraform.workspace(f"deny-{runner.id}-{label}")
        return peer.terraform.init(workspace, bucket=bucket, key=key, env=peer.env(runner))

    with ThreadPoolExecutor(4) as pool:
        inits = list(pool.map(attempt, cells))
    # IAM's own answers are computed here, in one thread: Z3's context is not thread-safe.
    matrix: dict[tuple[str, str], str] = {}
    for (runner, label, bucket, key), init in zip(cells, inits, strict=True):
        assert not _iam_allows(peer, runner, bucket, key), (runner.id, label)
        if init.returncode != 0:
            assert DENIED.search(init.stderr), init.stderr
            matrix[(runner.id, label)] = "denied"
            continue
        # moto allowed it: only its regular-expression dot may explain that.
        assert _moto_reads_dot_as_any(peer, runner, bucket, key), (runner.id, label, bucket, key)
        matrix[(runner.id, label)] = "denied by IAM (moto allows: '.' read as any character)"
    assert len(matrix) == len(cells)
    print(f"\nreal-backend matrix ({len(cells)} cells):")
    for (runner_id, label), outcome in sorted(matrix.items()):
        print(f"  {runner_id:14} {label:40} {outcome}")


def test_the_lockfile_guards_concurrent_applies(peer: Peer) -> None:
    """With `lockfile` (the default): the `.tflock` object exists while an apply runs and is gone
    after; a second apply of the same environment meanwhile fails on the lock and writes
    nothing; run again afterwards, it lands on top of the first (no write lost)."""
    runners = [r for r in peer.runners if r.lockfile]
    needs(peer, runners, "runner with lockfile")
    runner = runners[0]
    env, key = peer.env(runner), environment_key(runner)
    assert env["TF_CLI_ARGS_init"] == "-backend-config=use_lockfile=true"
    s3 = peer.server.client("s3")
    holder, contender = (peer.terraform.workspace(f"lock-{runner.id}-{n}") for n in (1, 2))
    for workspace in (holder, contender):
        init = peer.terraform.init(workspace, bucket=runner.bucket, key=key, env=env)
        assert init.returncode == 0, init.stderr
    assert peer.terraform.apply(holder, "first", env).returncode == 0
    serial = peer.state(runner.bucket, key)["serial"]

    running = subprocess.Popen(
        peer.terraform.apply_command("held", hold=6),
        cwd=holder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _exists(s3, runner.bucket, f"{key}.tflock"):
            assert running.poll() is None and time.monotonic() < deadline, "no lock appeared"
            time.sleep(0.1)
        blocked = peer.terraform.apply(contender, "concurrent", env)
        assert blocked.returncode != 0
        assert "Error acquiring the state lock" in blocked.stderr, blocked.stderr
    finally:
        _, err = running.communicate(timeout=120)
    assert running.returncode == 0, err
    assert not _exists(s3, runner.bucket, f"{key}.tflock")
    held = peer.state(runner.bucket, key)
    assert held["serial"] > serial
    assert _input(held) == "held"
    after = peer.terraform.apply(contender, "after", env)
    assert after.returncode == 0, after.stderr
    final = peer.state(runner.bucket, key)
    assert final["lineage"] == held["lineage"] and final["serial"] > held["serial"]
    assert _input(final) == "after"


def _input(state: dict[str, Any]) -> str:
    (resource,) = state["resources"]
    return str(resource["instances"][0]["attributes"]["input"]["value"])


def _exists(s3: Any, bucket: str, key: str) -> bool:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=key)
    return any(o["Key"] == key for o in listing.get("Contents", []))


# -- Massdriver and Argo, with boto3 as S3Proxy's and Argo's client ---------------------------


def _calls(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    def multipart() -> None:
        upload = s3.create_multipart_upload(Bucket=bucket, Key=f"{key}.multipart")
        part = s3.upload_part(
            Bucket=bucket,
            Key=f"{key}.multipart",
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"x" * 1024,
        )
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key=f"{key}.multipart",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )

    return {
        "put": lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"bundle"),
        "get": lambda: s3.get_object(Bucket=bucket, Key=key),
        "head": lambda: s3.head_object(Bucket=bucket, Key=key),
        "list": lambda: s3.list_objects_v2(Bucket=bucket),
        "multipart": multipart,
        "delete": lambda: s3.delete_object(Bucket=bucket, Key=key),
    }


def _outcome(call: Any) -> str:
    from botocore.exceptions import ClientError

    try:
        call()
        return "allowed"
    except ClientError as error:
        return str(error.response["Error"]["Code"])


def test_massdriver_and_argo_reach_their_buckets_and_nothing_else(peer: Peer) -> None:
    md = peer.app.plan.massdriver
    needs(peer, md, "Massdriver")
    assert md is not None
    own: dict[str, set[str]] = {}
    if md.storage is not None:
        assert md.massdriver_bucket and md.state_bucket
        own[md.storage.name] = {md.massdriver_bucket.name, md.state_bucket.name}
    if md.argo is not None:
        assert md.argo_bucket
        own[md.argo.name] = {md.argo_bucket.name}
    verbs = {
        name: (
            ("put", "get", "head", "list", "multipart", "delete")
            if md.storage is not None and name == md.storage.name
            else ("put", "get", "list", "delete")
        )
        for name in own
    }
    for name, buckets in own.items():
        s3 = peer.server.client("s3", peer.credentials[name])
        for bucket in peer.model.buckets:
            calls = _calls(s3, bucket, f"probe/{uuid.uuid4()}")
            for verb in verbs[name]:
                outcome = _outcome(calls[verb])
                if bucket in buckets:
                    assert outcome == "allowed", (name, bucket, verb, outcome)
                else:
                    assert outcome in ("AccessDenied", "403"), (name, bucket, verb, outcome)
