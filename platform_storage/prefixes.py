"""Object-key prefixes: normalisation and the rules that keep tenants of one bucket apart.

A prefix is always used as `<prefix>/` so that `team` can never match `team-b/...`. No CDK import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_ALLOWED_CHAR = re.compile(r"[A-Za-z0-9._/-]", re.ASCII)
_FORBIDDEN_SEQUENCES = (("*", "'*'"), ("?", "'?'"), ("${", "'${'"), ("%{", "'%{'"), ("..", "'..'"))
# S3 keys are at most 1,024 bytes; a runner's state key is
# `<prefix>/<environment uuid>.tfstate` and its lock `<key>.tflock`.
STATE_KEY_SUFFIX = "/00000000-0000-0000-0000-000000000000.tfstate.tflock"
MAX_PREFIX_LENGTH = 1024 - len(STATE_KEY_SUFFIX)


class PrefixError(ValueError):
    """A prefix breaks a rule; the message names the value and the rule."""


def prefix_problems(value: str) -> list[str]:
    """Every rule `value` breaks, before normalisation strips the outer slashes."""
    problems = [
        f"{value!r} may not contain {shown}"
        for sequence, shown in _FORBIDDEN_SEQUENCES
        if sequence in value
    ]
    if any(ch.isspace() for ch in value):
        problems.append(f"{value!r} may not contain whitespace")
    stripped = value.strip("/")
    if not stripped:
        problems.append(f"{value!r} is empty; leave the prefix out to use the whole bucket")
    elif "//" in stripped:
        problems.append(f"{value!r} may not contain empty segments ('//')")
    if "." in stripped.split("/"):
        problems.append(
            f"{value!r} may not contain a '.' segment: the runner joins keys with Go's"
            " path.Join, which drops it, so the state would land outside the granted prefix"
        )
    if len(stripped.encode()) > MAX_PREFIX_LENGTH:
        problems.append(
            f"{value[:40]!r}... is {len(stripped.encode())} bytes; at most {MAX_PREFIX_LENGTH}"
            " leave room for '/<environment uuid>.tfstate.tflock' within S3's 1,024-byte keys"
        )
    # Characters of a forbidden sequence found above are not reported twice; a lone '$', '{'
    # or '}' is still outside the allowed set.
    reported = {ch for sequence, _ in _FORBIDDEN_SEQUENCES if sequence in value for ch in sequence}
    bad = sorted(
        {ch for ch in value if not _ALLOWED_CHAR.fullmatch(ch) and not ch.isspace()} - reported
    )
    if bad:
        problems.append(
            f"{value!r} may contain only ASCII letters, digits and '.', '_', '-', '/'"
            f" (found {''.join(bad)!r})"
        )
    return problems


def normalize_prefix(value: str) -> str:
    """`value` without leading or trailing `/`, or PrefixError naming every broken rule."""
    if not isinstance(value, str):
        raise PrefixError(f"a prefix must be a string, not {type(value).__name__}")
    problems = prefix_problems(value)
    if problems:
        raise PrefixError("; ".join(problems))
    return value.strip("/")


def first_overlaps(
    prefixes: Sequence[tuple[int, str]],
) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    """For each (index, prefix) that repeats or nests in a prefix of a lower index, that pair
    (the lowest such index), in O(n log n): sorted as `<prefix>/`, a prefix is followed by the
    prefixes nested in it."""
    ordered = sorted(prefixes, key=lambda item: (item[1] + "/", item[0]))
    found: dict[int, tuple[tuple[int, str], tuple[int, str]]] = {}
    open_: list[tuple[int, str]] = []  # the chain of prefixes the current one may nest in
    for item in ordered:
        index, prefix = item
        while open_ and not (prefix + "/").startswith(open_[-1][1] + "/"):
            open_.pop()
        earlier = [o for o in open_ if o[0] < index]
        if earlier:
            found.setdefault(index, (min(earlier), item))
        later = [o for o in open_ if o[0] > index]
        for other in later:  # `other` nests in `item`, but comes after it
            found[other[0]] = min(found.get(other[0], (item, other)), (item, other))
        open_.append(item)
    return [found[index] for index in sorted(found)]


def overlapping_prefixes(prefixes: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of normalised prefixes that repeat or nest (`a` and `a/b`): not isolated tenants."""
    items = list(prefixes)
    clashes = []
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            if first == second or second.startswith(first + "/") or first.startswith(second + "/"):
                clashes.append((first, second))
    return clashes
