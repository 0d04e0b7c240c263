"""`state list|history|rollback` against a local S3 API with IAM enforced, with the real
Terraform CLI writing the versions, and the runner's own role as the caller."""

from __future__ import annotations

import io
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from platform_storage.cli import main
from platform_storage.plan import RunnerPlan
from platform_storage.state.store import StateStore
from tests.apps import APP_CONFIGS, SynthesizedApp, synth_app
from tests.s3_peer import Peer, Terraform

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        Terraform.binary is None, reason="no terraform CLI on PATH: no real state to roll back"
    ),
]
RUNNER = "eks-prod"
OTHER = "ecs-batch"


@contextmanager
def versioned_peer(app: SynthesizedApp, workdir: Path, config: Path) -> Iterator[Peer]:
    """The app in its own local S3 API, its runner bucket versioned as the stack makes it."""
    loaded = Peer(app, workdir, config)
    try:
        bucket = loaded.app.plan.orchestrator.bucket.name  # type: ignore[union-attr]
        loaded.server.client("s3").put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        yield loaded
    finally:
        loaded.server.stop()


@pytest.fixture(scope="module")
def peer(
    apps: dict[str, SynthesizedApp], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Peer]:
    with versioned_peer(
        apps["default"], tmp_path_factory.mktemp("state-peer"), APP_CONFIGS["default"]
    ) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def unlocked_peer(
    apps: dict[str, SynthesizedApp], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Peer]:
    """The default app with `lockfile: false` on the runner: synthesized, so its identity has
    exactly the rights such a runner gets."""
    workdir = tmp_path_factory.mktemp("unlocked-peer")
    config = yaml.safe_load(APP_CONFIGS["default"].read_text())
    (entry,) = [r for r in config["orchestrator"]["runners"] if r["id"] == RUNNER]
    entry["lockfile"] = False
    path = workdir / "storage.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    with versioned_peer(synth_app(path, workdir / "cdktf.out"), workdir, path) as loaded:
        yield loaded


def runner(peer: Peer, runner_id: str) -> RunnerPlan:
    (found,) = [r for r in peer.runners if r.id == runner_id]
    return found


@pytest.fixture(scope="module")
def environment(peer: Peer) -> dict[str, Any]:
    """One environment applied three times (v1, v2, v3) by the runner's own credentials."""
    return applied(peer, runner(peer, RUNNER), ("v1", "v2", "v3"))


def applied(peer: Peer, plan: RunnerPlan, values: tuple[str, ...]) -> dict[str, Any]:
    """A new environment of runner `plan`, applied once per value by the runner's own
    credentials."""
    env_uuid = str(uuid.uuid4())
    key = f"{plan.prefix}/{env_uuid}.tfstate"
    env = peer.env(plan)
    workspace = peer.terraform.workspace(f"state-{env_uuid}")
    init = peer.terraform.init(workspace, bucket=plan.bucket, key=key, env=env)
    assert init.returncode == 0, init.stderr
    for value in values:
        done = peer.terraform.apply(workspace, value, env)
        assert done.returncode == 0, done.stderr
    return {"uuid": env_uuid, "key": key, "env": env, "workspace": workspace, "plan": plan}


def use_credentials(
    peer: Peer, plan: RunnerPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner's own credentials through the SDK's standard settings."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\ns3 =\n  addressing_style = path\n")
    credentials = peer.credentials[plan.identity.name]
    for name, value in {
        **credentials.env(),
        "AWS_ENDPOINT_URL_S3": peer.server.url,
        "AWS_CONFIG_FILE": str(config),
        "AWS_REGION": peer.app.plan.account.region,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    if not credentials.session_token:
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


@pytest.fixture
def as_runner(
    peer: Peer, environment: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(peer, environment["plan"], tmp_path, monkeypatch)


def state(peer: Peer, *args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    assert peer.config_path is not None
    code = main(["state", "--config", str(peer.config_path), *args], stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def history(peer: Peer, environment: dict[str, Any]) -> list[list[str]]:
    code, out, err = state(peer, "history", RUNNER, environment["uuid"])
    assert code == 0, err
    return [line.split() for line in out.splitlines()[1:]]


def plan_changes(peer: Peer, environment: dict[str, Any], value: str) -> list[dict[str, Any]]:
    terraform = peer.terraform
    workspace = environment["workspace"]
    planned = terraform._run(
        ["plan", "-input=false", "-no-color", f"-var=value={value}", "-out=plan.out"],
        workspace,
        environment["env"],
    )
    assert planned.returncode == 0, planned.stderr
    shown = terraform._run(["show", "-json", "plan.out"], workspace, environment["env"])
    changes: list[dict[str, Any]] = json.loads(shown.stdout).get("resource_changes", [])
    return [c for c in changes if c["change"]["actions"] != ["no-op"]]


def test_list_shows_the_environment_with_serial_lineage_and_version(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    code, out, err = state(peer, "list", RUNNER)
    assert code == 0, err
    (row,) = [line.split() for line in out.splitlines() if line.startswith(environment["uuid"])]
    document = peer.state(environment["plan"].bucket, environment["key"])
    assert row[3] == str(document["serial"])
    assert row[4] == document["lineage"]
    assert row[5] == document["terraform_version"]
    assert row[6] == "1"


def test_history_lists_every_version_newest_first(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    rows = history(peer, environment)
    serials = [int(row[3]) for row in rows]
    assert serials == sorted(serials, reverse=True)
    assert len(rows) >= 3
    assert rows[0][-1] == "current"
    assert len({row[4] for row in rows}) == 1  # one lineage


def test_the_runner_role_cannot_read_another_runners_state(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    # moto ignores the s3:prefix condition of the listing (the Z3 proofs cover it): the
    # other runner's state object itself is what moto refuses.
    other = runner(peer, OTHER)
    peer.server.client("s3").put_object(
        Bucket=other.bucket, Key=f"{other.prefix}/{uuid.uuid4()}.tfstate", Body=b"{}"
    )
    code, _, err = state(peer, "list", OTHER)
    assert code == 1
    assert "AccessDenied" in err
    assert err.count("\n") == 1


def test_rollback_under_a_held_lock_is_refused(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    terraform = peer.terraform
    rows = history(peer, environment)
    holder = subprocess.Popen(
        terraform.apply_command("v3-held", hold=8),  # a replacement: the apply holds the lock
        cwd=environment["workspace"],
        env=environment["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        s3 = peer.server.client("s3")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = s3.list_objects_v2(
                Bucket=environment["plan"].bucket, Prefix=environment["key"] + ".tflock"
            )
            if listed.get("KeyCount"):
                break
            time.sleep(0.1)
        else:
            pytest.fail("terraform never took the lock")
        code, _, err = state(
            peer, "rollback", RUNNER, environment["uuid"], "--to", rows[-1][0], "--yes"
        )
    finally:
        holder.wait(timeout=120)
    assert code == 1
    assert ".tflock exists" in err
    after = [row[0] for row in history(peer, environment)]
    # The held apply wrote new versions on top; the rollback wrote none.
    assert after[-len(rows) :] == [row[0] for row in rows]
    restored = terraform.apply(environment["workspace"], "v3", environment["env"])
    assert restored.returncode == 0, restored.stderr


def test_rollback_of_another_lineage_is_refused(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    s3 = peer.server.client("s3")
    bucket, key = environment["plan"].bucket, environment["key"]
    document = peer.state(bucket, key)
    foreign = dict(document, lineage=str(uuid.uuid4()), serial=document["serial"] + 1)
    put = s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(foreign).encode())
    restored = s3.put_object(
        Bucket=bucket, Key=key, Body=json.dumps(dict(document, serial=document["serial"] + 2))
    )
    assert restored["VersionId"]
    code, _, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", put["VersionId"], "--yes"
    )
    assert code == 1
    assert "another state, not an earlier one" in err


def test_rollback_restores_the_target_and_terraform_plans_the_difference_back(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    assert plan_changes(peer, environment, "v3") == []
    rows = history(peer, environment)
    target = next(row for row in reversed(rows) if row[5] == "1")  # the first apply: input v1
    bucket, key = environment["plan"].bucket, environment["key"]
    s3 = peer.server.client("s3")
    wanted = json.loads(s3.get_object(Bucket=bucket, Key=key, VersionId=target[0])["Body"].read())
    before = peer.state(bucket, key)

    code, out, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", target[0], "--dry-run"
    )
    assert code == 0, err
    assert "~ terraform_data.environment (id, input, output, triggers_replace)" in out
    assert len(history(peer, environment)) == len(rows)

    code, out, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", target[0], "--yes"
    )
    assert code == 0, err
    after = peer.state(bucket, key)
    assert after["serial"] == before["serial"] + 1
    assert after["lineage"] == before["lineage"]
    assert after["resources"] == wanted["resources"]
    assert len(history(peer, environment)) == len(rows) + 1  # nothing deleted
    lock = s3.list_objects_v2(Bucket=bucket, Prefix=key + ".tflock")
    assert lock.get("KeyCount", 0) == 0  # the rollback's own lock is released

    (change,) = plan_changes(peer, environment, "v3")
    assert change["address"] == "terraform_data.environment"
    assert change["change"]["actions"] == ["delete", "create"]
    assert change["change"]["before"]["input"] == "v1"
    assert change["change"]["after"]["input"] == "v3"


def test_rollback_after_a_corrupted_push_restores_the_last_good_state(
    peer: Peer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The current object is no state (a push cut short): the rollback is measured against the
    newest version that is one, with the serial one above it, and Terraform plans nothing."""
    plan = runner(peer, RUNNER)
    environment = applied(peer, plan, ("v1", "v2"))
    use_credentials(peer, plan, tmp_path, monkeypatch)
    bucket, key = plan.bucket, environment["key"]
    good = peer.state(bucket, key)
    (newest, *_) = history(peer, environment)
    peer.server.client("s3").put_object(Bucket=bucket, Key=key, Body=b'{"version": 4, "ser')

    code, out, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", newest[0], "--yes"
    )
    assert code == 0, err
    assert f"measured against the newest state, version {newest[0]}" in out
    assert "not JSON" in out
    after = peer.state(bucket, key)
    assert (after["serial"], after["lineage"]) == (good["serial"] + 1, good["lineage"])
    assert after["resources"] == good["resources"]
    assert plan_changes(peer, environment, "v2") == []


def test_a_lock_that_cannot_be_released_fails_the_rollback_and_says_how_to_remove_it(
    peer: Peer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = runner(peer, RUNNER)
    environment = applied(peer, plan, ("v1", "v2"))
    use_credentials(peer, plan, tmp_path, monkeypatch)
    (_, target, *_) = history(peer, environment)
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteObject")

    def refuse(self: StateStore, environment: str, etag: str) -> None:
        raise denied

    monkeypatch.setattr(StateStore, "release_lock", refuse)
    code, out, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", target[0], "--yes"
    )
    assert code == 1
    assert "rolled back:" in out  # the rollback itself is done ...
    assert f"could not remove {environment['key']}.tflock (AccessDenied" in err  # ... the lock not
    assert "terraform force-unlock " in err and err.count("\n") == 1
    monkeypatch.undo()
    peer.server.client("s3").delete_object(Bucket=plan.bucket, Key=environment["key"] + ".tflock")


def test_a_runner_without_lock_files_rolls_back_without_taking_a_lock(
    unlocked_peer: Peer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its identity may write a `.tflock` (under its prefix) but not remove one, so a lock
    taken by the rollback would stay behind: it takes none, and its write stays conditional."""
    peer = unlocked_peer
    plan = runner(peer, RUNNER)
    assert not plan.lockfile
    environment = applied(peer, plan, ("v1", "v2"))
    own = peer.server.client("s3", peer.credentials[plan.identity.name])
    probe = f"{plan.prefix}/{uuid.uuid4()}.tfstate.tflock"
    own.put_object(Bucket=plan.bucket, Key=probe, Body=b"{}")
    with pytest.raises(ClientError, match="AccessDenied"):
        own.delete_object(Bucket=plan.bucket, Key=probe)
    peer.server.client("s3").delete_object(Bucket=plan.bucket, Key=probe)

    use_credentials(peer, plan, tmp_path, monkeypatch)
    before = peer.state(plan.bucket, environment["key"])
    (_, target, *_) = history(peer, environment)
    code, out, err = state(
        peer, "rollback", RUNNER, environment["uuid"], "--to", target[0], "--yes"
    )
    assert code == 0, err
    assert f"runner {RUNNER} keeps no lock files (lockfile: false)" in out
    assert peer.state(plan.bucket, environment["key"])["serial"] == before["serial"] + 1
    listed = peer.server.client("s3").list_objects_v2(Bucket=plan.bucket, Prefix=plan.prefix)
    assert [o["Key"] for o in listed["Contents"] if o["Key"].endswith(".tflock")] == []


def test_bad_environment_uuid_is_refused_in_one_line(peer: Peer) -> None:
    code, _, err = state(peer, "history", RUNNER, "not-a-uuid")
    assert code == 2
    assert err == (
        "state: ENV_UUID 'not-a-uuid' must be an environment UUID (8-4-4-4-12 lowercase hex)\n"
    )


def test_unknown_runner_is_refused_in_one_line(peer: Peer) -> None:
    code, _, err = state(peer, "list", "nope")
    assert code == 2
    assert err.startswith("state: runner 'nope' is not in the configuration (runners: ")


def test_a_stored_object_that_is_no_state_fails_with_its_key_and_version(
    peer: Peer, environment: dict[str, Any], as_runner: None
) -> None:
    plan = environment["plan"]
    broken = str(uuid.uuid4())
    put = peer.server.client("s3").put_object(
        Bucket=plan.bucket, Key=f"{plan.prefix}/{broken}.tfstate", Body=b"not json"
    )
    code, _, err = state(peer, "rollback", RUNNER, broken, "--to", put["VersionId"], "--yes")
    assert code == 1
    assert err.startswith(f"state rollback: {plan.prefix}/{broken}.tfstate version ")
    assert "not JSON" in err and err.count("\n") == 1
