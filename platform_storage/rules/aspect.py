"""Aspects that fail the synth when an invariant is broken, and reasoned exceptions to them."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable

from platform_storage.cdk import (
    Annotations,
    Aspects,
    Construct,
    IAspect,
    IConstruct,
    TerraformStack,
    implements,
)
from platform_storage.rules.bucket_rules import BUCKET_RULES, Finding, check_buckets
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.iam_rules import check_iam

SUPPRESSION = "platform-storage:suppress"
MIN_REASON_LENGTH = 20


def suppress(construct: Construct, rule_id: str, *, reason: str) -> None:
    """Exempt `construct` and everything under it from `rule_id`, for a written `reason`.

    The reason is shown as an info annotation at every synth, so the exception stays visible in
    review. A missing or token reason (shorter than 20 characters) is refused.
    """
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"suppressing {rule_id} on {construct.node.path} needs a written reason"
            f" of at least {MIN_REASON_LENGTH} characters"
        )
    construct.node.add_metadata(SUPPRESSION, {"rule": rule_id, "reason": reason.strip()})


def _suppression_reason(construct: IConstruct, rule_id: str) -> str | None:
    scope: IConstruct | None = construct
    while scope is not None:
        for entry in scope.node.metadata:
            if entry.type == SUPPRESSION and entry.data.get("rule") == rule_id:
                return str(entry.data.get("reason"))
        scope = scope.node.scope
    return None


Checker = Callable[[TerraformDocument, list[IConstruct]], list[Finding]]


@implements(IAspect)
class DocumentRules:
    """Runs every rule set once per stack, over the synthesized document, and reports each
    finding on the construct at fault.

    One aspect carries all rule sets: CDK calls an aspect back for every construct of the tree
    (a JavaScript-to-Python round trip each), so a second aspect would double that cost.
    """

    def __init__(self) -> None:
        self.rule_sets: dict[str, Checker] = {}

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack):
            return
        doc = TerraformDocument(node.to_terraform())
        constructs = node.node.find_all()
        findings = [f for check in self.rule_sets.values() for f in check(doc, constructs)]
        if not findings:
            return
        # Paths only when there is something to report: one round trip per construct.
        by_path = {c.node.path: c for c in constructs}
        for finding in findings:
            target = by_path.get(finding.path, node)
            reason = _suppression_reason(target, finding.rule_id)
            if reason is None:
                Annotations.of(target).add_error(
                    f"[{finding.rule_id}] {finding.address}: {finding.message}"
                )
            else:
                Annotations.of(target).add_info(
                    f"[{finding.rule_id}] suppressed on {finding.address}: {reason}"
                )


def _bucket_findings(doc: TerraformDocument, constructs: list[IConstruct]) -> list[Finding]:
    # Imported here: the constructs apply these rules, so a module-level import would be circular.
    from platform_storage.constructs.state_bucket import StateBucket

    state_paths = [c.bucket.node.path for c in constructs if isinstance(c, StateBucket)]
    return check_buckets(doc, state_paths=state_paths, rules=BUCKET_RULES)


def _iam_findings(doc: TerraformDocument, constructs: list[IConstruct]) -> list[Finding]:
    return check_iam(doc)


RULE_SETS: dict[str, Checker] = {"buckets": _bucket_findings, "iam": _iam_findings}
_applied: dict[int, DocumentRules] = {}


def apply_rules(stack: TerraformStack, names: Iterable[str] | None = None) -> None:
    """Check `stack` at synth with the named rule sets (all by default). Idempotent, and cheap
    after the first call for a stack: the constructs call it for their stack every time."""
    aspect = _applied.get(id(stack))
    if aspect is None:
        existing = [a for a in Aspects.of(stack).all if isinstance(a, DocumentRules)]
        aspect = existing[0] if existing else DocumentRules()
        if not existing:
            Aspects.of(stack).add(aspect)
        _applied[id(stack)] = aspect
        weakref.finalize(stack, _applied.pop, id(stack), None)
    for name in names or RULE_SETS:
        aspect.rule_sets.setdefault(name, RULE_SETS[name])
