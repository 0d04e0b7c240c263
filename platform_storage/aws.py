"""The AWS account a stack deploys into, and the ARNs derived from it. No CDK import.

ARNs of the roles the library creates are computed here from account, partition, path and name,
so the Helm values and runner files can carry them at synth time, before anything is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_storage.naming import (
    account_id_problems,
    issuer_problems,
    partition_problems,
    region_problems,
)


@dataclass(frozen=True)
class AwsAccount:
    """Account id (12 digits, a string), partition (default `aws`) and region."""

    account_id: str
    region: str
    partition: str = "aws"

    def __post_init__(self) -> None:
        problems = (
            [f"account_id {p}" for p in account_id_problems(self.account_id)]
            + [f"region {p}" for p in region_problems(self.region)]
            + [f"partition {p}" for p in partition_problems(self.partition)]
        )
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def role_arn(self, name: str, path: str = "/") -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}"

    def user_arn(self, name: str, path: str = "/") -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:user{path}{name}"

    def oidc_provider_arn(self, issuer: str) -> str:
        return (
            f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{issuer_host_path(issuer)}"
        )


def issuer_host_path(issuer: str) -> str:
    """`https://oidc.eks.us-east-2.amazonaws.com/id/X` -> `oidc.eks.us-east-2.amazonaws.com/id/X`,
    the form IAM uses in provider ARNs and condition keys (`<host/path>:sub`)."""
    problems = issuer_problems(issuer)
    if problems:
        raise ValueError("; ".join(problems))
    return issuer.removeprefix("https://")
