"""Naming rules shared by the constructs and the config validation. No CDK import."""

from __future__ import annotations

import re

_BUCKET_CHARS = re.compile(r"^[a-z0-9.-]+$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problems(name: str) -> list[str]:
    """Every S3 general-purpose bucket naming rule that `name` breaks, as short sentences."""
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"{name!r} must be 3 to 63 characters long")
    if not _BUCKET_CHARS.match(name):
        problems.append(f"{name!r} may contain only lowercase letters, digits, '.' and '-'")
    if name and not (name[0].isalnum() and name[-1].isalnum()):
        problems.append(f"{name!r} must begin and end with a lowercase letter or digit")
    if ".." in name:
        problems.append(f"{name!r} may not contain two adjacent periods")
    if _IPV4.match(name):
        problems.append(f"{name!r} may not be formatted as an IP address")
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            problems.append(f"{name!r} may not start with the reserved prefix {prefix!r}")
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            problems.append(f"{name!r} may not end with the reserved suffix {suffix!r}")
    return problems


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_ROLE_NAME = re.compile(r"^[\w+=,.@-]+$")
_IAM_PATH = re.compile(r"^/([\x21-\x7e]+/)*$")
_ACCOUNT = re.compile(r"^\d{12}$")
_PARTITION = re.compile(r"^aws(-[a-z]+)*$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def namespace_problems(name: str) -> list[str]:
    """Kubernetes namespace: a DNS-1123 label (63 characters at most)."""
    if len(name) > 63 or not _DNS1123_LABEL.match(name):
        return [
            f"{name!r} must be a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters"
        ]
    return []


def service_account_problems(name: str) -> list[str]:
    """Kubernetes service account: a DNS-1123 subdomain (253 characters at most)."""
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return [
            f"{name!r} must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit"
        ]
    return []


def role_name_problems(name: str) -> list[str]:
    if not 1 <= len(name) <= 64 or not _ROLE_NAME.match(name):
        return [f"{name!r} must be 1 to 64 characters of letters, digits and '+=,.@_-'"]
    return []


def iam_path_problems(path: str) -> list[str]:
    if len(path) > 512 or not _IAM_PATH.match(path):
        return [f"{path!r} must start and end with '/' (for example '/platform-storage/')"]
    return []


def account_id_problems(account_id: str) -> list[str]:
    if not _ACCOUNT.match(account_id):
        return [f"{account_id!r} must be exactly 12 digits, written as a string"]
    return []


def partition_problems(partition: str) -> list[str]:
    if not _PARTITION.match(partition):
        return [f"{partition!r} must be an AWS partition such as 'aws', 'aws-cn' or 'aws-us-gov'"]
    return []


def region_problems(region: str) -> list[str]:
    if not _REGION.match(region):
        return [f"{region!r} must be an AWS region such as 'us-east-2'"]
    return []


def issuer_problems(issuer: str) -> list[str]:
    """An OIDC issuer URL as IAM takes it: https, a host, no trailing slash, query or fragment."""
    problems = []
    if not issuer.startswith("https://") or len(issuer) <= len("https://"):
        problems.append(f"{issuer!r} must be an https:// URL")
    if issuer.endswith("/"):
        problems.append(f"{issuer!r} may not end with '/'")
    if "?" in issuer or "#" in issuer:
        problems.append(f"{issuer!r} may not contain a query or fragment")
    if any(ch.isspace() for ch in issuer):
        problems.append(f"{issuer!r} may not contain whitespace")
    return problems
