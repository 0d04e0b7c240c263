"""The rendered configuration, parsed and checked key by key against the chart and runner facts.

Most tests render straight from the parsed configuration (`renders`: no CDK, a fraction of a
second); those that compare with the stacks use the synthesized apps."""

from __future__ import annotations

import io
import json
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from platform_storage.cli import main
from platform_storage.massdriver_chart import ChartNames, fullname
from platform_storage.plan import AppPlan, load_plan, parse_plan
from platform_storage.render.files import render
from tests.apps import APP_CONFIGS, SynthesizedApp
from tests.conftest import ROOT
from tests.helpers import named

ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class Rendered:
    plan: AppPlan
    rendered: dict[str, str]


@pytest.fixture(scope="module")
def renders() -> dict[str, Rendered]:
    """Every example rendered from its parsed configuration alone: no CDK, no synth."""
    found = {}
    for name, path in APP_CONFIGS.items():
        plan = load_plan(path)
        files = render(plan).by_path(plan)
        found[name] = Rendered(plan, {p: f.content for p, f in files.items()})
    return found


def values(app: SynthesizedApp | Rendered) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(app.rendered["massdriver-values.yaml"])
    return loaded


@pytest.mark.parametrize(
    ("release", "override", "expected"),
    [
        ("massdriver", None, "massdriver"),
        ("md", None, "md-massdriver"),
        ("prod-massdriver-eu", None, "prod-massdriver-eu"),
        ("md", "custom", "custom"),
        ("a" * 60, None, "a" * 60 + "-ma"),
    ],
)
def test_fullname_follows_the_chart(release: str, override: str | None, expected: str) -> None:
    assert fullname(release, override) == expected


def test_service_accounts_for_a_release_without_massdriver_in_its_name() -> None:
    names = ChartNames(release="md", namespace="platform")
    assert names.s3proxy_service_account == "md-massdriver-s3proxy"
    assert names.massdriver_service_account == "md-massdriver-massdriver"
    assert names.provisioner_service_account == "md-massdriver-provisioner"


def test_current_layout_annotates_the_s3proxy_service_account(
    apps: dict[str, SynthesizedApp],
) -> None:
    app = apps["default"]
    blob = values(app)["massdriver"]["blobStorage"]
    assert blob["type"] == "s3"
    assert blob["massdriverBucket"] == "example-massdriver-bundles"
    assert blob["stateBucket"] == "example-massdriver-tfstate"
    assert blob["s3"] == {"region": "us-east-2", "accessKeyId": "", "secretAccessKey": ""}
    assert blob["serviceAccount"]["annotations"] == {
        ROLE_ANNOTATION: "arn:aws:iam::123456789012:role/massdriver-storage"
    }
    assert "serviceAccount" not in values(app)["massdriver"]
    trust = trusted_subjects(app, "massdriver-storage", "massdriver-storage")
    assert trust == ["system:serviceaccount:massdriver:massdriver-s3proxy"]


def test_legacy_layout_annotates_the_massdriver_service_account(
    apps: dict[str, SynthesizedApp],
) -> None:
    app = apps["massdriver-legacy-irsa"]
    md = values(app)["massdriver"]
    assert "serviceAccount" not in md["blobStorage"]
    assert md["serviceAccount"]["annotations"] == {
        ROLE_ANNOTATION: "arn:aws:iam::123456789012:role/md-massdriver-storage"
    }
    trust = trusted_subjects(app, "massdriver-storage", "md-massdriver-storage")
    assert trust == ["system:serviceaccount:massdriver:md-massdriver-massdriver"]
    argo = trusted_subjects(app, "massdriver-storage", "md-massdriver-argo-artifacts")
    assert argo == ["system:serviceaccount:massdriver:md-massdriver-provisioner"]


def test_argo_on_s3_uses_sdk_credentials_and_blank_secrets(renders: dict[str, Rendered]) -> None:
    rendered = values(renders["default"])
    assert rendered["minio"] == {"enabled": False}
    assert rendered["provisioner"]["serviceAccount"]["annotations"] == {
        ROLE_ANNOTATION: "arn:aws:iam::123456789012:role/massdriver-argo-artifacts"
    }
    argo = rendered["argo-workflows"]
    assert argo["useStaticCredentials"] is False
    assert argo["artifactRepository"]["s3"] == {
        "bucket": "example-massdriver-argo-artifacts",
        "endpoint": "s3.amazonaws.com",
        "insecure": False,
        "region": "us-east-2",
        "useSDKCreds": True,
        "accessKeySecret": {"name": "", "key": ""},
        "secretKeySecret": {"name": "", "key": ""},
    }


def test_minio_stays_on_while_argo_uses_it(renders: dict[str, Rendered]) -> None:
    rendered = values(renders["massdriver-s3-argo-minio"])
    assert "minio" not in rendered
    assert "argo-workflows" not in rendered
    assert "provisioner" not in rendered


def test_no_argo_bucket_is_built_while_argo_stays_on_minio(
    apps: dict[str, SynthesizedApp],
) -> None:
    assert "argo-bucket" not in json.dumps(apps["massdriver-s3-argo-minio"].stacks)


def test_values_header_names_the_chart_version(renders: dict[str, Rendered]) -> None:
    first = renders["massdriver-legacy-irsa"].rendered["massdriver-values.yaml"].splitlines()[0]
    assert first.startswith("# platform-storage: Helm values for the massdriver chart 0.0.16")
    assert "legacy layout" in first


def principal_references(app: SynthesizedApp) -> list[tuple[str, str]]:
    """(stack, reference) of every principal ARN output, single or in a map by runner id."""
    found = []
    for stack, doc in app.stacks.items():
        for name, output in doc.get("output", {}).items():
            if name.endswith("_principal_arn"):
                found.append((stack, output["value"]))
            elif name == "runner_principal_arns":
                found += [(stack, value) for value in output["value"].values()]
    return found


def terraform_arn(app: SynthesizedApp, stack: str, output: str, key: str | None = None) -> str:
    """The ARN Terraform will report for the principal an output points at:
    arn:<partition>:iam::<account>:<role|user><path><name> of that resource."""
    value = app.stacks[stack]["output"][output]["value"]
    return arn_of(app, stack, value[key] if key else value)


def arn_of(app: SynthesizedApp, stack: str, reference: str) -> str:
    doc = app.stacks[stack]
    type_, name = reference.removeprefix("${").removesuffix(".arn}").split(".")
    resource = doc["resource"][type_][name]
    kind = "role" if type_ == "aws_iam_role" else "user"
    aws = app.config.aws
    return f"arn:{aws.partition}:iam::{aws.account_id}:{kind}{resource['path']}{resource['name']}"


def test_rendered_role_arns_equal_what_the_outputs_will_hold(
    apps: dict[str, SynthesizedApp],
) -> None:
    app = apps["default"]
    rendered = values(app)
    assert rendered["massdriver"]["blobStorage"]["serviceAccount"]["annotations"][
        ROLE_ANNOTATION
    ] == terraform_arn(app, "massdriver-storage", "massdriver_storage_principal_arn")
    assert rendered["provisioner"]["serviceAccount"]["annotations"][
        ROLE_ANNOTATION
    ] == terraform_arn(app, "massdriver-storage", "argo_principal_arn")
    account = yaml.safe_load(app.rendered["orchestrator/eks-prod.serviceaccount.yaml"])
    assert account["metadata"]["annotations"][ROLE_ANNOTATION] == terraform_arn(
        app, "orchestrator-state", "runner_principal_arns", "eks-prod"
    )
    ecs = yaml.safe_load(app.rendered["orchestrator/ecs-batch.yaml"])
    assert ecs["runner_configuration"]["job"]["task_role_arn"] == terraform_arn(
        app, "orchestrator-state", "runner_principal_arns", "ecs-batch"
    )


def test_rendered_arns_follow_the_partition(apps: dict[str, SynthesizedApp]) -> None:
    """Every principal output of every app: the computed ARN appears in the rendered files."""
    checked = 0
    for app in apps.values():
        rendered = "\n".join(app.rendered.values())
        for stack, reference in principal_references(app):
            arn = arn_of(app, stack, reference)
            if arn.split(":")[5].startswith("role"):
                assert arn in rendered, arn
            checked += 1
    assert checked >= 10


def test_runner_document_for_eks_sets_job_and_region(renders: dict[str, Rendered]) -> None:
    doc = yaml.safe_load(
        renders["orchestrator-shared-bucket"].rendered["orchestrator/eks-prod.yaml"]
    )
    assert set(doc) == {"runner_configuration", "state_storage_configuration"}
    assert doc["state_storage_configuration"] == {
        "type": "s3",
        "bucket": "acme-orchestrator-tfstate",
        "path_prefix": "eks/prod",
    }
    job = doc["runner_configuration"]["job"]
    assert job["namespace"] == "humanitec-runner"
    assert job["service_account"] == "humanitec-runner"
    (container,) = job["pod_template"]["spec"]["containers"]
    assert container["name"] == "main"
    assert {"name": "AWS_REGION", "value": "us-east-2"} in container["env"]


def test_runner_document_for_ecs_names_the_task_role(renders: dict[str, Rendered]) -> None:
    doc = yaml.safe_load(
        renders["orchestrator-shared-bucket"].rendered["orchestrator/ecs-batch.yaml"]
    )
    job = doc["runner_configuration"]["job"]
    assert job["task_role_arn"] == "arn:aws:iam::123456789012:role/orchestrator-runner-ecs-batch"
    assert job["environment"] == {
        "AWS_REGION": "us-east-2",
        "TF_CLI_ARGS_init": "-backend-config=use_lockfile=true",
    }
    assert job["cluster"] == "runners"
    assert "execution_role_arn" in job and job["execution_role_arn"] != job["task_role_arn"]


def test_missing_runner_fields_are_named_not_invented(renders: dict[str, Rendered]) -> None:
    text = renders["default"].rendered["orchestrator/ecs-batch.yaml"]
    doc = yaml.safe_load(text)
    assert "cluster" not in doc["runner_configuration"]["job"]
    assert "#   - runner_configuration.job.cluster" in text
    assert "#   - runner_configuration.job.subnets" in text


def test_oidc_runner_job_gets_a_projected_token_and_role(renders: dict[str, Rendered]) -> None:
    doc = yaml.safe_load(renders["orchestrator-shared-bucket"].rendered["orchestrator/gke-eu.yaml"])
    spec = doc["runner_configuration"]["job"]["pod_template"]["spec"]
    env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
    assert env["AWS_ROLE_ARN"] == "arn:aws:iam::123456789012:role/orchestrator-runner-gke-eu"
    token = spec["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
    assert token["audience"] == "sts.amazonaws.com"
    assert env["AWS_WEB_IDENTITY_TOKEN_FILE"].endswith("/token")


def test_irsa_runner_gets_an_annotated_service_account(renders: dict[str, Rendered]) -> None:
    manifest = yaml.safe_load(
        renders["default"].rendered["orchestrator/eks-prod.serviceaccount.yaml"]
    )
    assert manifest["kind"] == "ServiceAccount"
    assert manifest["metadata"]["name"] == "humanitec-runner"
    assert manifest["metadata"]["namespace"] == "humanitec-runner"
    assert manifest["metadata"]["annotations"] == {
        ROLE_ANNOTATION: "arn:aws:iam::123456789012:role/orchestrator-runner-eks-prod"
    }
    assert "orchestrator/ecs-batch.serviceaccount.yaml" not in renders["default"].rendered


def test_runners_tf_is_valid_hcl_in_the_provider_form(renders: dict[str, Rendered]) -> None:
    parsed = hcl2.loads(renders["orchestrator-shared-bucket"].rendered["orchestrator/runners.tf"])
    text = json.dumps(parsed)
    for runner, prefix in (
        ("eks-prod", "eks/prod"),
        ("ecs-batch", "ecs/batch"),
        ("gke-eu", "gke/eu"),
    ):
        assert runner in text and prefix in text
    assert "s3_configuration" in text
    assert text.count("acme-orchestrator-tfstate") == 4


def test_every_rendered_yaml_file_parses_and_starts_with_a_header(
    renders: dict[str, Rendered],
) -> None:
    for app in renders.values():
        for name, content in app.rendered.items():
            if name.startswith("access-report."):
                continue  # a report for people, not a configuration file
            assert content.startswith("# platform-storage: "), name
            if name.endswith(".yaml"):
                yaml.safe_load(content)


def test_static_mode_files_say_where_the_keys_come_from(apps: dict[str, SynthesizedApp]) -> None:
    app = apps["static-credentials"]
    text = app.rendered["massdriver-values.yaml"]
    assert "python -m platform_storage render --outputs" in text
    assert "accessKeyId" not in yaml.safe_load(text)["massdriver"]["blobStorage"]["s3"]
    assert "render --outputs" in app.rendered["orchestrator/onprem.yaml"]
    assert all(mode == 0o644 for mode in app.modes.values())


STATIC_OUTPUTS = {
    "massdriver_storage_access_key_id": "AKIAMASSDRIVER",
    "massdriver_storage_secret_access_key": "secret-massdriver",
    "argo_artifacts_access_key_id": "AKIAARGO",
    "argo_artifacts_secret_access_key": "secret-argo",
    "runner_onprem_access_key_id": "AKIARUNNER",
    "runner_onprem_secret_access_key": "secret-runner",
    "runner_ecs_static_access_key_id": "AKIAECS",
    "runner_ecs_static_secret_access_key": "secret-ecs",
    "runner_ecs_static_access_key_id_secret_arn": (
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:"
        "platform-storage/orchestrator-runner-ecs-static/AWS_ACCESS_KEY_ID-AbCdEf"
    ),
    "runner_ecs_static_secret_access_key_secret_arn": (
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:"
        "platform-storage/orchestrator-runner-ecs-static/AWS_SECRET_ACCESS_KEY-GhIjKl"
    ),
}


def test_render_with_outputs_fills_in_static_keys_with_mode_0600(
    apps: dict[str, SynthesizedApp], tmp_path: Path
) -> None:
    app = apps["static-credentials"]
    outputs = tmp_path / "outputs.json"
    # The shape of `terraform output -json`.
    outputs.write_text(
        json.dumps(
            {
                name: {"sensitive": "secret" in name, "type": "string", "value": value}
                for name, value in STATIC_OUTPUTS.items()
            }
        )
    )
    out = io.StringIO()
    code = main(
        [
            "render",
            str(APP_CONFIGS["static-credentials"]),
            "--outputs",
            str(outputs),
            "--outdir",
            str(tmp_path),
        ],
        stdout=out,
    )
    assert code == 0
    rendered = tmp_path / "rendered"
    md = yaml.safe_load((rendered / "massdriver-values.yaml").read_text())
    assert md["massdriver"]["blobStorage"]["s3"]["accessKeyId"] == "AKIAMASSDRIVER"
    assert md["massdriver"]["blobStorage"]["s3"]["secretAccessKey"] == "secret-massdriver"
    (secret,) = md["extraManifests"]
    assert secret["kind"] == "Secret"
    assert secret["stringData"] == {"accessKey": "AKIAARGO", "secretKey": "secret-argo"}
    repository = md["argo-workflows"]["artifactRepository"]["s3"]
    assert repository["accessKeySecret"] == {"name": secret["metadata"]["name"], "key": "accessKey"}
    runner_secret = yaml.safe_load((rendered / "orchestrator/onprem.secret.yaml").read_text())
    assert runner_secret["stringData"]["AWS_SECRET_ACCESS_KEY"] == "secret-runner"
    for name in ("massdriver-values.yaml", "orchestrator/onprem.secret.yaml"):
        assert stat.S_IMODE((rendered / name).stat().st_mode) == 0o600, name
        assert "mode 0600" in out.getvalue()
    ecs = yaml.safe_load((rendered / "orchestrator/ecs-static.yaml").read_text())
    job = ecs["runner_configuration"]["job"]
    assert job["secrets"] == {
        "AWS_ACCESS_KEY_ID": STATIC_OUTPUTS["runner_ecs_static_access_key_id_secret_arn"],
        "AWS_SECRET_ACCESS_KEY": STATIC_OUTPUTS["runner_ecs_static_secret_access_key_secret_arn"],
    }
    assert "AWS_SECRET_ACCESS_KEY" not in job["environment"]
    assert stat.S_IMODE((rendered / "orchestrator/ecs-static.yaml").stat().st_mode) == 0o644
    assert app.outdir != tmp_path


def test_render_names_missing_outputs(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"unrelated": "x"}))
    err = io.StringIO()
    code = main(
        [
            "render",
            str(APP_CONFIGS["static-credentials"]),
            "--outputs",
            str(outputs),
            "--outdir",
            str(tmp_path / "out"),
        ],
        stderr=err,
    )
    assert code == 2
    assert "massdriver_storage_secret_access_key" in err.getvalue()
    assert not (tmp_path / "out").exists()


def test_static_output_names_match_the_synthesized_outputs(apps: dict[str, SynthesizedApp]) -> None:
    outputs = {
        name for stack in apps["static-credentials"].stacks.values() for name in stack["output"]
    }
    assert set(STATIC_OUTPUTS) <= outputs


def test_rendering_needs_no_cdk() -> None:
    plan = parse_plan(yaml.safe_load((APP_CONFIGS["default"]).read_text()))
    assert set(render(plan).by_path(plan)) == set(
        f
        for f in (
            "massdriver-values.yaml",
            "orchestrator/eks-prod.yaml",
            "orchestrator/eks-prod.serviceaccount.yaml",
            "orchestrator/ecs-batch.yaml",
            "orchestrator/runners.tf",
        )
    )


def trusted_subjects(app: SynthesizedApp, stack: str, role_name: str) -> list[str]:
    from tests.policy_eval import trust_policy

    doc = app.stacks[stack]
    named(doc, "aws_iam_role", role_name)
    (statement,) = trust_policy(doc, role_name)["Statement"]
    subjects = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    return [s for value in subjects for s in ([value] if isinstance(value, str) else value)]


SECRET = "arn:aws:secretsmanager:us-west-2:123456789012:secret"


def test_render_reads_the_real_cdktf_outputs_file_shape(
    apps: dict[str, SynthesizedApp], tmp_path: Path
) -> None:
    """`cdktf output --outputs-file` nests values by stack and construct path."""
    app = apps["static-credentials"]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "massdriver-storage": {
                    "massdriver-storage": {"access-key-id": "AKIA1", "secret-access-key": "s1"},
                    "argo-artifacts": {"access-key-id": "AKIA2", "secret-access-key": "s2"},
                    "output-state_bucket_name": "acme-static-tfstate",
                },
                "orchestrator-state": {
                    "runner-onprem": {"access-key-id": "AKIA3", "secret-access-key": "s3"},
                    "runner-ecs-static": {"access-key-id": "AKIA4", "secret-access-key": "s4"},
                    "runner-ecs-static-key-secrets": {
                        "aws-access-key-id-arn": f"{SECRET}:a-AbCdEf",
                        "aws-secret-access-key-arn": f"{SECRET}:b-AbCdEf",
                    },
                },
            }
        )
    )
    target = tmp_path / "rendered-out"
    shutil.copytree(app.outdir / "stacks", target / "stacks")
    code = main(
        [
            "render",
            str(APP_CONFIGS["static-credentials"]),
            "--outputs",
            str(outputs),
            "--outdir",
            str(target),
        ],
        stdout=io.StringIO(),
    )
    assert code == 0
    md = yaml.safe_load((target / "rendered" / "massdriver-values.yaml").read_text())
    assert md["massdriver"]["blobStorage"]["s3"]["accessKeyId"] == "AKIA1"
    runner = yaml.safe_load((target / "rendered" / "orchestrator/onprem.secret.yaml").read_text())
    assert runner["stringData"]["AWS_ACCESS_KEY_ID"] == "AKIA3"
    ecs = yaml.safe_load((target / "rendered" / "orchestrator/ecs-static.yaml").read_text())
    secrets = ecs["runner_configuration"]["job"]["secrets"]
    assert secrets["AWS_SECRET_ACCESS_KEY"] == f"{SECRET}:b-AbCdEf"


def test_the_renderer_tests_run_without_loading_the_cdk() -> None:
    """The fast tests stay fast: rendering from a parsed configuration loads no CDK."""
    import subprocess
    import sys

    fast = [
        name
        for name, value in globals().items()
        if name.startswith("test_") and "renders" in value.__code__.co_varnames
    ]
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(['-q', '-p', 'no:cacheprovider', 'tests/test_rendered.py', '-k', "
        f"{' or '.join(fast)!r}])\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('cdktf', 'cdktn', 'jsii')]\n"
        "print('RESULT', rc, len(loaded))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert len(fast) >= 10
    assert f"{len(fast)} passed" in ran.stdout
    assert ran.stdout.strip().endswith("RESULT 0 0"), ran.stdout[-2000:]
