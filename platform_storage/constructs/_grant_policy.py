"""`GrantPolicy`: the policy an identity's grants land in."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from platform_storage.cdk import Construct
from platform_storage.constructs.policy_document import PolicyDocument
from platform_storage.policy import PolicyStatement


class GrantPolicy:
    """The policy an identity's grants land in, written with the first grant (IAM rejects a
    policy without statements): its document `<id>-document` in `scope`, and whatever
    `attach(document)` creates to hold it (an inline role policy, or a managed policy and its
    attachment)."""

    def __init__(
        self, scope: Construct, id: str, attach: Callable[[PolicyDocument], object]
    ) -> None:
        self._scope = scope
        self._id = id
        self._attach = attach
        self.document: PolicyDocument | None = None

    @property
    def statements(self) -> tuple[PolicyStatement, ...]:
        return self.document.statements if self.document else ()

    def check(self, statements: Iterable[PolicyStatement]) -> None:
        """What `add` would refuse, without adding anything."""
        if self.document is not None:
            self.document.check(statements)
        else:
            sids = [s.sid for s in statements]
            repeated = {sid for sid in sids if sids.count(sid) > 1}
            if repeated:
                raise ValueError(
                    f"{self._scope.node.path}: statement ids {sorted(repeated)} repeat"
                )

    def add(self, *statements: PolicyStatement) -> None:
        if self.document is not None:
            self.document.add_statements(*statements)
            return
        self.document = PolicyDocument(self._scope, f"{self._id}-document", statements=statements)
        self._attach(self.document)
