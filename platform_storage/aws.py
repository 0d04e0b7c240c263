"""AWS facts the library derives names from: partitions, regions, ARNs and OIDC issuers.
No CDK import.

ARNs of the roles the library creates are computed here from account, partition, path and name,
so the Helm values and runner files can carry them at synth time, before anything is deployed.
ARNs a user supplies are parsed field by field: a wildcard in one would widen a grant.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from platform_storage.naming import (
    account_id_problems,
    bucket_name_problems,
    iam_name_problems,
    iam_path_problems,
)


@dataclass(frozen=True)
class Partition:
    """One AWS partition: the names its regions follow, the regions that exist, and the DNS
    suffix of its endpoints."""

    id: str
    region_pattern: re.Pattern[str]
    regions: frozenset[str]
    dns_suffix: str

    def has_region(self, region: str) -> bool:
        return region in self.regions


def _partition(id: str, prefix: str, dns_suffix: str, regions: str) -> Partition:
    pattern = re.compile(prefix + r"-[a-z]+-[0-9]+", re.ASCII)
    return Partition(id, pattern, frozenset(regions.split()), dns_suffix)


# From botocore's partitions.json (the SDKs' own table, November 2026), written out so that
# validation needs no AWS SDK. A region AWS opens later is added here.
PARTITIONS: dict[str, Partition] = {
    p.id: p
    for p in (
        _partition(
            "aws",
            r"(us|eu|ap|sa|ca|me|af|il|mx)",
            "amazonaws.com",
            "af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3"
            " ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4"
            " ap-southeast-5 ap-southeast-6 ap-southeast-7 ca-central-1 ca-west-1 eu-central-1"
            " eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3"
            " il-central-1 me-central-1 me-south-1 me-west-1 mx-central-1 sa-east-1 sa-west-1"
            " us-east-1 us-east-2 us-west-1 us-west-2",
        ),
        _partition("aws-cn", r"cn", "amazonaws.com.cn", "cn-north-1 cn-northwest-1"),
        _partition("aws-us-gov", r"us-gov", "amazonaws.com", "us-gov-east-1 us-gov-west-1"),
        _partition("aws-iso", r"us-iso", "c2s.ic.gov", "us-iso-east-1 us-iso-west-1"),
        _partition("aws-iso-b", r"us-isob", "sc2s.sgov.gov", "us-isob-east-1 us-isob-west-1"),
        _partition("aws-iso-e", r"eu-isoe", "cloud.adc-e.uk", "eu-isoe-west-1"),
        _partition("aws-iso-f", r"us-isof", "csp.hci.ic.gov", "us-isof-east-1 us-isof-south-1"),
        _partition("aws-eusc", r"eusc-de", "amazonaws.eu", "eusc-de-east-1"),
    )
}


def partition_problems(partition: str) -> list[str]:
    if partition not in PARTITIONS:
        return [f"{partition!r} must be an AWS partition: {', '.join(PARTITIONS)}"]
    return []


def region_problems(region: str, partition: str | None = None) -> list[str]:
    """`region` must be a region of `partition` (of any partition when None)."""
    if partition in PARTITIONS:
        if not PARTITIONS[partition].has_region(region):
            return [f"{region!r} is not a region of partition {partition!r}"]
        return []
    if not any(p.has_region(region) for p in PARTITIONS.values()):
        return [f"{region!r} must be an AWS region such as 'us-east-2'"]
    return []


def partition_of_region(region: str) -> str | None:
    """The partition a region belongs to: of the known regions, else by the region names each
    partition follows (which do not overlap: `us-gov-west-1` has one word too many for the
    commercial `us-<word>-<n>`). None for a name no partition follows."""
    known = next((p.id for p in PARTITIONS.values() if p.has_region(region)), None)
    if known is not None:
        return known
    return next((p.id for p in PARTITIONS.values() if p.region_pattern.fullmatch(region)), None)


@dataclass(frozen=True)
class Arn:
    """`arn:<partition>:<service>:<region>:<account>:<resource>`, split field by field."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


_WILDCARDS = ("*", "?")


def parse_arn(value: str) -> Arn | None:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


def _arn_problems(
    value: str, *, service: str, what: str, example: str, partition: str | None
) -> tuple[Arn | None, list[str]]:
    arn = parse_arn(value)
    if arn is None or arn.service != service:
        return None, [f"{value!r} must be {what} ({example})"]
    problems = []
    if any(w in value for w in _WILDCARDS):
        problems.append(f"{value!r} may not contain '*' or '?': it would widen every grant on it")
    if partition is not None and arn.partition != partition:
        problems.append(f"{value!r} must be in partition {partition!r}")
    elif arn.partition not in PARTITIONS:
        problems += [f"{value!r}: partition {p}" for p in partition_problems(arn.partition)]
    return arn, problems


_KMS_KEY_ID = re.compile(
    r"key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})", re.ASCII
)


def kms_key_arn_problems(value: str, *, partition: str | None = None) -> list[str]:
    """A KMS key ARN naming one key (a UUID or a multi-Region `mrk-` id); aliases are refused
    because IAM grants on an alias ARN do not cover the key."""
    arn, problems = _arn_problems(
        value,
        service="kms",
        what="a KMS key ARN",
        example="arn:aws:kms:<region>:<account>:key/<key id>",
        partition=partition,
    )
    if arn is None or problems:
        return problems
    problems += [f"{value!r}: region {p}" for p in region_problems(arn.region, arn.partition)]
    problems += [f"{value!r}: account {p}" for p in account_id_problems(arn.account)]
    if _KMS_KEY_ID.fullmatch(arn.resource) is None:
        problems.append(
            f"{value!r} must end in key/<key id> (a UUID or an mrk- id), not an alias or pattern"
        )
    return problems


def bucket_arn_problems(value: str, *, partition: str | None = None) -> list[str]:
    arn, problems = _arn_problems(
        value,
        service="s3",
        what="an S3 bucket ARN",
        example="arn:aws:s3:::<bucket>",
        partition=partition,
    )
    if arn is None or problems:
        return problems
    if arn.region or arn.account:
        problems.append(f"{value!r} must leave region and account empty (arn:aws:s3:::<bucket>)")
    problems += [f"{value!r}: bucket {p}" for p in bucket_name_problems(arn.resource)]
    return problems


def bucket_of_arn(value: str) -> str:
    arn = parse_arn(value)
    return arn.resource if arn is not None else ""


def role_arn_problems(value: str, *, partition: str | None = None) -> list[str]:
    arn, problems = _arn_problems(
        value,
        service="iam",
        what="an IAM role ARN",
        example="arn:aws:iam::<account>:role/<name>",
        partition=partition,
    )
    if arn is None or problems:
        return problems
    if arn.region:
        problems.append(f"{value!r} must leave the region empty (IAM is global)")
    problems += [f"{value!r}: account {p}" for p in account_id_problems(arn.account)]
    if not arn.resource.startswith("role/"):
        return [*problems, f"{value!r} must name a role (…:role/<name>)"]
    path, _, name = arn.resource.removeprefix("role").rpartition("/")
    problems += [f"{value!r}: path {p}" for p in iam_path_problems(path + "/")]
    problems += [f"{value!r}: name {p}" for p in iam_name_problems(name)]
    return problems


def policy_arn_problems(value: str, *, partition: str | None = None) -> list[str]:
    """A managed policy ARN: the account's (`<account>:policy/...`) or AWS's (`aws:policy/...`),
    naming one policy."""
    arn, problems = _arn_problems(
        value,
        service="iam",
        what="a managed policy ARN",
        example="arn:aws:iam::<account>:policy/<name>",
        partition=partition,
    )
    if arn is None or problems:
        return problems
    if arn.account != "aws":
        problems += [f"{value!r}: account {p}" for p in account_id_problems(arn.account)]
    if not arn.resource.startswith("policy/"):
        return [*problems, f"{value!r} must name a policy (…:policy/<name>)"]
    path, _, name = arn.resource.removeprefix("policy").rpartition("/")
    problems += [f"{value!r}: path {p}" for p in iam_path_problems(path + "/")]
    if not name or len(name) > 128:
        problems.append(f"{value!r} must end in a policy name of 1 to 128 characters")
    return problems


_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", re.ASCII)
_ISSUER_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*", re.ASCII)


def issuer_problems(issuer: str) -> list[str]:
    """An OIDC issuer URL as IAM registers it and as tokens carry it in `iss`: https, a
    lowercase DNS host, an optional path; no port, user, query, fragment or trailing '/'."""
    if any(ch.isspace() or ord(ch) > 0x7E for ch in issuer):
        return [f"{issuer!r} may contain only printable ASCII without whitespace"]
    try:
        parts = urlsplit(issuer)
        port = parts.port
    except ValueError as error:
        return [f"{issuer!r} is not a URL ({error})"]
    if parts.scheme != "https":
        return [f"{issuer!r} must be an https:// URL"]
    problems = []
    netloc = parts.netloc
    if "@" in netloc:
        problems.append(f"{issuer!r} may not contain a user or password")
    if port is not None or netloc.rsplit("@", 1)[-1].endswith(":"):
        problems.append(f"{issuer!r} may not contain a port (IAM registers the host only)")
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        problems.append(
            f"{issuer!r} must name a DNS host in lowercase letters, digits, '-' and '.'"
        )
    if parts.query or parts.fragment or "?" in issuer or "#" in issuer:
        problems.append(f"{issuer!r} may not contain a query or fragment")
    if issuer.endswith("/"):
        problems.append(f"{issuer!r} may not end with '/'")
    elif any(segment in (".", "..") for segment in parts.path.split("/")):
        problems.append(f"{issuer!r} may not contain '.' or '..' path segments")
    elif _ISSUER_PATH.fullmatch(parts.path) is None:
        problems.append(f"{issuer!r} may contain only letters, digits and '._~-' in path segments")
    return problems


@functools.lru_cache(maxsize=256)
def issuer_host_path(issuer: str) -> str:
    """`https://oidc.eks.us-east-2.amazonaws.com/id/X` -> `oidc.eks.us-east-2.amazonaws.com/id/X`,
    the form IAM uses in provider ARNs and condition keys (`<host/path>:sub`)."""
    problems = issuer_problems(issuer)
    if problems:
        raise ValueError("; ".join(problems))
    return issuer.removeprefix("https://")


def oidc_provider_id(issuer: str) -> str:
    """The construct id of the IAM OIDC provider for `issuer`. Issuers that read alike
    (`.../a.b`, `.../a-b`) map to one id: the plan and `oidc_provider_for` refuse that pair
    rather than rename the resource of existing deployments."""
    return "oidc-provider-" + re.sub(r"[^A-Za-z0-9]+", "-", issuer_host_path(issuer)).strip("-")


@dataclass(frozen=True)
class AwsAccount:
    """The account and region a stack deploys to: `account_id` (12 digits, a string), `region`
    (of that partition) and `partition` = "aws" (`aws-cn`, `aws-us-gov` for the others).
    A value that breaks a rule raises `ValueError` naming each field."""

    account_id: str
    region: str
    partition: str = "aws"

    def __post_init__(self) -> None:
        problems = [
            f"{field} must be a string, not {type(value).__name__}"
            for field, value in vars(self).items()
            if not isinstance(value, str)
        ]
        if not problems:
            problems = (
                [f"account_id {p}" for p in account_id_problems(self.account_id)]
                + [f"partition {p}" for p in partition_problems(self.partition)]
                + [f"region {p}" for p in region_problems(self.region, self.partition)]
            )
        if problems:
            raise ValueError("AwsAccount: " + "; ".join(problems))

    @property
    def dns_suffix(self) -> str:
        return PARTITIONS[self.partition].dns_suffix

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def role_arn(self, name: str, path: str = "/") -> str:
        """The ARN of role `name`, `path` = "/" (a role's ARN carries its path)."""
        return f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}"

    def user_arn(self, name: str, path: str = "/") -> str:
        """The ARN of IAM user `name`, `path` = "/"."""
        return f"arn:{self.partition}:iam::{self.account_id}:user{path}{name}"

    def oidc_provider_arn(self, issuer: str) -> str:
        """The ARN the account's IAM OIDC provider for `issuer` has (one per issuer)."""
        return (
            f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{issuer_host_path(issuer)}"
        )
