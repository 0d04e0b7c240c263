"""`massdriver-values.yaml`: only the chart values that move Massdriver and Argo to S3."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_storage.plan import IRSA_ANNOTATION, IdentityPlan, MassdriverPlan, StaticKeys
from platform_storage.render.yaml_out import dump_yaml

BLANK_SECRET = {"name": "", "key": ""}


def argo_secret_name(plan: MassdriverPlan) -> str:
    return f"{plan.names.fullname}-argo-artifacts-s3"


def s3_endpoint(plan: MassdriverPlan) -> str:
    """Argo's endpoint: the global one in `aws`, the regional one of other partitions."""
    account = plan.account
    if account.partition == "aws":
        return "s3.amazonaws.com"
    return f"s3.{account.region}.{account.dns_suffix}"


def massdriver_values(plan: MassdriverPlan, keys: Mapping[str, str] | None = None) -> str:
    """The values document; `keys` (output name -> value) fills in static credentials."""
    md, region = plan.settings, plan.account.region
    layout = "current layout, S3Proxy" if plan.current_layout else "legacy layout, no S3Proxy"
    header = [
        f"platform-storage: Helm values for the massdriver chart {md.chart_version} ({layout}),"
        f" release {md.release!r} in namespace {md.namespace!r}",
        f"Apply: helm upgrade {md.release} <chart> -n {md.namespace} --reuse-values"
        " -f massdriver-values.yaml",
    ]
    if plan.storage is not None or plan.argo is not None:
        # Switching first loses the data: the chart copies nothing out of MinIO.
        header.append(
            "Before applying: copy MinIO's data with `python -m platform_storage migrate"
            " --from-endpoint <MinIO URL>` (README, day two: the sequence ends with this upgrade)."
        )
    values: dict[str, Any] = {}
    static_pending = False

    if plan.storage is not None:
        assert md.buckets is not None
        s3: dict[str, Any] = {"region": region}
        if isinstance(plan.storage, StaticKeys):
            if keys is None:
                static_pending = True
            else:
                s3["accessKeyId"] = keys[plan.storage.outputs.access_key_id]
                s3["secretAccessKey"] = keys[plan.storage.outputs.secret_access_key]
        else:
            s3["accessKeyId"] = ""
            s3["secretAccessKey"] = ""
        blob: dict[str, Any] = {
            "type": "s3",
            "massdriverBucket": md.buckets.massdriver,
            "stateBucket": md.buckets.state,
            "s3": s3,
        }
        massdriver: dict[str, Any] = {"blobStorage": blob}
        annotations = _annotations(plan.storage)
        if annotations and plan.current_layout:
            blob["serviceAccount"] = {"annotations": annotations}
        elif annotations:
            massdriver["serviceAccount"] = {"annotations": annotations}
        values["massdriver"] = massdriver
    else:
        header.append("Massdriver's own storage stays on MinIO (massdriver.storage: minio).")

    if plan.minio_still_used:
        header.append("minio.enabled is left as it is: MinIO still holds Massdriver or Argo data.")
    else:
        values["minio"] = {"enabled": False}

    if plan.argo is not None:
        assert md.argo.bucket is not None
        annotations = _annotations(plan.argo)
        if annotations:
            values["provisioner"] = {"serviceAccount": {"annotations": annotations}}
        header.append(
            f"Argo runs as {plan.names.provisioner_service_account}, which the chart creates only"
            " while massdriver.serviceAccount.create is true: keep it true."
        )
        repository: dict[str, Any] = {
            "bucket": md.argo.bucket,
            "endpoint": s3_endpoint(plan),
            "insecure": False,
            "region": region,
        }
        argo: dict[str, Any] = {}
        if plan.argo.static:
            secret = argo_secret_name(plan)
            argo["useStaticCredentials"] = True
            repository["useSDKCreds"] = False
            repository["accessKeySecret"] = {"name": secret, "key": "accessKey"}
            repository["secretKeySecret"] = {"name": secret, "key": "secretKey"}
            if keys is None:
                static_pending = True
            else:
                values["extraManifests"] = [_argo_secret(plan, keys)]
        else:
            argo["useStaticCredentials"] = False
            repository["useSDKCreds"] = True
            repository["accessKeySecret"] = dict(BLANK_SECRET)
            repository["secretKeySecret"] = dict(BLANK_SECRET)
        argo["artifactRepository"] = {"s3": repository}
        values["argo-workflows"] = argo
    else:
        header.append("Argo Workflows' artifacts stay on MinIO (massdriver.argo.storage: minio).")

    if md.identity == "pod-identity":
        header.append(
            "EKS Pod Identity: the stack's pod identity associations bind the roles; no"
            " service-account annotation is needed."
        )
    if static_pending:
        header.append(
            "Static credentials: the access keys exist only after `cdktf deploy`. Do not apply"
            " this file yet: run `python -m platform_storage render --outputs <outputs.json>`"
        )
        header.append(
            "(after `cdktf output --outputs-file outputs.json --outputs-file-include-sensitive-"
            "outputs`), which writes this file again"
            " with the keys filled in (mode 0600)."
        )
    elif keys is not None and any(i and i.static for i in (plan.storage, plan.argo)):
        header.append("Contains AWS secret access keys: keep it out of version control.")
    return dump_yaml(values, header)


def _annotations(identity: IdentityPlan) -> dict[str, str]:
    return {IRSA_ANNOTATION: identity.arn} if identity.kind == "irsa" else {}


def _argo_secret(plan: MassdriverPlan, keys: Mapping[str, str]) -> dict[str, Any]:
    assert isinstance(plan.argo, StaticKeys)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": argo_secret_name(plan), "namespace": plan.settings.namespace},
        "type": "Opaque",
        "stringData": {
            "accessKey": keys[plan.argo.outputs.access_key_id],
            "secretKey": keys[plan.argo.outputs.secret_access_key],
        },
    }
