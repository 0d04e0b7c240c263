"""The text-level answers the proofs take before asking Z3: each True of `contains`,
`disjoint`, the condition groups' independence and the listing answers is confirmed by Z3 on
random patterns,
`matches` agrees with Z3 exactly, and the shapes the proofs ask about are answered from the text
(so the shortcut does not silently stop applying)."""

from __future__ import annotations

import itertools

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from platform_storage.analysis.evaluate import (
    Context,
    Policies,
    _independent,
    condition,
    glob,
    statements_of,
)
from platform_storage.analysis.globs import contains, disjoint, matches
from platform_storage.analysis.isolation import (
    Scope,
    _listings_within,
    _prefix_condition,
    _refuses_every_listing,
)
from platform_storage.analysis.solve import member, satisfiable

_patterns = st.text(alphabet="ab/[*?", max_size=6)
_values = st.text(alphabet="ab/[", max_size=5)
_X = z3.String("x")


def _empty(regex: z3.ReRef) -> bool:
    solver = z3.Solver()
    solver.add(z3.InRe(_X, regex))
    verdict = solver.check()
    assert verdict != z3.unknown
    return bool(verdict == z3.unsat)


@settings(max_examples=400, deadline=None)
@given(_patterns, _patterns)
def test_a_pattern_shown_to_contain_another_contains_it(outer: str, inner: str) -> None:
    if contains(outer, inner):
        assert _empty(z3.Intersect(glob(inner), z3.Complement(glob(outer))))


@settings(max_examples=400, deadline=None)
@given(_patterns, _patterns)
def test_patterns_shown_disjoint_share_no_string(first: str, second: str) -> None:
    if disjoint(first, second):
        assert _empty(z3.Intersect(glob(first), glob(second)))


@settings(max_examples=300, deadline=None)
@given(_values, _patterns)
def test_a_literal_matches_a_pattern_as_z3_decides_it(value: str, pattern: str) -> None:
    assert matches(value, pattern) == member(value, glob(pattern))


BUCKET = "arn:aws:s3:::state"


def test_the_proofs_own_shapes_are_answered_from_the_text() -> None:
    assert contains(f"{BUCKET}/runners/r7/*", f"{BUCKET}/runners/r7/*.tflock")
    assert contains(f"{BUCKET}/*", f"{BUCKET}/runners/r7/*")
    assert contains("*", f"{BUCKET}/runners/r7/*")
    assert contains(f"{BUCKET}/runners/r7/*", f"{BUCKET}/runners/r7/env.tfstate")
    assert disjoint(f"{BUCKET}/runners/r7/*", f"{BUCKET}/runners/r70/*")
    assert disjoint(f"{BUCKET}/*", BUCKET)


def test_what_the_text_cannot_show_is_left_to_the_solver() -> None:
    assert not contains(f"{BUCKET}/runners/r7/*", f"{BUCKET}/runners/*")
    assert not contains(f"{BUCKET}/a*", f"{BUCKET}/*a")
    assert not disjoint(f"{BUCKET}/runners/*", f"{BUCKET}/*/r7/*")


_KEYS = ("s3:prefix", "aws:username", "S3:Prefix")
_TESTS = ("StringEquals", "StringLike", "StringNotLike", "StringLikeIfExists", "ArnLike")
_conditions = st.tuples(
    st.sampled_from(_TESTS),
    st.sampled_from(_KEYS),
    st.lists(_patterns, min_size=0, max_size=2).map(tuple),
)
_groups = st.lists(st.lists(_conditions, min_size=1, max_size=2).map(tuple), max_size=3)


@settings(max_examples=300, deadline=None)
@given(_groups)
def test_groups_shown_independent_hold_or_fail_in_every_combination(
    groups: list[tuple[tuple[str, str, tuple[str, ...]], ...]],
) -> None:
    ctx = Context()
    if not _independent(groups, ctx):
        return
    formulas = [z3.And(*[condition(t, k, v, ctx) for t, k, v in group]) for group in groups]
    for signs in itertools.product((True, False), repeat=len(formulas)):
        solver = z3.Solver()
        solver.add(*[f if sign else z3.Not(f) for f, sign in zip(formulas, signs, strict=True)])
        assert solver.check() == z3.sat


def test_a_runners_listing_condition_is_shown_independent() -> None:
    group = (("StringLike", "s3:prefix", ("runners/r7/", "runners/r7/*")),)
    assert _independent([group], Context())
    assert not _independent([group, group], Context())


_prefixes = st.text(alphabet="ab/", min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["StringLike", "StringEquals"]),
    st.lists(_patterns, min_size=1, max_size=3),
    st.lists(_prefixes, min_size=1, max_size=2),
)
def test_listing_answers_from_the_text_agree_with_the_solver(
    test: str, values: list[str], prefixes: list[str]
) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": BUCKET,
        "Condition": {test: {"s3:prefix": values}},
    }
    ctx = Context()
    policies = Policies(identity=tuple(statements_of({"Statement": [statement]})))
    scopes = [Scope("listing", BUCKET, p) for p in prefixes]
    for case in policies.cases("s3:ListBucket", ctx):
        for scope in scopes:
            expected = satisfiable(case.context, scope.listed(ctx)) is None
            assert _refuses_every_listing(case, scope, ctx) == expected
        if _listings_within(case, scopes):
            listed = z3.Or(*[s.listed(ctx) for s in scopes])
            assert satisfiable(case.context, z3.Not(listed)) is None


def test_a_runners_listing_is_answered_from_the_text() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": BUCKET,
        "Condition": {"StringLike": {"s3:prefix": ["runners/r7/", "runners/r7/*"]}},
    }
    policies = Policies(identity=tuple(statements_of({"Statement": [statement]})))
    holding, failing = sorted(
        policies.cases("s3:ListBucket", Context()), key=lambda c: not c.groups[0][1]
    )
    scope = Scope("listing", BUCKET, "runners/r7")
    assert _listings_within(holding, [scope])
    assert _prefix_condition(failing) == (False, ("runners/r7/", "runners/r7/*"))
