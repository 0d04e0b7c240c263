"""Property: for any set of prefixes, the grants are either refused, or no identity can reach
another identity's objects or list its keys (proven per pair with iamprover/Z3)."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from platform_storage.cdk import App, TerraformStack
from platform_storage.constructs import EcsTaskRole, StateBucket
from platform_storage.policy import document_statements_to_iam
from platform_storage.prefixes import overlapping_prefixes, prefix_problems
from tests.configurations import ACCOUNT_INFO
from tests.policy_eval import Prover

BUCKET_ARN = "arn:aws:s3:::example-property-tfstate"
# Short names from a small alphabet, so that shared starts (`team`, `team-b`) and nesting are
# common; one segment in twelve breaks a prefix rule.
VALID = st.from_regex(r"[ab1][ab1._-]{0,3}", fullmatch=True)
BROKEN = st.sampled_from(["*", "..", " ", "", "${x}", "?"])
segment = st.integers(0, 11).flatmap(lambda n: BROKEN if n == 0 else VALID)
prefixes = st.lists(segment, min_size=1, max_size=2).map("/".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(prefixes, min_size=2, max_size=4))
def test_grants_are_refused_or_isolated(candidates: list[str]) -> None:
    stack = TerraformStack(App(), "property")
    bucket = StateBucket(stack, "state", bucket_name="example-property-tfstate")
    granted: list[tuple[EcsTaskRole, str]] = []
    try:
        for index, prefix in enumerate(candidates):
            role = EcsTaskRole(stack, f"r{index}", account=ACCOUNT_INFO, role_name=f"r{index}")
            bucket.grant_state_access(role, prefix, lockfile=True, delete_state=True)
            granted.append((role, prefix.strip("/")))
    except ValueError:
        # A refusal (PrefixError, or the template refusal every construct argument gets) must
        # have a reason the rules name: a bad prefix or two that overlap.
        seen = candidates[: len(granted) + 1]
        bad = [p for p in seen if prefix_problems(p)]
        assert bad or overlapping_prefixes([p.strip("/") for p in seen])
        event("refused")
        return
    event(f"isolated {len(granted)} identities")

    for role, own in granted:
        policy = document_statements_to_iam(
            [s.to_document_block() for s in role.storage_statements]
        )
        prover = Prover(eval_json_replace(policy, bucket.bucket_arn, BUCKET_ARN), role.role_name)
        for other, theirs in granted:
            if other is role:
                continue
            for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
                assert prover.some_key_under(action, BUCKET_ARN, theirs) is None, (own, theirs)
            assert not prover.allows("s3:ListBucket", BUCKET_ARN, {"s3:prefix": f"{theirs}/"})
        assert prover.some_key_under("s3:PutObject", BUCKET_ARN, own) is not None


def eval_json_replace(policy: dict[str, object], token: str, arn: str) -> dict[str, object]:
    import json

    result: dict[str, object] = json.loads(json.dumps(policy).replace(token, arn))
    return result
