"""IAM wildcard patterns (`*` any sequence, `?` one character, nothing else special) compared
by their text, where the text alone settles the question.

`matches` decides a literal exactly. `contains` and `disjoint` are one-sided: True is a proof,
False only means "not shown from the text", and the caller then asks the solver. The proofs of
the access report ask thousands of such questions of patterns like
`arn:aws:s3:::bucket/runners/r7/*`, and the text answers nearly all of them without building a
formula (building and checking one cost about a millisecond each).
"""

from __future__ import annotations

import fnmatch

WILDCARDS = "*?"


def is_literal(pattern: str) -> bool:
    """Whether `pattern` matches itself only."""
    return not any(ch in pattern for ch in WILDCARDS)


def matches(value: str, pattern: str) -> bool:
    """Whether the literal `value` matches `pattern`, case-sensitively. `[` is literal in IAM,
    a character class in fnmatch."""
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _head(pattern: str) -> str:
    """The literal text before the first wildcard: every match starts with it."""
    for index, ch in enumerate(pattern):
        if ch in WILDCARDS:
            return pattern[:index]
    return pattern


def _tail(pattern: str) -> str:
    """The literal text after the last wildcard: every match ends with it."""
    for index in range(len(pattern) - 1, -1, -1):
        if pattern[index] in WILDCARDS:
            return pattern[index + 1 :]
    return pattern


def contains(outer: str, inner: str) -> bool:
    """True when every string `inner` matches is matched by `outer`, shown from the text: the
    same pattern; a literal `inner` that `outer` matches; or an `outer` of one `*` (`H*T`)
    whose head starts `inner`'s head and whose tail ends `inner`'s tail. A match of `inner` is
    its head, then something, then its tail (the two never overlap), so it starts with `H` and
    ends with `T`, and is at least as long as both: a match of `H*T`."""
    if outer == inner:
        return True
    if is_literal(inner):
        return matches(inner, outer)
    if outer.count("*") != 1 or "?" in outer:
        return False
    head, tail = outer.split("*")
    return _head(inner).startswith(head) and _tail(inner).endswith(tail)


def disjoint(first: str, second: str) -> bool:
    """True when no string matches both, shown from the text: one is a literal the other does
    not match, or their heads disagree (neither starts the other), or their tails do."""
    if is_literal(first) or is_literal(second):
        value, pattern = (first, second) if is_literal(first) else (second, first)
        return not matches(value, pattern)
    a, b = _head(first), _head(second)
    if not (a.startswith(b) or b.startswith(a)):
        return True
    a, b = _tail(first), _tail(second)
    return not (a.endswith(b) or b.endswith(a))
