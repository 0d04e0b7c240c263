"""Platform Orchestrator runner files: the `hctl create runner` document, the IRSA service
account, and the provider-form state storage blocks in HCL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from platform_storage.plan import IRSA_ANNOTATION, OidcFederation, RunnerPlan, StaticKeys
from platform_storage.render.yaml_out import dump_yaml

TOKEN_DIR = "/var/run/secrets/platform-storage/aws"


def state_storage(plan: RunnerPlan) -> dict[str, Any]:
    """The flat API/CLI form of `state_storage_configuration`."""
    storage: dict[str, Any] = {"type": "s3", "bucket": plan.bucket}
    if plan.prefix:
        storage["path_prefix"] = plan.prefix
    return storage


def runner_document(plan: RunnerPlan, keys: Mapping[str, str] | None = None) -> str:
    """`orchestrator/<id>.yaml` for `hctl create runner <id> --set-yaml=@<file>`."""
    settings, region = plan.settings, plan.account.region
    header = [
        f"platform-storage: runner {plan.id!r} ({settings.type}) for"
        f" `hctl create runner {plan.id} --set-yaml=@orchestrator/{plan.id}.yaml`",
        f"State: s3://{plan.bucket}/{plan.prefix + '/' if plan.prefix else ''}<environment>.tfstate"
        f" in {region}, reached as {plan.identity.kind} identity {plan.identity.arn}",
    ]
    missing: list[str] = []
    configuration: dict[str, Any] = {"type": settings.type}

    if settings.type == "serverless-ecs":
        ecs = settings.ecs
        if ecs is not None and ecs.auth_role_arn:
            configuration["auth"] = {"role_arn": ecs.auth_role_arn}
        else:
            missing.append("runner_configuration.auth.role_arn (the role the Orchestrator uses)")
        job: dict[str, Any] = {"region": region}
        for key in ("cluster", "execution_role_arn", "subnets", "security_groups"):
            value = getattr(ecs, key, None) if ecs else None
            if value:
                job[key] = value
            elif key != "security_groups":
                missing.append(f"runner_configuration.job.{key}")
        if ecs is not None and ecs.is_public_ip_enabled is not None:
            job["is_public_ip_enabled"] = ecs.is_public_ip_enabled
        environment = {"AWS_REGION": region}
        if plan.identity.kind == "ecs-task":
            job["task_role_arn"] = plan.identity.arn
        elif isinstance(plan.identity, StaticKeys):
            if keys is None:
                missing.append("AWS keys: run `python -m platform_storage render --outputs ...`")
            else:
                environment["AWS_ACCESS_KEY_ID"] = keys[plan.identity.outputs.access_key_id]
                environment["AWS_SECRET_ACCESS_KEY"] = keys[plan.identity.outputs.secret_access_key]
                header.append(
                    "Holds an AWS secret key in job.environment, which the Orchestrator and the"
                    " ECS task definition store in clear: prefer an ecs-task identity."
                )
        job["environment"] = environment
        configuration["job"] = job
    else:
        if settings.type == "kubernetes-eks":
            cluster = settings.cluster
            if cluster is not None:
                auth = {"role_arn": cluster.auth_role_arn} if cluster.auth_role_arn else None
                if auth and cluster.auth_session_name:
                    auth["session_name"] = cluster.auth_session_name
                configuration["cluster"] = {
                    "name": cluster.name,
                    "region": cluster.region or region,
                }
                if auth:
                    configuration["cluster"]["auth"] = auth
                else:
                    missing.append("runner_configuration.cluster.auth.role_arn")
            else:
                missing.append("runner_configuration.cluster (name, region, auth.role_arn)")
        else:
            missing.append(
                f"the cluster connection of a {settings.type} runner (Orchestrator docs)"
            )
        job = {}
        if settings.namespace and settings.service_account:
            job["namespace"] = settings.namespace
            job["service_account"] = settings.service_account
        else:
            missing.append("runner_configuration.job.namespace and job.service_account")
        job["pod_template"] = _pod_template(plan, keys, missing)
        configuration["job"] = job

    document: dict[str, Any] = {}
    if settings.description:
        document["description"] = settings.description
    document["runner_configuration"] = configuration
    document["state_storage_configuration"] = state_storage(plan)
    if missing:
        header.append("Add before use (this library cannot know them):")
        header += [f"  - {item}" for item in missing]
    return dump_yaml(document, header)


def _pod_template(
    plan: RunnerPlan, keys: Mapping[str, str] | None, missing: list[str]
) -> dict[str, Any]:
    """Environment of the job's `main` container: the region (the runner's backend block names
    none), and for OIDC federation the projected token and role, for static keys the Secret."""
    env: list[dict[str, Any]] = [{"name": "AWS_REGION", "value": plan.account.region}]
    container: dict[str, Any] = {"name": "main", "env": env}
    spec: dict[str, Any] = {"containers": [container]}
    identity = plan.identity
    if isinstance(identity, OidcFederation):
        env += [
            {"name": "AWS_ROLE_ARN", "value": identity.arn},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": f"{TOKEN_DIR}/token"},
        ]
        container["volumeMounts"] = [
            {"name": "aws-token", "mountPath": TOKEN_DIR, "readOnly": True}
        ]
        spec["volumes"] = [
            {
                "name": "aws-token",
                "projected": {
                    "sources": [
                        {
                            "serviceAccountToken": {
                                "audience": identity.audience,
                                "expirationSeconds": 3600,
                                "path": "token",
                            }
                        }
                    ]
                },
            }
        ]
    elif isinstance(identity, StaticKeys):
        secret = plan.credentials_secret
        env += [
            {
                "name": name,
                "valueFrom": {"secretKeyRef": {"name": secret, "key": name}},
            }
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        ]
        if keys is None:
            missing.append(
                f"Secret {secret!r} in the job namespace: run `python -m platform_storage render"
                " --outputs ...` after deploy, then apply orchestrator/"
                f"{plan.id}.secret.yaml"
            )
    return {"spec": spec}


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
