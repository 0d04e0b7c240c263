"""Object-key prefixes: normalisation and the rules that keep tenants of one bucket apart.

A prefix is always used as `<prefix>/` so that `team` can never match `team-b/...`. No CDK import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ALLOWED_CHAR = re.compile(r"[A-Za-z0-9._/-]")
_FORBIDDEN_SEQUENCES = (("*", "'*'"), ("?", "'?'"), ("${", "'${'"), ("..", "'..'"))


class PrefixError(ValueError):
    """A prefix breaks a rule; the message names the value and the rule."""


def prefix_problems(value: str) -> list[str]:
    """Every rule `value` breaks, before normalisation strips the outer slashes."""
    problems = []
    for sequence, shown in _FORBIDDEN_SEQUENCES:
        if sequence in value:
            problems.append(f"{value!r} may not contain {shown}")
    if any(ch.isspace() for ch in value):
        problems.append(f"{value!r} may not contain whitespace")
    stripped = value.strip("/")
    if not stripped:
        problems.append(f"{value!r} is empty; leave the prefix out to use the whole bucket")
    elif "//" in stripped:
        problems.append(f"{value!r} may not contain empty segments ('//')")
    # Characters of a forbidden sequence found above are not reported twice; a lone '$', '{'
    # or '}' is still outside the allowed set.
    reported = {ch for sequence, _ in _FORBIDDEN_SEQUENCES if sequence in value for ch in sequence}
    bad = sorted(
        {ch for ch in value if not _ALLOWED_CHAR.match(ch) and not ch.isspace()} - reported
    )
    if bad:
        problems.append(
            f"{value!r} may contain only letters, digits and '.', '_', '-', '/'"
            f" (found {''.join(bad)!r})"
        )
    return problems


def normalize_prefix(value: str) -> str:
    """`value` without leading or trailing `/`, or PrefixError naming every broken rule."""
    problems = prefix_problems(value)
    if problems:
        raise PrefixError("; ".join(problems))
    return value.strip("/")


def overlapping_prefixes(prefixes: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of normalised prefixes that repeat or nest (`a` and `a/b`): not isolated tenants."""
    items = list(prefixes)
    clashes = []
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            if first == second or second.startswith(first + "/") or first.startswith(second + "/"):
                clashes.append((first, second))
    return clashes
