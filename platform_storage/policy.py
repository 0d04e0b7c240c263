"""IAM policy statements as plain, immutable Python values.

Constructs render these into `data.aws_iam_policy_document` blocks (so checkov's IAM checks can
evaluate them); tests and the rules read them back from the synthesized document. No CDK import.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Effect = Literal["Allow", "Deny"]


@dataclass(frozen=True)
class Condition:
    """One condition block: `test` is the operator (`StringEquals`), `variable` the key."""

    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    """A principal block: `type` is `AWS`, `Service`, `Federated` or `*`."""

    type: str
    identifiers: tuple[str, ...]


ANYONE = Principal(type="*", identifiers=("*",))


@dataclass(frozen=True)
class PolicyStatement:
    """One IAM statement. Actions, resources and principals are tuples so statements hash.

    `sid`, `effect` and `actions` are required; `resources` = () (a trust policy has none),
    `principals` = () (an identity policy has none), `conditions` = ().
    """

    sid: str
    effect: Effect
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()
    conditions: tuple[Condition, ...] = field(default=())

    def to_document_block(self) -> dict[str, Any]:
        """The statement as `data.aws_iam_policy_document` expects it (snake_case struct keys)."""
        block: dict[str, Any] = {
            "sid": self.sid,
            "effect": self.effect,
            "actions": list(self.actions),
        }
        if self.resources:
            block["resources"] = list(self.resources)
        if self.principals:
            block["principals"] = [
                {"type": p.type, "identifiers": list(p.identifiers)} for p in self.principals
            ]
        if self.conditions:
            block["condition"] = [
                {"test": c.test, "variable": c.variable, "values": list(c.values)}
                for c in self.conditions
            ]
        return block


def action_matches(pattern: str, action: str) -> bool:
    """IAM's action matching: case-insensitive, with `*` (any run) and `?` (one character)."""
    return _action_regex(pattern).fullmatch(action) is not None


@functools.lru_cache(maxsize=4096)
def _action_regex(pattern: str) -> re.Pattern[str]:
    # Cached: the analysis asks of the same few patterns for every action of every identity.
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def document_statements_to_iam(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Turn synthesized `data.aws_iam_policy_document` statements into IAM policy JSON.

    This is what the AWS provider does when it renders `.json`; the tests use it to feed the
    synthesized document, not a Python-side copy, to parliament, moto and the condition evaluator.
    """
    out = []
    for st in statements:
        item: dict[str, Any] = {"Effect": st.get("effect", "Allow")}
        if st.get("sid"):
            item["Sid"] = st["sid"]
        for src, dst in (("actions", "Action"), ("not_actions", "NotAction")):
            if st.get(src):
                item[dst] = _one_or_many(st[src])
        for src, dst in (("resources", "Resource"), ("not_resources", "NotResource")):
            if st.get(src):
                item[dst] = _one_or_many(st[src])
        if st.get("principals"):
            principals: dict[str, list[str]] = {}
            for p in as_list(st["principals"]):
                principals.setdefault(p["type"], []).extend(p["identifiers"])
            if list(principals) == ["*"]:
                item["Principal"] = "*"
            else:
                item["Principal"] = {k: _one_or_many(v) for k, v in principals.items()}
        if st.get("condition"):
            cond: dict[str, dict[str, Any]] = {}
            for c in as_list(st["condition"]):
                cond.setdefault(c["test"], {})[c["variable"]] = _one_or_many(c["values"])
            item["Condition"] = cond
        out.append(item)
    return {"Version": "2012-10-17", "Statement": out}


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False)


def as_list(value: Any) -> list[Any]:
    """IAM JSON and Terraform JSON write one value or a list of them; None means none."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _one_or_many(values: Iterable[str]) -> str | list[str]:
    items = list(values)
    return items[0] if len(items) == 1 else items
