"""The text-level answers the proofs take before asking Z3: each True of `contains`,
`disjoint` and the condition groups' independence is confirmed by Z3 alone on random patterns,
`matches` agrees with Z3 exactly, and the shapes the proofs ask about are answered from the text
(so the shortcut does not silently stop applying)."""

from __future__ import annotations

import itertools

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from platform_storage.analysis.evaluate import Context, _independent, condition, glob
from platform_storage.analysis.globs import contains, disjoint, matches
from platform_storage.analysis.solve import member

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
