"""The access report `make synth` writes: the Markdown table (snapshot per example), the SVG
diagram checked edge by edge against the table, and the rows against the plan."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
from syrupy.assertion import SnapshotAssertion

from platform_storage.access_report.diagram import render_svg
from platform_storage.access_report.files import access_report_files
from platform_storage.access_report.model import CATEGORIES, entries
from platform_storage.analysis import SystemModel
from platform_storage.cli import main
from platform_storage.plan import RunnerPlan
from tests.apps import APP_CONFIGS, SynthesizedApp

SVG = "{http://www.w3.org/2000/svg}"
MARKDOWN = "access-report.md"
DIAGRAM = "access-report.svg"


def table_rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]


def table_edges(markdown: str) -> set[tuple[str, str]]:
    found = set()
    for workloads, identity, target, *_ in table_rows(markdown):
        found |= {(w.replace("\\|", "|"), identity) for w in workloads.split("<br>")}
        if target != "(nothing)":
            found.add((identity, target))
    return found


def marks_of(row: list[str]) -> dict[str, str]:
    """A table row's category cells by category."""
    return dict(zip(CATEGORIES, row[3 : 3 + len(CATEGORIES)], strict=True))


def runner_marks(runner: RunnerPlan, *, kms: bool) -> dict[str, str]:
    """The categories a runner's row shows: its own prefix listed, read and written, deleted
    and locked as its settings say, and the bucket's key where the bucket has one. `lock` is a
    grant on lock files only: delete on every key already covers them."""
    return {
        "list": "✓",
        "read": "✓",
        "write": "✓",
        "delete": "✓" if runner.settings.delete_state else "",
        "lock": "✓" if runner.lockfile and not runner.settings.delete_state else "",
        "kms": "✓" if kms else "",
    }


def svg_ids(svg: str, kind: str) -> set[str]:
    root = ET.fromstring(svg)
    return {
        element.attrib["id"]
        for element in root.iter()
        if element.attrib.get("id", "").startswith(f"{kind}:")
        and not element.attrib["id"].endswith(":label")
    }


def svg_edges(svg: str) -> set[tuple[str, str]]:
    found = set()
    for ident in svg_ids(svg, "edge"):
        source, target = ident.removeprefix("edge:").split("->")
        found.add((unquote(source), unquote(target)))
    return found


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_access_report_markdown_matches_snapshot(
    name: str, apps: dict[str, SynthesizedApp], snapshot: SnapshotAssertion
) -> None:
    assert apps[name].rendered[MARKDOWN] == snapshot


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_diagram_holds_every_edge_and_node_of_the_table(
    name: str, apps: dict[str, SynthesizedApp]
) -> None:
    markdown, svg = apps[name].rendered[MARKDOWN], apps[name].rendered[DIAGRAM]
    expected = table_edges(markdown)
    assert expected
    assert svg_edges(svg) == expected
    nodes = {unquote(n.removeprefix("node:")) for n in svg_ids(svg, "node")}
    assert nodes == {end for edge in expected for end in edge}
    for node in nodes:  # the labels are text a reader (and a search) finds
        assert node.split()[0] in svg


def svg_boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Node label -> (left, top, right, bottom) of its box."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        ident = group.attrib.get("id", "")
        if ident.startswith("node:"):
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            x, y, w, h = (float(rect.attrib[k]) for k in ("x", "y", "width", "height"))
            found[unquote(ident.removeprefix("node:"))] = (x, y, x + w, y + h)
    return found


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_each_arrow_runs_from_its_source_box_to_its_target_box_and_no_boxes_overlap(
    name: str, apps: dict[str, SynthesizedApp]
) -> None:
    svg = apps[name].rendered[DIAGRAM]
    boxes = svg_boxes(svg)
    arrows = [
        element
        for element in ET.fromstring(svg).iter(f"{SVG}path")
        if element.attrib.get("id", "").startswith("edge:")
    ]
    assert arrows
    for arrow in arrows:
        source, target = (unquote(p) for p in arrow.attrib["id"][5:].split("->"))
        (x0, y0), (x1, y1) = (
            tuple(float(v) for v in point.split(","))
            for point in arrow.attrib["d"].removeprefix("M").split(" L")
        )
        left, top, right, bottom = boxes[source]
        assert x0 == pytest.approx(right, abs=0.2) and top <= y0 <= bottom
        left, top, right, bottom = boxes[target]
        assert x1 == pytest.approx(left, abs=0.2) and top <= y1 <= bottom
    placed = sorted(boxes.values())
    for index, (left, top, right, bottom) in enumerate(placed):
        for other in placed[index + 1 :]:
            apart = other[0] >= right or other[2] <= left or other[1] >= bottom or other[3] <= top
            assert apart, (left, top, right, bottom, other)


def test_each_runner_row_is_its_own_prefix_only(apps: dict[str, SynthesizedApp]) -> None:
    app = apps["default"]
    rows = table_rows(app.rendered[MARKDOWN])
    assert app.plan.orchestrator is not None
    for runner in app.plan.orchestrator.runners:
        mine = [r for r in rows if r[1] == f"role {runner.identity.name}"]
        assert [r[2] for r in mine] == [f"{runner.bucket}/{runner.prefix}/"]
        (row,) = mine
        assert marks_of(row) == runner_marks(runner, kms=False)


def test_a_planted_extra_grant_shows_as_a_warning(apps: dict[str, SynthesizedApp]) -> None:
    import copy

    stacks = copy.deepcopy(apps["default"].stacks)
    policies = stacks["orchestrator-state"]["data"]["aws_iam_policy_document"]
    (name,) = [n for n in policies if "eks-prod" in n and "storage" in n]
    policies[name]["statement"].append(
        {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::x*/y"]}
    )
    found = entries(SystemModel.from_stacks(stacks))
    (runner,) = [e for e in found if e.identity.name.endswith("eks-prod")]
    assert any("x" in warning for warning in runner.warnings)


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_the_written_report_is_the_report_of_the_written_stacks(
    name: str, apps: dict[str, SynthesizedApp]
) -> None:
    """The ready app makes its report from the documents its rules judged, while Node writes
    the last stack: they must be the documents written."""
    assert_report_of_written_stacks(apps[name])


def test_the_generated_apps_written_report_is_the_report_of_its_written_stacks(
    generated_app: SynthesizedApp,
) -> None:
    assert_report_of_written_stacks(generated_app)


def assert_report_of_written_stacks(app: SynthesizedApp) -> None:
    expected = access_report_files(app.stacks)
    assert {path: file.content for path, file in expected.items()} == {
        path: app.rendered[path] for path in (MARKDOWN, DIAGRAM)
    }


def test_the_diagram_is_the_same_every_run(apps: dict[str, SynthesizedApp]) -> None:
    found = entries(SystemModel.from_stacks(apps["default"].stacks))
    assert render_svg(found) == render_svg(found) == apps["default"].rendered[DIAGRAM]


def test_report_command_rewrites_the_report_of_the_synthesized_stacks(
    apps: dict[str, SynthesizedApp],
) -> None:
    app = apps["default"]
    (app.outdir / "rendered" / MARKDOWN).unlink()
    stdout = io.StringIO()
    code = main(
        ["report", "--config", str(APP_CONFIGS["default"]), "--outdir", str(app.outdir)],
        stdout,
        io.StringIO(),
    )
    assert code == 0
    assert (app.outdir / "rendered" / MARKDOWN).read_text() == app.rendered[MARKDOWN]


def test_report_without_stacks_is_refused_in_one_line(tmp_path: Path) -> None:
    stderr = io.StringIO()
    code = main(["report", "--outdir", str(tmp_path)], io.StringIO(), stderr)
    assert code == 2
    assert stderr.getvalue() == (
        f"report: --outdir {tmp_path}: no synthesized stacks there; run `make synth` first\n"
    )


SHARED_KEY = "arn:aws:kms:us-east-2:123456789012:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def kms_and_replication(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The default app with one customer key for every Massdriver bucket and the runners'
    state bucket replicated elsewhere."""
    import yaml

    from platform_storage.plan import parse_plan
    from tests.apps import synth_app

    config = yaml.safe_load(APP_CONFIGS["default"].read_text())
    config["massdriver"]["bucket_options"] = {"encryption": "sse-kms", "kms_key_arn": SHARED_KEY}
    config["orchestrator"]["state_bucket"]["replication"] = {
        "destination_bucket_arn": "arn:aws:s3:::example-orchestrator-tfstate-replica"
    }
    return synth_app(parse_plan(config), tmp_path_factory.mktemp("kms-replication"))


def test_a_shared_key_marks_kms_on_each_identitys_own_rows_only(
    kms_and_replication: SynthesizedApp,
) -> None:
    rows = table_rows(kms_and_replication.rendered[MARKDOWN])
    kms = {(r[1], r[2]) for r in rows if r[8] == "✓"}
    assert kms == {
        ("role massdriver-storage", "example-massdriver-bundles (whole bucket)"),
        ("role massdriver-storage", "example-massdriver-tfstate (whole bucket)"),
        ("role massdriver-argo-artifacts", "example-massdriver-argo-artifacts (whole bucket)"),
    }
    assert "None: every allowed request is explained" in kms_and_replication.rendered[MARKDOWN]


def test_the_replication_role_reads_the_source_and_writes_the_replica(
    kms_and_replication: SynthesizedApp,
) -> None:
    rows = table_rows(kms_and_replication.rendered[MARKDOWN])
    replication = {r[2]: r for r in rows if r[0] == "S3 replication of the source bucket"}
    source = replication["example-orchestrator-tfstate (whole bucket)"]
    replica = replication["example-orchestrator-tfstate-replica (whole bucket)"]
    marks = ("list", "read", "write", "delete", "lock", "kms")
    assert {m for m, v in zip(marks, source[3:9], strict=True) if v} == {"list", "read"}
    assert {m for m, v in zip(marks, replica[3:9], strict=True) if v} == {"write", "delete"}
    assert source[9] == "s3:GetReplicationConfiguration"


def _shared_outdir(app: SynthesizedApp, tmp_path: Path) -> Path:
    """The app's stacks, and beside them a stack some other app synthesized there."""
    import json
    import shutil

    outdir = tmp_path / "out"
    shutil.copytree(app.outdir / "stacks", outdir / "stacks")
    foreign = outdir / "stacks" / "someone-elses" / "cdk.tf.json"
    foreign.parent.mkdir()
    foreign.write_text(json.dumps({"provider": {"google": [{"project": "p"}]}}))
    return outdir


def test_report_reads_only_its_configurations_stacks_from_a_shared_outdir(
    apps: dict[str, SynthesizedApp], tmp_path: Path
) -> None:
    app = apps["default"]
    outdir = _shared_outdir(app, tmp_path)
    code = main(
        ["report", "--config", str(APP_CONFIGS["default"]), "--outdir", str(outdir)],
        io.StringIO(),
        io.StringIO(),
    )
    assert code == 0
    assert (outdir / "rendered" / MARKDOWN).read_text() == app.rendered[MARKDOWN]


def test_render_reads_only_its_configurations_stacks_from_a_shared_outdir(
    apps: dict[str, SynthesizedApp], tmp_path: Path
) -> None:
    app = apps["default"]
    outdir = _shared_outdir(app, tmp_path)
    code = main(
        ["render", str(APP_CONFIGS["default"]), "--outdir", str(outdir)],
        io.StringIO(),
        io.StringIO(),
    )
    assert code == 0
    assert (outdir / "rendered" / MARKDOWN).read_text() == app.rendered[MARKDOWN]


def test_a_stack_this_app_does_not_synthesize_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="stack someone-elses: not one AWS provider"):
        SystemModel.from_stacks({"someone-elses": {"provider": {"google": [{}]}}})


def test_every_workload_kind_is_named_and_reaches_its_own_prefix_only(
    generated_app: SynthesizedApp,
) -> None:
    """The generated configuration has runners of every kind: service accounts on three issuers,
    pod identities, ECS tasks, an agent's OIDC subject and static users, on a KMS bucket."""
    from tests.generated import AGENT, EKS, GKE, ONPREM, generated_config

    host = {issuer: issuer.removeprefix("https://") for issuer in (AGENT, EKS, GKE, ONPREM)}
    rows = table_rows(generated_app.rendered[MARKDOWN])
    configured = {r["id"]: r for r in generated_config()["orchestrator"]["runners"]}
    assert generated_app.plan.orchestrator is not None
    kinds = set()
    for runner in generated_app.plan.orchestrator.runners:
        raw = configured[runner.id]
        kind = "user" if raw.get("identity") == "static" else "role"
        mine = [r for r in rows if r[1] == f"{kind} {runner.identity.name}"]
        assert [r[2] for r in mine] == [f"{runner.bucket}/{runner.prefix}/"], runner.id
        (row,) = mine
        oidc = raw.get("oidc", {})
        if kind == "user":
            expected = f"holder of IAM user {runner.identity.name}'s access key"
        elif raw["type"] == "serverless-ecs":
            expected = "ECS tasks whose task definition names this role"
        elif raw.get("identity") == "pod-identity":
            expected = f"pod identity {raw['namespace']}/runner on cluster platform"
        elif raw["type"] == "kubernetes-eks":
            expected = f"service account {raw['namespace']}/runner (token of {host[EKS]})"
        elif oidc["subject"].startswith("system:serviceaccount:"):
            account = oidc["subject"].removeprefix("system:serviceaccount:").replace(":", "/")
            expected = f"service account {account} (token of {host[oidc['issuer']]})"
        else:
            expected = f"OIDC subject {oidc['subject']} (token of {host[oidc['issuer']]})"
        assert row[0] == expected, runner.id
        kinds.add(expected.split(" ")[0])
        assert marks_of(row) == runner_marks(runner, kms=True), runner.id
    assert kinds == {"holder", "ECS", "pod", "service", "OIDC"}
