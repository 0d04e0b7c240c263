"""The runner files besides the document (see `runner_document`): the IRSA service account, the
static keys' Secret, and the provider-form state storage blocks in HCL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from platform_storage.plan import IRSA_ANNOTATION, RunnerPlan, StaticKeys
from platform_storage.render.yaml_out import dump_yaml


def credentials_secret(plan: RunnerPlan, keys: Mapping[str, str]) -> str:
    """`orchestrator/<id>.secret.yaml`: the static keys for a Kubernetes runner's jobs."""
    assert isinstance(plan.identity, StaticKeys)
    metadata: dict[str, Any] = {"name": plan.credentials_secret}
    if plan.settings.namespace:
        metadata["namespace"] = plan.settings.namespace
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "stringData": {
            "AWS_ACCESS_KEY_ID": keys[plan.identity.outputs.access_key_id],
            "AWS_SECRET_ACCESS_KEY": keys[plan.identity.outputs.secret_access_key],
        },
    }
    return dump_yaml(
        manifest,
        [
            f"platform-storage: AWS keys of runner {plan.id!r} (static credentials)",
            "Contains a secret access key: kubectl apply -f it, keep it out of version control.",
        ],
    )


def service_account_manifest(plan: RunnerPlan) -> str:
    """`orchestrator/<id>.serviceaccount.yaml`: the job's service account with the IRSA role."""
    manifest = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": plan.settings.service_account,
            "namespace": plan.settings.namespace,
            "annotations": {IRSA_ANNOTATION: plan.identity.arn},
        },
    }
    return dump_yaml(
        manifest,
        [
            f"platform-storage: service account for the jobs of runner {plan.id!r} (IRSA)",
            f"Apply: kubectl apply -f orchestrator/{plan.id}.serviceaccount.yaml",
        ],
    )


def runners_hcl(plans: Sequence[RunnerPlan]) -> str:
    """`orchestrator/runners.tf`: each runner's `state_storage_configuration` in the Terraform
    provider's nested form, as a map to use in `platform-orchestrator_*_runner` resources."""
    lines = [
        "# platform-storage: state storage of each runner, in the platform-orchestrator",
        "# provider's form. In a runner resource:",
        '#   state_storage_configuration = local.platform_storage_state_storage["<runner id>"]',
        "locals {",
        "  platform_storage_state_storage = {",
    ]
    for plan in plans:
        lines += [
            f"    {_hcl(plan.id)} = {{",
            '      type = "s3"',
            "      s3_configuration = {",
            f"        bucket = {_hcl(plan.bucket)}",
        ]
        if plan.prefix:
            lines.append(f"        path_prefix = {_hcl(plan.prefix)}")
        lines += ["      }", "    }"]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _hcl(value: str) -> str:
    """An HCL string literal; `${` and `%{` are escaped so no value is read as a template."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
