"""parliament finds nothing in any identity policy the library produces."""

from __future__ import annotations

import json
from typing import Any

import parliament
import pytest

from platform_storage.access import AccessProfile, Grant, StateOptions, access_statements
from platform_storage.policy import document_statements_to_iam
from tests.policy_eval import identity_policies

BUCKET = "arn:aws:s3:::example-bucket"
KEY = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def findings(policy: dict[str, Any]) -> list[str]:
    analysed = parliament.analyze_policy_string(json.dumps(policy))
    return [f"{f.issue}: {f.detail}" for f in analysed.findings]


def every_grant() -> list[Grant]:
    grants = []
    for profile in AccessProfile:
        for prefix in (None, "team", "ops/eu"):
            for kms in (None, KEY):
                states = (
                    [
                        StateOptions(lockfile=lf, delete_state=d)
                        for lf in (False, True)
                        for d in (False, True)
                    ]
                    if profile is AccessProfile.TF_STATE
                    else [StateOptions()]
                )
                for state in states:
                    grants.append(
                        Grant(BUCKET, profile, prefix=prefix, kms_key_arn=kms, state=state)
                    )
    return grants


@pytest.mark.parametrize("grant", every_grant(), ids=repr)
def test_every_profile_policy_has_no_parliament_finding(grant: Grant) -> None:
    statements = [s.to_document_block() for s in access_statements(grant)]
    assert findings(document_statements_to_iam(statements)) == []


def test_synthesized_identity_policies_have_no_parliament_finding(
    synthesized: dict[str, dict[str, Any]],
) -> None:
    policies = {
        f"{config}/{name}": policy
        for config in ("identities", "tenants", "private_full", "state_full")
        for name, policy in identity_policies(synthesized[config]).items()
    }
    assert len(policies) >= 9
    assert {name: findings(p) for name, p in policies.items()} == {name: [] for name in policies}


def test_parliament_does_report_a_broken_policy() -> None:
    """Guards against a silent pass: an object action on the bucket ARN is a finding."""
    broken = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET}],
    }
    assert findings(broken) != []
