"""What the identities refuse of their names, paths, tags, boundaries and session length."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.aws import policy_arn_problems
from platform_storage.naming import (
    description_problems,
    iam_name_problems,
    iam_path_problems,
    is_token,
    tags_problems,
)

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200


def identity_problems(
    *,
    name: str,
    path: str,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    permissions_boundary_arn: str | None = None,
    label: str = "role_name",
) -> list[str]:
    """What an identity's name, path, description, tags and permissions boundary break (roles
    and users alike)."""
    problems = [f"{label} {p}" for p in iam_name_problems(name)]
    problems += [f"path {p}" for p in iam_path_problems(path)]
    if description is not None:
        problems += [f"description {p}" for p in description_problems(description)]
    problems += [f"tags {p}" for p in tags_problems(dict(tags or {}))]
    if permissions_boundary_arn is not None and not is_token(permissions_boundary_arn):
        problems += [
            f"permissions_boundary_arn {p}" for p in policy_arn_problems(permissions_boundary_arn)
        ]
    return problems


def role_problems(
    *,
    role_name: str,
    path: str = "/",
    description: str | None = None,
    max_session_duration: int = MIN_SESSION_SECONDS,
    tags: Mapping[str, str] | None = None,
    permissions_boundary_arn: str | None = None,
) -> list[str]:
    """What `WorkloadRole` refuses of its options; subclasses that create something before the
    role (an OIDC provider) check these first."""
    problems = identity_problems(
        name=role_name,
        path=path,
        description=description,
        tags=tags,
        permissions_boundary_arn=permissions_boundary_arn,
    )
    if not MIN_SESSION_SECONDS <= max_session_duration <= MAX_SESSION_SECONDS:
        problems.append(
            f"max_session_duration must be {MIN_SESSION_SECONDS} to {MAX_SESSION_SECONDS} seconds"
        )
    return problems
