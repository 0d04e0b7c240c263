"""Per-stack singletons: the account and partition the provider runs in, and the output names
the library's constructs gave their outputs."""

from __future__ import annotations

from platform_storage.cdk import (
    Construct,
    DataAwsCallerIdentity,
    DataAwsPartition,
    node_path,
    stack_of,
)

_CALLER = "platform-storage-caller-identity"
_PARTITION = "platform-storage-partition"


def caller_identity(scope: Construct) -> DataAwsCallerIdentity:
    """`data.aws_caller_identity` shared by every construct of the stack that holds `scope`."""
    stack = stack_of(scope)
    found = stack.node.try_find_child(_CALLER)
    if isinstance(found, DataAwsCallerIdentity):
        return found
    return DataAwsCallerIdentity(stack, _CALLER)


def partition(scope: Construct) -> DataAwsPartition:
    """`data.aws_partition` shared by every construct of the stack that holds `scope`."""
    stack = stack_of(scope)
    found = stack.node.try_find_child(_PARTITION)
    if isinstance(found, DataAwsPartition):
        return found
    return DataAwsPartition(stack, _PARTITION)


_OUTPUT_NAMES = "platform-storage-output-names"


class _OutputNames(Construct):
    """The output names the library's constructs renamed (`override_logical_id`) in one stack:
    Terraform would keep one of two outputs of one name, silently."""

    def __init__(self, stack: Construct) -> None:
        super().__init__(stack, _OUTPUT_NAMES)
        self.owners: dict[str, str] = {}


def _output_names(scope: Construct, create: bool) -> _OutputNames | None:
    stack = stack_of(scope)
    found = stack.node.try_find_child(_OUTPUT_NAMES)
    if isinstance(found, _OutputNames) or not create:
        return found if isinstance(found, _OutputNames) else None
    return _OutputNames(stack)


def output_name_problems(scope: Construct, names: list[str]) -> list[str]:
    """The names of `names` another construct of the stack already gave its outputs."""
    taken = _output_names(scope, create=False)
    owners = taken.owners if taken else {}
    return [f"output {name!r} is already {owners[name]}'s" for name in names if name in owners]


def claim_output_names(owner: Construct, names: list[str]) -> None:
    """Record that `owner` named its outputs `names` (after `output_name_problems` passed)."""
    registry = _output_names(owner, create=True)
    assert registry is not None
    registry.owners.update(dict.fromkeys(names, node_path(owner)))
