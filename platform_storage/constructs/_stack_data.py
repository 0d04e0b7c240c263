"""Per-stack singletons for the account and partition the provider runs in."""

from __future__ import annotations

from platform_storage.cdk import Construct, DataAwsCallerIdentity, DataAwsPartition, stack_of

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
