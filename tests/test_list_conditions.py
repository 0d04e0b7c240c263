"""The s3:prefix condition on ListBucket, proven with a condition-aware evaluator (iamprover on
Z3), over the synthesized policy of tenant `team` (moto ignores conditions)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.configurations import TENANT_PREFIXES
from tests.policy_eval import Prover, identity_policy

BUCKET = "arn:aws:s3:::example-tenants-tfstate"


@pytest.fixture(scope="module")
def team(synthesized: dict[str, dict[str, Any]]) -> Prover:
    return Prover(identity_policy(synthesized["tenants"], "tenant-team-storage"), "tenant-team")


def test_listing_own_prefix_is_allowed(team: Prover) -> None:
    assert team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "team/"})
    assert team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "team/sub/env"})


def test_listing_a_neighbours_prefix_is_denied(team: Prover) -> None:
    assert not team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "team-b/"})
    assert not team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "team-b"})
    assert not team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "ops/eu/"})


def test_listing_without_a_prefix_is_denied(team: Prover) -> None:
    assert not team.allows("s3:ListBucket", BUCKET)


def test_listing_the_bare_prefix_without_separator_is_denied(team: Prover) -> None:
    """`team` would also match `team-b/...` keys in the listing."""
    assert not team.allows("s3:ListBucket", BUCKET, {"s3:prefix": "team"})


def test_no_listing_outside_own_prefix_exists(team: Prover) -> None:
    """Universal: for every s3:prefix not starting with `team/`, ListBucket is denied."""
    assert team.some_listing_outside(BUCKET, "team") is None


def test_the_evaluator_finds_a_listing_when_one_exists(team: Prover) -> None:
    """Guards the proof above against a vacuous pass: inside the prefix a witness exists."""
    assert team.some_listing_outside(BUCKET, "elsewhere") is not None


@pytest.mark.parametrize("tenant", sorted(TENANT_PREFIXES))
def test_no_tenant_can_list_outside_its_prefix(
    tenant: str, synthesized: dict[str, dict[str, Any]]
) -> None:
    prover = Prover(identity_policy(synthesized["tenants"], f"tenant-{tenant}-storage"), tenant)
    assert prover.some_listing_outside(BUCKET, TENANT_PREFIXES[tenant]) is None
