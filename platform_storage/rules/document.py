"""Read-only view of a synthesized Terraform JSON document, for the rules. No CDK import.

The rules look at what Terraform will receive, not at Python objects, so a bucket built by hand or
weakened through an escape hatch (`add_override`) is judged the same as one from a construct.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from platform_storage.policy import as_list

# A whole Terraform reference, `${type.name.attribute}`.
REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


@dataclass(frozen=True)
class Block:
    """One resource or data source: `address` as Terraform names it, `path` the construct path."""

    kind: str  # "resource" or "data"
    type: str
    name: str
    config: Mapping[str, Any]

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    @property
    def path(self) -> str:
        meta = self.config.get("//", {}).get("metadata", {})
        return str(meta.get("path", self.address))

    def ref(self, attribute: str) -> str:
        return "${" + f"{self.address}.{attribute}" + "}"


class TerraformDocument:
    """A synthesized stack (`cdk.tf.json` as a dict)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def blocks(self, kind: str, type_: str) -> Iterator[Block]:
        for name, config in self.raw.get(kind, {}).get(type_, {}).items():
            yield Block(kind=kind, type=type_, name=name, config=config)

    def resources(self, type_: str) -> Iterator[Block]:
        return self.blocks("resource", type_)

    def find(self, address: str) -> Block | None:
        kind, rest = ("data", address[5:]) if address.startswith("data.") else ("resource", address)
        type_, _, name = rest.partition(".")
        config = self.raw.get(kind, {}).get(type_, {}).get(name)
        return None if config is None else Block(kind=kind, type=type_, name=name, config=config)

    def companions(self, type_: str, bucket: Block) -> list[Block]:
        """Resources of `type_` whose `bucket` argument is this bucket (reference or name)."""
        names = {bucket.ref("id"), bucket.ref("bucket")}
        literal = bucket.config.get("bucket")
        if isinstance(literal, str) and not literal.startswith("${"):
            names.add(literal)
        return [b for b in self.resources(type_) if b.config.get("bucket") in names]

    def policy_statements(self, policy: Any) -> list[Mapping[str, Any]] | None:
        """Statements (document form) of a policy given as a data-source reference or JSON."""
        if not isinstance(policy, str):
            return None
        match = REFERENCE.fullmatch(policy)
        if match:
            address = match.group(1)
            if not (
                address.startswith("data.aws_iam_policy_document.") and address.endswith(".json")
            ):
                return None
            block = self.find(address[: -len(".json")])
            return None if block is None else as_list(block.config.get("statement", []))
        try:
            parsed = json.loads(policy)
        except ValueError:
            return None
        return iam_to_document_statements(parsed)


def iam_to_document_statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """IAM policy JSON to the statement form of `data.aws_iam_policy_document`."""
    out: list[Mapping[str, Any]] = []
    for st in as_list(policy.get("Statement")):
        item: dict[str, Any] = {
            "effect": st.get("Effect", "Allow"),
            "actions": as_list(st.get("Action")),
            "resources": as_list(st.get("Resource")),
        }
        for source, target in (("NotAction", "not_actions"), ("NotResource", "not_resources")):
            if source in st:
                item[target] = as_list(st[source])
        principal = st.get("Principal")
        if principal == "*":
            item["principals"] = [{"type": "*", "identifiers": ["*"]}]
        elif isinstance(principal, Mapping):
            item["principals"] = [
                {"type": k, "identifiers": as_list(v)} for k, v in principal.items()
            ]
        conditions = []
        for test, pairs in (st.get("Condition") or {}).items():
            for variable, values in pairs.items():
                conditions.append({"test": test, "variable": variable, "values": as_list(values)})
        if conditions:
            item["condition"] = conditions
        out.append(item)
    return out
