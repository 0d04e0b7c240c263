"""Every derived name registered with the namespace it lives in, and collisions refused.

Names are compared the way their consumer compares them: IAM names without case, Terraform
outputs and construct ids after their normalisation, files without case (a checkout on macOS or
Windows would merge them). No CDK import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from platform_storage.naming import iam_name_key, output_name


@dataclass(frozen=True)
class Space:
    """A namespace: `what` names its members in messages, `key` compares them."""

    what: str
    key: Callable[[str], str]
    how: str  # how the consumer compares, for the message


IAM_NAMES = Space("IAM name", iam_name_key, "IAM compares names without case")
OUTPUTS = Space(
    "Terraform output", output_name, "Terraform outputs are compared after '-' and '.' become '_'"
)
CONSTRUCT_IDS = Space("construct id", output_name, "ids become Terraform names after normalisation")
FILES = Space("rendered file", str.casefold, "file systems may compare names without case")


@dataclass(frozen=True)
class DerivedName:
    """One derived name: its namespace (with a scope, e.g. the stack), its value, the path blamed
    when it collides (`owner`) and the words naming the entry it belongs to (`entry`)."""

    space: Space
    scope: str
    value: str
    owner: str
    entry: str = ""

    @property
    def named(self) -> str:
        return self.entry or self.owner


def collisions(names: Iterable[DerivedName]) -> list[tuple[str, str]]:
    """`(owner path, problem)` for each name that equals an earlier one in its namespace."""
    first: dict[tuple[str, str, str], DerivedName] = {}
    problems = []
    for name in names:
        key = (name.space.what, name.scope, name.space.key(name.value))
        earlier = first.setdefault(key, name)
        if earlier is name:
            continue
        same = "" if earlier.value == name.value else f" ({earlier.value!r}; {name.space.how})"
        problems.append(
            (
                name.owner,
                f"{name.space.what} {name.value!r} is already taken by {earlier.named}"
                f"{same}; names must be unique",
            )
        )
    return problems
