"""The synth-time side of the rules: each stack holding a construct of the library gets a hidden
`StackRules` child whose validation judges the stack's synthesized document, and exceptions to a
rule need a written reason.

A validation, not an aspect: CDK runs validations after every aspect has visited the tree (and
visits aspects top-down), so a user's aspect that weakens a bucket is judged in its final form.
Findings become error annotations on the construct at fault, which fail the synth.
"""

from __future__ import annotations

from platform_storage.cdk import (
    Annotations,
    Construct,
    IConstruct,
    IValidation,
    TerraformStack,
    implements,
    stack_of,
)
from platform_storage.rules import RULES, check_document
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.iam_rules import role_workloads
from platform_storage.workloads import Workload

RULES_ID = "platform-storage-rules"
SUPPRESSION = "platform-storage:suppress"
MIN_REASON_LENGTH = 20


class StackRules(Construct):
    """Carries the rules' validation for one stack, and what the rules need beyond the
    document: the construct paths of its state buckets, and (once judged) the workloads its
    roles trust, for the stacks judged after it."""

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, RULES_ID)
        self.stack = stack
        self.state_buckets: set[str] = set()
        self.trusts: list[tuple[str, list[Workload]]] = []
        self.node.add_validation(_Judge(self))

    def judge(self) -> None:
        doc = TerraformDocument(self.stack.to_terraform())
        findings = check_document(
            doc, state_paths=self.state_buckets, earlier_trusts=self._earlier_trusts()
        )
        self.trusts = [(block.path, trusted) for block, trusted in role_workloads(doc)]
        if not findings:
            return
        # Paths only when there is something to report: one jsii round trip per construct.
        by_path = {c.node.path: c for c in self.stack.node.find_all()}
        for finding in findings:
            target = by_path.get(finding.path, self.stack)
            reason = _suppression_reason(target, finding.rule_id)
            if reason is None:
                Annotations.of(target).add_error(
                    f"[{finding.rule_id}] {finding.address}: {finding.message}"
                )
            else:
                Annotations.of(target).add_info(
                    f"[{finding.rule_id}] suppressed on {finding.address}: {reason}"
                )

    def _earlier_trusts(self) -> list[tuple[str, list[Workload]]]:
        """Trusts of the stacks synthesized before this one (the App's children in order)."""
        root = self.stack.node.root
        earlier = []
        for child in root.node.children:
            if child is self.stack or child.node.path == self.stack.node.path:
                break
            rules = child.node.try_find_child(RULES_ID)
            if isinstance(rules, StackRules):
                earlier += rules.trusts
        return earlier


@implements(IValidation)
class _Judge:
    def __init__(self, rules: StackRules) -> None:
        self._rules = rules

    def validate(self) -> list[str]:
        self._rules.judge()
        return []


def apply_rules(scope: IConstruct) -> StackRules:
    """The rules of the stack holding `scope`, attached on first use (idempotent)."""
    stack = stack_of(scope)
    found = stack.node.try_find_child(RULES_ID)
    if isinstance(found, StackRules):
        return found
    return StackRules(stack)


def mark_state_bucket(bucket: IConstruct) -> None:
    """Hold `bucket` (an `aws_s3_bucket` construct) to the state-bucket rules too."""
    apply_rules(bucket).state_buckets.add(bucket.node.path)


def suppress(construct: IConstruct, rule_id: str, *, reason: str) -> None:
    """Exempt `construct` and everything under it from `rule_id`, for a written `reason`.

    The reason is shown as an info annotation at every synth, so the exception stays visible in
    review. An unknown rule id, or a reason shorter than 20 characters, is refused.
    """
    if rule_id not in RULES:
        raise ValueError(
            f"suppress on {construct.node.path}: unknown rule {rule_id!r} (known:"
            f" {', '.join(RULES)})"
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
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
