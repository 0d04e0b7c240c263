"""The synth-time side of the rules: each stack holding a construct of the library gets a hidden
`StackRules` child whose validation judges the stack's synthesized document, and the app gets
one `AppRules` child whose validation compares the roles of all its stacks. Exceptions to a rule
need a written reason.

Validations, not aspects: CDK runs validations after every aspect has visited the tree (and
visits aspects top-down), so a user's aspect that weakens a bucket is judged in its final form.
A stack's findings become error annotations on the construct at fault, which fail its synth;
the app's findings fail `App.synth()` after the stacks are written (the ready app synthesizes
into a staging directory, so nothing of a failed synth is published).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from platform_storage.cdk import (
    Annotations,
    Construct,
    IConstruct,
    IValidation,
    TerraformStack,
    implements,
    node_path,
    stack_of,
)
from platform_storage.rules import RULES, check_document
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.identity_rules import (
    StackIdentities,
    duplicate_names,
    identities_reading_secrets,
)
from platform_storage.rules.trust_rules import RoleTrust, role_workloads, shared_workloads

RULES_ID = "platform-storage-rules"
APP_RULES_ID = "platform-storage-app-rules"
SUPPRESSION = "platform-storage:suppress"
MIN_REASON_LENGTH = 20


class StackRules(Construct):
    """Carries the rules' validation for one stack, and what the rules need beyond the
    document: the construct paths of its state buckets; once judged, what `AppRules` compares
    (the workloads its roles trust, its IAM names and secret readers).

    `when_judged`: called with each document judged, the one synthesis writes next (the ready
    app starts its access report there, while Node writes the stack); none by default.
    """

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, RULES_ID)
        self.stack = stack
        self.state_buckets: set[str] = set()
        self.seen: _StackFacts | None = None
        self.when_judged: list[Callable[[Mapping[str, Any]], None]] = []
        self.node.add_validation(_Judge(self.judge))

    def judge(self) -> list[str]:
        synthesized = self.stack.to_terraform()
        doc = TerraformDocument(synthesized)
        self.seen = _StackFacts.of(doc)
        findings = check_document(doc, state_paths=self.state_buckets)
        if findings:
            # Paths only when there is something to report: one jsii round trip per construct.
            by_path = {node_path(c): c for c in self.stack.node.find_all()}
            for finding in findings:
                target = by_path.get(finding.path, self.stack)
                reason = suppression_reason(target, finding.rule_id)
                if reason is None:
                    Annotations.of(target).add_error(
                        f"[{finding.rule_id}] {finding.address}: {finding.message}"
                    )
                else:
                    Annotations.of(target).add_info(
                        f"[{finding.rule_id}] suppressed on {finding.address}: {reason}"
                    )
        for listener in self.when_judged:
            listener(synthesized)
        return []


class _StackFacts:
    """What `AppRules` compares of one stack."""

    def __init__(self, trusts: list[RoleTrust], identities: StackIdentities) -> None:
        self.trusts = trusts
        self.identities = identities

    @classmethod
    def of(cls, doc: TerraformDocument) -> _StackFacts:
        return cls(role_workloads(doc), StackIdentities.of(doc))


class AppRules(Construct):
    """PS-IAM-5, -8 and -9 across the stacks of one app, nested or not, judged or not: no role
    of one stack may trust a workload a role of another stack trusts, share its IAM name, or
    read another stack's secrets. (One app is taken to be one account: suppress with a reason
    where stacks deploy to several.)"""

    def __init__(self, root: Construct) -> None:
        super().__init__(root, APP_RULES_ID)
        self.root = root
        root.node.add_validation(_Judge(self.judge))

    def judge(self) -> list[str]:
        constructs = self.root.node.find_all()
        earlier: list[_StackFacts] = []
        errors = []
        by_path: dict[str, IConstruct] | None = None
        for stack in (c for c in constructs if isinstance(c, TerraformStack)):
            rules = stack.node.try_find_child(RULES_ID)
            facts = rules.seen if isinstance(rules, StackRules) else None
            if facts is None:
                facts = _StackFacts.of(TerraformDocument(stack.to_terraform()))
            before = [f.identities for f in earlier]
            findings = (
                shared_workloads(facts.trusts, [t for f in earlier for t in f.trusts])
                + duplicate_names(facts.identities, before)
                + identities_reading_secrets(facts.identities, before)
            )
            if findings and by_path is None:
                # Paths only when there is something to report: two round trips per construct.
                by_path = {node_path(c): c for c in constructs}
            for finding in findings:
                assert by_path is not None
                target = by_path.get(finding.path, stack)
                if suppression_reason(target, finding.rule_id) is None:
                    errors.append(f"[{finding.path}] [{finding.rule_id}] {finding.message}")
            earlier.append(facts)
        return errors


@implements(IValidation)
class _Judge:
    def __init__(self, judge: object) -> None:
        self._judge = judge

    def validate(self) -> list[str]:
        assert callable(self._judge)
        return list(self._judge())


def apply_rules(scope: IConstruct) -> StackRules:
    """The rules of the stack holding `scope` and of its app, attached on first use
    (idempotent)."""
    stack = stack_of(scope)
    known = _rules.get(stack)
    if known is not None:
        return known
    root = stack.node.root
    if isinstance(root, Construct) and not isinstance(
        root.node.try_find_child(APP_RULES_ID), AppRules
    ):
        AppRules(root)
    found = stack.node.try_find_child(RULES_ID)
    rules = _rules[stack] = found if isinstance(found, StackRules) else StackRules(stack)
    return rules


# A stack's rules child, once attached, stays: every later construct of the stack finds it here
# instead of asking jsii (seven round trips per construct).
_rules: weakref.WeakKeyDictionary[TerraformStack, StackRules] = weakref.WeakKeyDictionary()


def mark_state_bucket(bucket: IConstruct) -> None:
    """Hold `bucket` (an `aws_s3_bucket` construct) to the state-bucket rules too."""
    apply_rules(bucket).state_buckets.add(node_path(bucket))


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


def suppression_reason(construct: IConstruct, rule_id: str) -> str | None:
    scope: IConstruct | None = construct
    while scope is not None:
        for entry in scope.node.metadata:
            if entry.type == SUPPRESSION and entry.data.get("rule") == rule_id:
                return str(entry.data.get("reason"))
        scope = scope.node.scope
    return None
