"""Names the Massdriver Helm chart derives from its release, exactly as its templates do.

`<fullname>` is `fullnameOverride` when set, else the release name when it contains the chart
name (`nameOverride`, default `massdriver`), else `<release>-<name>`; like every Helm fullname it
is cut to 63 characters and a trailing '-' dropped. Everything runs in the release namespace.
No CDK import.
"""

from __future__ import annotations

from dataclasses import dataclass

CHART_NAME = "massdriver"


def fullname(release: str, override: str | None = None, name_override: str | None = None) -> str:
    if override:
        return override[:63].rstrip("-")
    name = name_override or CHART_NAME
    full = release if name in release else f"{release}-{name}"
    return full[:63].rstrip("-")


@dataclass(frozen=True)
class ChartNames:
    """Service accounts of one Massdriver release."""

    release: str
    namespace: str
    fullname_override: str | None = None
    name_override: str | None = None

    @property
    def fullname(self) -> str:
        return fullname(self.release, self.fullname_override, self.name_override)

    @property
    def s3proxy_service_account(self) -> str:
        """Current layout (chart >= 0.0.17): S3Proxy reaches the massdriver and state buckets."""
        return f"{self.fullname}-s3proxy"

    @property
    def massdriver_service_account(self) -> str:
        """Legacy layout (chart <= 0.0.16): the Massdriver API reaches the buckets itself."""
        return f"{self.fullname}-massdriver"

    @property
    def provisioner_service_account(self) -> str:
        """Argo workflow pods and artifact garbage collection run as this account."""
        return f"{self.fullname}-provisioner"

    @property
    def minio_secret(self) -> str:
        """The Secret holding MinIO's root user and password (`rootUser`, `rootPassword`)."""
        return f"{self.fullname}-minio"

    def storage_service_account(self, current_layout: bool) -> str:
        return self.s3proxy_service_account if current_layout else self.massdriver_service_account
