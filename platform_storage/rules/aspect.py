"""Aspects that fail the synth when an invariant is broken, and reasoned exceptions to them."""

from __future__ import annotations

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


Checker = Callable[[TerraformStack, TerraformDocument], list[Finding]]


@implements(IAspect)
class DocumentRules:
    """Runs document rules once per stack and reports each finding on the construct at fault."""

    def __init__(self, name: str, checker: Checker) -> None:
        self.name = name
        self._checker = checker

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack):
            return
        doc = TerraformDocument(node.to_terraform())
        by_path = {c.node.path: c for c in node.node.find_all()}
        for finding in self._checker(node, doc):
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


def _bucket_findings(stack: TerraformStack, doc: TerraformDocument) -> list[Finding]:
    # Imported here: the constructs apply these rules, so a module-level import would be circular.
    from platform_storage.constructs.state_bucket import StateBucket

    state_paths = [c.bucket.node.path for c in stack.node.find_all() if isinstance(c, StateBucket)]
    return check_buckets(doc, state_paths=state_paths, rules=BUCKET_RULES)


def _iam_findings(stack: TerraformStack, doc: TerraformDocument) -> list[Finding]:
    return check_iam(doc)


_CHECKERS: dict[str, Checker] = {"buckets": _bucket_findings, "iam": _iam_findings}


def apply_rules(stack: TerraformStack, names: Iterable[str] | None = None) -> None:
    """Add the rule aspects to `stack` once each (idempotent); all rule sets by default."""
    aspects = Aspects.of(stack)
    present = {a.name for a in aspects.all if isinstance(a, DocumentRules)}
    for name in names or _CHECKERS:
        if name not in present:
            aspects.add(DocumentRules(name, _CHECKERS[name]))
