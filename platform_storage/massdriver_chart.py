"""Names the Massdriver Helm chart derives from its release, exactly as its templates do.

`<fullname>` is `fullnameOverride` when set, else the release name when it contains "massdriver",
else `<release>-massdriver`; like every Helm fullname it is cut to 63 characters and a trailing
'-' dropped. Everything runs in the release namespace. No CDK import.
"""

from __future__ import annotations

from dataclasses import dataclass


def fullname(release: str, override: str | None = None) -> str:
    name = override or (release if "massdriver" in release else f"{release}-massdriver")
    return name[:63].rstrip("-")


@dataclass(frozen=True)
class ChartNames:
    """Service accounts of one Massdriver release."""

    release: str
    namespace: str
    fullname_override: str | None = None

    @property
    def fullname(self) -> str:
        return fullname(self.release, self.fullname_override)

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

    def storage_service_account(self, current_layout: bool) -> str:
        return self.s3proxy_service_account if current_layout else self.massdriver_service_account
