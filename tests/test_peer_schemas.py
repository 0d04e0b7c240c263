"""The rendered files against what their consumers accept: every runner document against a JSON
Schema written from the Orchestrator API (tests/schemas/), and every Massdriver values file
against the keys its chart layout reads (a typo in an emitted key is otherwise silent in Helm).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.apps import APP_CONFIGS, SynthesizedApp
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "tests/schemas/orchestrator-runner.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
APPS = [*sorted(APP_CONFIGS), "generated"]
MISSING = re.compile(r"^#   - (.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def every_app(apps: dict[str, SynthesizedApp], generated_app: SynthesizedApp) -> dict[str, Any]:
    return {**apps, "generated": generated_app}


def runner_documents(app: SynthesizedApp) -> Iterator[tuple[str, str]]:
    for path, text in sorted(app.rendered.items()):
        if path.startswith("orchestrator/") and path.count(".") == 1 and path.endswith(".yaml"):
            yield path, text


def test_the_schema_is_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", APPS)
def test_runner_documents_are_what_the_api_accepts_or_name_what_is_missing(
    name: str, every_app: dict[str, Any]
) -> None:
    """A complete document validates; an incomplete one fails only on `required` fields, and
    each of those is named in the file's header."""
    for path, text in runner_documents(every_app[name]):
        document = yaml.safe_load(text)
        header = "\n".join(MISSING.findall(text))
        for error in VALIDATOR.iter_errors(document):
            assert error.validator == "required", (path, error.message)
            (field,) = re.findall(r"'([^']+)' is a required property", error.message)
            assert field in header, (path, field, header)


def test_every_field_of_a_complete_document_validates(every_app: dict[str, Any]) -> None:
    """The shipped examples and the generated app hold complete documents of every type."""
    complete = {
        yaml.safe_load(text)["runner_configuration"]["type"]
        for app in every_app.values()
        for _, text in runner_documents(app)
        if not MISSING.search(text)
    }
    assert complete >= {"kubernetes-eks", "serverless-ecs", "kubernetes-agent"}


def test_the_schema_refuses_what_the_api_refuses() -> None:
    """Guard against a schema that accepts everything."""
    base = {
        "runner_configuration": {
            "type": "serverless-ecs",
            "auth": {"role_arn": "arn:aws:iam::123456789012:role/orchestrator"},
            "job": {
                "region": "us-east-2",
                "cluster": "runners",
                "subnets": ["subnet-0123456789abcdef0"],
                "execution_role_arn": "arn:aws:iam::123456789012:role/exec",
            },
        },
        "state_storage_configuration": {"type": "s3", "bucket": "state", "path_prefix": "a/b"},
    }
    assert list(VALIDATOR.iter_errors(base)) == []
    broken = [
        ("runner_configuration", "auth", "role_arn", "arn:aws-us-gov:iam::123456789012:role/x"),
        ("runner_configuration", "job", "region", "us-gov-west-1"),
        ("state_storage_configuration", "bucket", None, "with.dots"),
        ("state_storage_configuration", "path_prefix", None, "/leading"),
        ("runner_configuration", "auth", "session_name", "ab"),
    ]
    for first, second, third, value in broken:
        document: dict[str, Any] = json.loads(json.dumps(base))
        target = document[first] if third is None else document[first][second]
        target[third or second] = value
        assert list(VALIDATOR.iter_errors(document)), (first, second, third, value)
    assert list(VALIDATOR.iter_errors({**base, "unknown": 1}))


# The keys the Massdriver chart reads for storage, per layout (chart 0.2.0 templates and the
# argo-workflows 0.47.5 subchart); maps under `annotations` and the `extraManifests` list are
# values, not keys.
COMMON = {
    "massdriver.blobStorage.type",
    "massdriver.blobStorage.massdriverBucket",
    "massdriver.blobStorage.stateBucket",
    "massdriver.blobStorage.s3.region",
    "massdriver.blobStorage.s3.accessKeyId",
    "massdriver.blobStorage.s3.secretAccessKey",
    "minio.enabled",
    "extraManifests",
    "provisioner.serviceAccount.annotations",
    "argo-workflows.useStaticCredentials",
    *(
        f"argo-workflows.artifactRepository.s3.{key}"
        for key in (
            "bucket",
            "endpoint",
            "insecure",
            "region",
            "useSDKCreds",
            "accessKeySecret.name",
            "accessKeySecret.key",
            "secretKeySecret.name",
            "secretKeySecret.key",
            "keyFormat",
            "roleARN",
            "sessionTokenSecret",
            "caSecret",
            "encryptionOptions",
        )
    ),
}
CHART_KEYS = {
    True: COMMON | {"massdriver.blobStorage.serviceAccount.annotations"},
    False: COMMON | {"massdriver.serviceAccount.annotations"},
}
LEAVES = ("annotations", "extraManifests")


def key_paths(values: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(values, dict) and not prefix.endswith(LEAVES):
        for key, value in values.items():
            yield from key_paths(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix


@pytest.mark.parametrize("name", APPS)
def test_massdriver_values_use_only_keys_the_chart_reads(
    name: str, every_app: dict[str, Any]
) -> None:
    app = every_app[name]
    if "massdriver-values.yaml" not in app.rendered:
        assert app.plan.massdriver is None
        return
    values = yaml.safe_load(app.rendered["massdriver-values.yaml"])
    allowed = CHART_KEYS[app.plan.massdriver.current_layout]
    assert set(key_paths(values)) - allowed == set()


def test_the_key_check_sees_a_typo() -> None:
    typo = {"massdriver": {"blobStorage": {"stateBuckets": "x"}}}
    assert set(key_paths(typo)) - CHART_KEYS[True] == {"massdriver.blobStorage.stateBuckets"}
