"""`PolicyDocument`: an IAM policy kept as `data.aws_iam_policy_document`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from platform_storage.cdk import (
    Construct,
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
    ensure_core,
    node_path,
)
from platform_storage.constructs._arguments import path_of
from platform_storage.policy import PolicyStatement


class PolicyDocument:
    """An IAM policy document that statements can be added to until synthesis.

    Rendered as `data.aws_iam_policy_document` (created in `scope` under `id`) rather than a JSON
    string: checkov evaluates its deeper IAM checks only for that form (a JSON string is silently
    skipped), and the AWS provider normalises the JSON so plans show no spurious diffs. Statement
    ids must be unique. `statements` = (): the first statements; more through `add_statements`.
    Not a construct of its own: a wrapper construct would add a node, and a
    jsii round trip, to every policy of every identity.
    """

    def __init__(
        self, scope: Construct, id: str, *, statements: Iterable[PolicyStatement] = ()
    ) -> None:
        ensure_core(scope)
        initial = list(statements)
        self._statements: list[PolicyStatement] = []
        self._check(initial, where=lambda: path_of(scope, id))
        self._statements = initial
        # The first statements go in with the data source: one jsii round trip fewer.
        self.data = DataAwsIamPolicyDocument(
            scope, id, statement=[_render(s) for s in self._statements] or None
        )

    def add_statements(self, *statements: PolicyStatement) -> None:
        """Append statements; nothing is added when one is refused (see `check`)."""
        if not statements:
            return
        self.check(statements)
        self._statements.extend(statements)
        self.data.put_statement([_render(s) for s in self._statements])

    def check(self, statements: Iterable[PolicyStatement]) -> None:
        """Refuse statements that are not `PolicyStatement`s or whose `sid` repeats one of the
        policy (IAM would reject the policy)."""
        self._check(list(statements), where=lambda: node_path(self.data))

    def _check(self, statements: list[PolicyStatement], *, where: Callable[[], str]) -> None:
        """`where` gives the path an error names (asked only for an error: a jsii round trip)."""
        wrong = [s for s in statements if not isinstance(s, PolicyStatement)]
        if wrong:
            raise TypeError(f"{where()}: statements must be PolicyStatement, not {wrong[0]!r}")
        taken = {s.sid for s in self._statements}
        for statement in statements:
            if statement.sid in taken:
                raise ValueError(
                    f"{where()}: statement id {statement.sid!r} is already in the policy"
                )
            taken.add(statement.sid)

    @property
    def statements(self) -> tuple[PolicyStatement, ...]:
        return tuple(self._statements)

    @property
    def json(self) -> str:
        """The rendered policy JSON (a Terraform reference, known at apply time)."""
        return self.data.json


def _render(statement: PolicyStatement) -> DataAwsIamPolicyDocumentStatement:
    return DataAwsIamPolicyDocumentStatement(
        sid=statement.sid,
        effect=statement.effect,
        actions=list(statement.actions),
        resources=list(statement.resources) or None,
        principals=[
            DataAwsIamPolicyDocumentStatementPrincipals(
                type=p.type, identifiers=list(p.identifiers)
            )
            for p in statement.principals
        ]
        or None,
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(
                test=c.test, variable=c.variable, values=list(c.values)
            )
            for c in statement.conditions
        ]
        or None,
    )
