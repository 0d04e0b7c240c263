"""`orchestrator/<id>.yaml`: the document `hctl create runner <id> --set-yaml=@<file>` takes.

One function per runner family builds `runner_configuration`: EKS (cluster and job), ECS (auth
and job), the other Kubernetes types (job, and a cluster or key this library cannot know). What
the library cannot know is never invented: the file's header lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_storage.plan import OidcFederation, RunnerPlan, StaticKeys
from platform_storage.render.yaml_out import dump_yaml

# The backend block the runner writes names only bucket and key; Terraform and OpenTofu (1.10+)
# append this to `init` from the environment, which turns on S3-native locking.
LOCKFILE_INIT_ARGUMENTS = ("TF_CLI_ARGS_init", "-backend-config=use_lockfile=true")
TOKEN_DIR = "/var/run/secrets/platform-storage/aws"
RENDER_WITH_OUTPUTS = "run `python -m platform_storage render --outputs ...` after deploy"


@dataclass
class _Document:
    """What one runner family contributes: `runner_configuration`, what is missing, notes."""

    plan: RunnerPlan
    keys: Mapping[str, str] | None
    configuration: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def need(self, what: str) -> None:
        self.missing.append(what)


def state_storage(plan: RunnerPlan) -> dict[str, Any]:
    """The flat API/CLI form of `state_storage_configuration`."""
    storage: dict[str, Any] = {"type": "s3", "bucket": plan.bucket}
    if plan.prefix:
        storage["path_prefix"] = plan.prefix
    return storage


def job_environment(plan: RunnerPlan) -> dict[str, str]:
    """The variables every runner's job needs: the state bucket's region (the backend block
    names none) and, with `lockfile`, the switch for S3-native locking."""
    environment = {"AWS_REGION": plan.account.region}
    if plan.lockfile:
        name, value = LOCKFILE_INIT_ARGUMENTS
        environment[name] = value
    return environment


def _ecs(doc: _Document) -> None:
    plan, ecs = doc.plan, doc.plan.settings.ecs
    if ecs is not None and ecs.auth_role_arn:
        auth: dict[str, Any] = {"role_arn": ecs.auth_role_arn}
        if ecs.auth_session_name:
            auth["session_name"] = ecs.auth_session_name
        doc.configuration["auth"] = auth
    else:
        doc.need("runner_configuration.auth.role_arn (the role the Orchestrator uses)")
    job: dict[str, Any] = {"region": (ecs.region if ecs else None) or plan.account.region}
    for key in ("cluster", "execution_role_arn", "subnets", "security_groups"):
        value = getattr(ecs, key, None) if ecs else None
        if value:
            job[key] = value
        elif key != "security_groups":
            doc.need(f"runner_configuration.job.{key}")
    if ecs is not None and ecs.is_public_ip_enabled is not None:
        job["is_public_ip_enabled"] = ecs.is_public_ip_enabled
    environment = job_environment(plan)
    identity = plan.identity
    if isinstance(identity, StaticKeys):
        outputs = identity.outputs
        if plan.keys_in_secrets:
            names = {
                "AWS_ACCESS_KEY_ID": outputs.access_key_id_secret_arn,
                "AWS_SECRET_ACCESS_KEY": outputs.secret_access_key_secret_arn,
            }
            if doc.keys is None:
                doc.need(f"job.secrets (the ARNs of the key secrets): {RENDER_WITH_OUTPUTS}")
            else:
                job["secrets"] = {variable: doc.keys[name] for variable, name in names.items()}
        elif doc.keys is None:
            doc.need(f"AWS keys: {RENDER_WITH_OUTPUTS}")
        else:
            environment["AWS_ACCESS_KEY_ID"] = doc.keys[outputs.access_key_id]
            environment["AWS_SECRET_ACCESS_KEY"] = doc.keys[outputs.secret_access_key]
        if not plan.keys_in_secrets:
            doc.notes.append(
                "Warning: the AWS secret key goes in job.environment, which the Orchestrator and"
                " the ECS task definition store in clear; prefer ecs.static_keys: secrets or an"
                " ecs-task identity."
            )
    else:
        job["task_role_arn"] = identity.arn
    job["environment"] = environment
    doc.configuration["job"] = job


def _eks_cluster(doc: _Document) -> None:
    cluster = doc.plan.settings.cluster
    if cluster is None:
        doc.need("runner_configuration.cluster (name, region, auth.role_arn)")
        return
    configuration: dict[str, Any] = {
        "name": cluster.name,
        "region": cluster.region or doc.plan.account.region,
    }
    if cluster.auth_role_arn:
        auth: dict[str, Any] = {"role_arn": cluster.auth_role_arn}
        if cluster.auth_session_name:
            auth["session_name"] = cluster.auth_session_name
        configuration["auth"] = auth
    else:
        doc.need("runner_configuration.cluster.auth.role_arn")
    doc.configuration["cluster"] = configuration


def _unknown_cluster(doc: _Document) -> None:
    doc.need(f"the cluster connection of a {doc.plan.settings.type} runner (Orchestrator docs)")


def _agent_key(doc: _Document) -> None:
    key = doc.plan.settings.key
    if key is None:
        doc.need("runner_configuration.key (the agent's ed25519 public key in PEM form)")
    else:
        doc.configuration["key"] = key


def _kubernetes_job(doc: _Document) -> None:
    settings = doc.plan.settings
    job: dict[str, Any] = {}
    if settings.namespace and settings.service_account:
        job["namespace"] = settings.namespace
        job["service_account"] = settings.service_account
    else:
        doc.need("runner_configuration.job.namespace and job.service_account")
    job["pod_template"] = _pod_template(doc)
    doc.configuration["job"] = job


def _pod_template(doc: _Document) -> dict[str, Any]:
    """Container `main` of the job pod (the runner merges containers by name): the job
    environment, and for OIDC federation the projected token and role, for static keys the
    Secret."""
    plan = doc.plan
    env: list[dict[str, Any]] = [
        {"name": name, "value": value} for name, value in job_environment(plan).items()
    ]
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
            {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": name}}}
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        ]
        if doc.keys is None:
            doc.need(
                f"Secret {secret!r} in the job namespace: {RENDER_WITH_OUTPUTS}, then apply"
                f" {plan.files.secret}"
            )
    return {"spec": spec}


# Each runner type: the parts of its `runner_configuration`, in the order they are written.
FAMILIES: dict[str, tuple[Callable[[_Document], None], ...]] = {
    "kubernetes-eks": (_eks_cluster, _kubernetes_job),
    "serverless-ecs": (_ecs,),
    "kubernetes-gke": (_unknown_cluster, _kubernetes_job),
    "kubernetes": (_unknown_cluster, _kubernetes_job),
    "kubernetes-agent": (_agent_key, _kubernetes_job),
}


def runner_document(plan: RunnerPlan, keys: Mapping[str, str] | None = None) -> str:
    """`orchestrator/<id>.yaml`; `keys` (Terraform outputs by name) fills in static keys."""
    settings = plan.settings
    doc = _Document(plan, keys, {"type": settings.type})
    for part in FAMILIES[settings.type]:
        part(doc)
    header = [
        f"platform-storage: runner {plan.id!r} ({settings.type}) for"
        f" `hctl create runner {plan.id} --set-yaml=@{plan.files.document}`",
        f"State: s3://{plan.bucket}/{plan.prefix + '/' if plan.prefix else ''}<environment>.tfstate"
        f" in {plan.account.region}, reached as {plan.identity.kind} identity {plan.identity.arn}",
        "Locking: S3-native lockfile (TF_CLI_ARGS_init in the job's environment)."
        if plan.lockfile
        else "Locking: off (lockfile: false); concurrent deployments of one environment are not"
        " guarded.",
        *doc.notes,
    ]
    document: dict[str, Any] = {}
    if settings.description:
        document["description"] = settings.description
    document["runner_configuration"] = doc.configuration
    document["state_storage_configuration"] = state_storage(plan)
    if doc.missing:
        header.append("Add before use (this library cannot know them):")
        header += [f"  - {item}" for item in doc.missing]
    return dump_yaml(document, header)
