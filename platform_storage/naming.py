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
