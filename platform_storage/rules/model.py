"""What a rule is and what it reports. No CDK import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from platform_storage.rules.document import Block, TerraformDocument

PolicyKind = Literal["identity", "resource", "trust"]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    path: str  # construct path of the block at fault
    address: str  # Terraform address of the block at fault
    message: str


@dataclass(frozen=True)
class Rule:
    """One invariant, known by its id (which `suppress` takes)."""

    id: str
    description: str


@dataclass(frozen=True)
class BucketRule(Rule):
    """Judges one `aws_s3_bucket` with its companions: None when it complies, else a sentence.
    `state_only`: only buckets marked as state buckets."""

    check: Callable[[TerraformDocument, Block], str | None]
    state_only: bool = False


@dataclass(frozen=True)
class StatementRule(Rule):
    """Judges one statement of the policies of the given kinds."""

    check: Callable[[Mapping[str, Any], TerraformDocument], str | None]
    policies: frozenset[PolicyKind]


@dataclass(frozen=True)
class DocumentRule(Rule):
    """Judges relations between blocks (two roles trusting one workload)."""

    check: Callable[[TerraformDocument], list[Finding]]
