"""Invariants checked at synth: pure rule functions over the synthesized document, and their
registry. No CDK import here; `rules.validation` attaches them to stacks."""

from __future__ import annotations

from collections.abc import Iterable

from platform_storage.rules.bucket_rules import BUCKET_RULES, check_buckets
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.iam_rules import DOCUMENT_RULES, STATEMENT_RULES, check_statements
from platform_storage.rules.model import Finding, Rule

RULES: dict[str, Rule] = {r.id: r for r in (*BUCKET_RULES, *STATEMENT_RULES, *DOCUMENT_RULES)}

__all__ = ["RULES", "Finding", "Rule", "TerraformDocument", "check_document"]


def check_document(doc: TerraformDocument, *, state_paths: Iterable[str] = ()) -> list[Finding]:
    """Every rule over one stack's document; `state_paths` are the construct paths of its state
    buckets. (Roles of different stacks are compared by `rules.validation.AppRules`.)"""
    return (
        check_buckets(doc, state_paths=state_paths)
        + check_statements(doc)
        + [finding for rule in DOCUMENT_RULES for finding in rule.check(doc)]
    )
