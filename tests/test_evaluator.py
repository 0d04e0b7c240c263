"""The evaluator the isolation proofs and the access report stand on, checked against an
independent one (iamprover, also on Z3, with AWS's rule for absent keys added) on random grants
and random concrete requests, and against IAM's own wildcard rules where moto differs."""

from __future__ import annotations

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from platform_storage.access import AccessProfile, Grant, StateOptions, access_statements
from platform_storage.analysis import solve
from platform_storage.analysis.evaluate import (
    Context,
    Policies,
    glob,
    statements_of,
)
from platform_storage.analysis.solve import consistent, member, satisfiable
from platform_storage.policy import document_statements_to_iam
from platform_storage.prefixes import MAX_PREFIX_LENGTH
from tests.policy_eval import Prover

BUCKET = "arn:aws:s3:::example-bucket"
KEY = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PREFIXES = ["team", "team-b", "team.b", "ops/eu", "a", "a-b"]
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:AbortMultipartUpload",
    "kms:Decrypt",
    "kms:Encrypt",
    "s3:PutBucketPolicy",
]
KEYS = (
    [f"{p}/env.tfstate" for p in PREFIXES]
    + [f"{p}/env.tfstate.tflock" for p in PREFIXES]
    + ["env.tfstate", "teamx/env.tfstate", "team/", ""]
)

grants = st.builds(
    Grant,
    bucket_arn=st.just(BUCKET),
    profile=st.sampled_from(list(AccessProfile)),
    prefix=st.none() | st.sampled_from(PREFIXES),
    kms_key_arn=st.none() | st.just(KEY),
    state=st.builds(StateOptions, lockfile=st.booleans(), delete_state=st.booleans()),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str]]:
    action = draw(st.sampled_from(ACTIONS))
    if action.startswith("kms:"):
        return action, draw(st.sampled_from([KEY, KEY.replace("1234abcd", "ffffffff")])), {}
    if action in ("s3:ListBucket", "s3:GetBucketLocation", "s3:PutBucketPolicy"):
        context = {}
        if draw(st.booleans()):
            context["s3:prefix"] = draw(st.sampled_from([*KEYS, "team", "team/x", "ops/"]))
        return action, draw(st.sampled_from([BUCKET, "arn:aws:s3:::other-bucket"])), context
    return action, f"{BUCKET}/{draw(st.sampled_from(KEYS))}", {}


@settings(max_examples=200, deadline=None)
@given(grants, st.lists(requests(), min_size=1, max_size=6))
def test_the_evaluator_agrees_with_iamprover(
    grant: Grant, asked: list[tuple[str, str, dict[str, str]]]
) -> None:
    policy = document_statements_to_iam([s.to_document_block() for s in access_statements(grant)])
    ours = Policies(identity=tuple(statements_of(policy)))
    theirs = Prover(policy)
    for action, resource, context in asked:
        assert ours.decide(action, resource, context) == theirs.allows(action, resource, context), (
            action,
            resource,
            context,
        )


def test_a_dot_in_a_resource_is_literal_as_in_iam() -> None:
    """moto reads `.` in a resource as a regular-expression dot; IAM and this evaluator do not."""
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/team.b/*"}
        ]
    }
    ours = Policies(identity=tuple(statements_of(policy)))
    assert ours.decide("s3:GetObject", f"{BUCKET}/team.b/x", {})
    assert not ours.decide("s3:GetObject", f"{BUCKET}/team-b/x", {})


def test_a_deny_wins_over_an_allow() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": f"{BUCKET}/*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/keep/*"},
        ]
    }
    ours = Policies(identity=tuple(statements_of(policy)))
    assert ours.decide("s3:DeleteObject", f"{BUCKET}/other/x", {})
    assert not ours.decide("s3:DeleteObject", f"{BUCKET}/keep/x", {})


def test_a_negated_condition_holds_when_the_key_is_absent() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
                "Condition": {"StringNotLike": {"s3:prefix": "secret/*"}},
            }
        ]
    }
    ours = Policies(identity=tuple(statements_of(policy)))
    assert ours.decide("s3:ListBucket", BUCKET, {})
    assert ours.decide("s3:ListBucket", BUCKET, {"s3:prefix": "public/"})
    assert not ours.decide("s3:ListBucket", BUCKET, {"s3:prefix": "secret/x"})


# The split search in `satisfiable` against Z3 alone, on formulas small enough for Z3 alone.
_VARIABLES = (z3.String("x"), z3.String("y"))
_FLAGS = (z3.Bool("p"), z3.Bool("q"))
_patterns = st.text(alphabet="ab/*?", max_size=4)
_literals = st.text(alphabet="ab/", max_size=3)
_EMPTY = z3.Empty(z3.ReSort(z3.StringSort()))


@st.composite
def _atoms(draw: st.DrawFn) -> z3.BoolRef:
    variable = draw(st.sampled_from(_VARIABLES))
    kind = draw(st.sampled_from(["glob", "equals", "prefix", "flag", "concrete", "nothing"]))
    if kind == "glob":
        return z3.InRe(variable, glob(draw(_patterns)))
    if kind == "nothing":  # a case where no Allow holds
        return z3.InRe(variable, z3.Intersect(glob(draw(_patterns)), _EMPTY))
    if kind == "equals":
        return variable == z3.StringVal(draw(_literals))
    if kind == "prefix":
        return z3.PrefixOf(z3.StringVal(draw(_literals)), variable)
    if kind == "flag":
        return draw(st.sampled_from(_FLAGS))
    return z3.InRe(z3.StringVal(draw(_literals)), glob(draw(_patterns)))


_formulas = st.recursive(
    _atoms(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: z3.And(*xs)),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: z3.Or(*xs)),
        inner.map(z3.Not),
    ),
    max_leaves=8,
)


def _agrees_with_z3_alone(formulas: list[z3.BoolRef]) -> None:
    direct = z3.Solver()
    direct.add(*formulas)
    expected = direct.check()
    assert expected != z3.unknown
    found = satisfiable(*formulas)
    assert (found is not None) == (expected == z3.sat)
    assert consistent(*formulas) == (expected == z3.sat)
    if found is not None:
        assert all(z3.is_true(found.eval(f, model_completion=True)) for f in formulas)


@settings(max_examples=300, deadline=None)
@given(st.lists(_formulas, min_size=1, max_size=3))
def test_the_split_search_decides_as_z3_alone_and_its_models_hold(
    formulas: list[z3.BoolRef],
) -> None:
    _agrees_with_z3_alone(formulas)


@settings(max_examples=150, deadline=None)
@given(st.lists(_formulas, min_size=1, max_size=3))
def test_the_split_search_with_a_boolean_solver_decides_as_z3_alone(
    formulas: list[z3.BoolRef],
) -> None:
    """The same, with the Boolean part asked of Z3 (as for formulas of many propositions)
    instead of enumerated."""
    saved = solve.ENUMERATE_UP_TO
    solve.ENUMERATE_UP_TO = -1
    try:
        _agrees_with_z3_alone(formulas)
    finally:
        solve.ENUMERATE_UP_TO = saved


_regexes = st.recursive(
    st.one_of(_patterns.map(glob), st.just(_EMPTY)),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: z3.Union(*xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: z3.Intersect(*xs)),
        inner.map(z3.Complement),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(_literals, _regexes)
def test_membership_of_a_literal_is_decided_as_z3_alone_decides_it(
    value: str, regex: z3.ReRef
) -> None:
    direct = z3.Solver()
    direct.add(z3.InRe(z3.StringVal(value), regex))
    assert member(value, regex) == (direct.check() == z3.sat)


def test_a_listing_grant_on_the_longest_allowed_prefix_is_decided() -> None:
    """Conditions on a prefix of the longest length the configuration allows: Z3 alone gave up
    (or ran for minutes) on the negated membership such a proof asks; the split search
    decides it."""
    prefix = "/".join(["p" * 240] * 3 + ["q" * 249])
    assert len(prefix) == MAX_PREFIX_LENGTH
    grant = Grant(
        bucket_arn=BUCKET,
        profile=AccessProfile.TF_STATE,
        prefix=prefix,
        state=StateOptions(lockfile=True, delete_state=False),
    )
    policy = document_statements_to_iam([s.to_document_block() for s in access_statements(grant)])
    ours = Policies(identity=tuple(statements_of(policy)))
    assert ours.decide("s3:ListBucket", BUCKET, {"s3:prefix": f"{prefix}/"})
    assert not ours.decide("s3:ListBucket", BUCKET, {"s3:prefix": f"{prefix[:-1]}/"})
    assert ours.decide("s3:PutObject", f"{BUCKET}/{prefix}/env.tfstate.tflock", {})
    ctx = Context(fixed={"aws:SecureTransport": "true"})
    value, present = ctx.var("s3:prefix")
    outside = z3.Not(z3.PrefixOf(z3.StringVal(f"{prefix}/"), value))
    allowed_outside = [
        satisfiable(case.context, present, outside)
        for case in ours.cases("s3:ListBucket", ctx)
        if member(BUCKET, case.allowed)
    ]
    assert allowed_outside == [None]
