"""Reading identity and trust policies out of a synthesized document, resolved to plain IAM JSON,
and asking an IAM-condition-aware evaluator (iamprover, on Z3) about them.

References (`${aws_s3_bucket.x.arn}`) are replaced by the values Terraform would produce, so the
evaluators see the synthesized policies, not a Python-side copy.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import z3
from iamprover.engine.context import Context
from iamprover.engine.encoder import allowed
from iamprover.model import Condition as ProverCondition
from iamprover.model import Principal as ProverPrincipal
from iamprover.parsers.iam import parse_policy_document

from platform_storage.policy import document_statements_to_iam
from platform_storage.rules.document import TerraformDocument
from tests.configurations import ACCOUNT

_REF = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_\-]+)\.arn\}")
_NEGATED = ("StringNot", "ArnNot", "NotIpAddress")


def resolve(doc: dict[str, Any], value: Any) -> Any:
    """Replace ARN references in `value` (recursively) by the ARNs Terraform will produce."""
    resources = doc.get("resource", {})

    def arn(match: re.Match[str]) -> str:
        type_, name = match.group(1), match.group(2)
        config = resources[type_][name]
        if type_ == "aws_s3_bucket":
            return f"arn:aws:s3:::{config['bucket']}"
        if type_ == "aws_kms_key":
            return f"arn:aws:kms:us-east-2:{ACCOUNT}:key/{name}"
        if type_ == "aws_iam_openid_connect_provider":
            host = config["url"].removeprefix("https://")
            return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
        raise KeyError(f"no ARN known for {type_}.{name}")

    if isinstance(value, str):
        return _REF.sub(arn, value)
    if isinstance(value, list):
        return [resolve(doc, v) for v in value]
    if isinstance(value, dict):
        return {k: resolve(doc, v) for k, v in value.items()}
    return value


def _policy_json(doc: dict[str, Any], reference: str) -> dict[str, Any]:
    statements = TerraformDocument(doc).policy_statements(reference)
    assert statements is not None, reference
    return dict(resolve(doc, document_statements_to_iam(statements)))


POLICY_TYPES = ("aws_iam_policy", "aws_iam_role_policy")  # managed, and roles' inline ones


def identity_policy(doc: dict[str, Any], policy_name: str) -> dict[str, Any]:
    """The resolved IAM JSON of the managed or inline policy called `policy_name`."""
    return identity_policies(doc)[policy_name]


def identity_policies(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every identity policy of the document, by name (or address when unnamed)."""
    document = TerraformDocument(doc)
    return {
        block.config.get("name", block.address): _policy_json(doc, block.config["policy"])
        for type_ in POLICY_TYPES
        for block in document.resources(type_)
    }


def trust_policy(doc: dict[str, Any], role_name: str) -> dict[str, Any]:
    for block in TerraformDocument(doc).resources("aws_iam_role"):
        if block.config.get("name") == role_name:
            return _policy_json(doc, block.config["assume_role_policy"])
    raise KeyError(role_name)


class Prover:
    """One identity policy under iamprover, with AWS's rule for condition keys a request lacks
    (iamprover treats a missing key as "any value"; AWS fails positive operators on it)."""

    def __init__(self, policy: dict[str, Any], name: str = "identity") -> None:
        self.principal = ProverPrincipal(
            arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
            policies=[parse_policy_document(name, policy)],
        )

    def _without(self, absent: set[str]) -> ProverPrincipal:
        principal = copy.deepcopy(self.principal)
        for policy in principal.policies:
            for st in policy.statements:
                st.conditions = [
                    c
                    if c.key.lower() not in absent
                    else ProverCondition(
                        "StringNotLike" if c.operator.startswith(_NEGATED) else "StringLike",
                        c.key,
                        [],
                    )
                    for c in st.conditions
                ]
        return principal

    def allows(self, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
        """Whether one concrete request is allowed; keys not in `context` are absent."""
        context = context or {}
        principal = self._without({"s3:prefix"} - {k.lower() for k in context})
        solver, ctx = z3.Solver(), Context()
        for key, value in context.items():
            solver.add(ctx.constrain(key, value))
        solver.add(allowed(principal, z3.StringVal(action.lower()), z3.StringVal(resource), ctx))
        return bool(solver.check() == z3.sat)

    def some_key_under(self, action: str, bucket_arn: str, prefix: str) -> str | None:
        """A key under `prefix/` that `action` is allowed on, or None when none exists (proof)."""
        solver, ctx = z3.Solver(), Context()
        key = z3.String("key")
        solver.add(z3.PrefixOf(z3.StringVal(f"{prefix}/"), key))
        resource = z3.Concat(z3.StringVal(f"{bucket_arn}/"), key)
        solver.add(allowed(self.principal, z3.StringVal(action.lower()), resource, ctx))
        if solver.check() == z3.sat:
            return str(solver.model()[key])
        return None

    def some_listing_outside(self, bucket_arn: str, prefix: str) -> str | None:
        """An `s3:prefix` not under `prefix/` that ListBucket is allowed with, or None (proof)."""
        solver, ctx = z3.Solver(), Context()
        listed = ctx.string("s3:prefix")
        solver.add(z3.Not(z3.PrefixOf(z3.StringVal(f"{prefix}/"), listed)))
        solver.add(
            allowed(self.principal, z3.StringVal("s3:listbucket"), z3.StringVal(bucket_arn), ctx)
        )
        if solver.check() == z3.sat:
            return str(solver.model()[listed])
        return None
