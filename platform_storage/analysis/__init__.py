"""Proofs over the synthesized stacks: who reaches what, and which roles one workload could
assume. Imports Z3; the rest of the package never imports this one."""

from platform_storage.analysis.isolation import Reach, Scope, reach, scopes_overlap, shared_workload
from platform_storage.analysis.model import Bucket, Identity, SystemModel, load_stacks
from platform_storage.analysis.solve import Unsupported

__all__ = [
    "Bucket",
    "Identity",
    "Reach",
    "Scope",
    "SystemModel",
    "Unsupported",
    "load_stacks",
    "reach",
    "scopes_overlap",
    "shared_workload",
]
