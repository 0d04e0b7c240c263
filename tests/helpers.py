"""Small readers over synthesized documents, shared by the tests."""

from __future__ import annotations

from typing import Any

from platform_storage.policy import as_list
from platform_storage.rules.document import Block, TerraformDocument


def only(doc: dict[str, Any], type_: str, kind: str = "resource") -> Block:
    """The single block of `type_`; fails when there are none or several."""
    blocks = list(TerraformDocument(doc).blocks(kind, type_))
    assert len(blocks) == 1, f"expected one {type_}, found {len(blocks)}"
    return blocks[0]


def blocks(doc: dict[str, Any], type_: str, kind: str = "resource") -> list[Block]:
    return list(TerraformDocument(doc).blocks(kind, type_))


def statements_of(doc: dict[str, Any], policy_ref: str) -> list[dict[str, Any]]:
    """Statements of the `data.aws_iam_policy_document` that `policy_ref` points at."""
    found = TerraformDocument(doc).policy_statements(policy_ref)
    assert found is not None, f"{policy_ref} is not a policy document reference"
    return [dict(s) for s in found]


def statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    matches = [s for s in statements if s.get("sid") == sid]
    assert len(matches) == 1, f"expected one statement {sid}, found {len(matches)}"
    return matches[0]


def conditions(st: dict[str, Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(c["test"], c["variable"], tuple(c["values"])) for c in as_list(st.get("condition"))}


def named(doc: dict[str, Any], type_: str, name: str) -> Block:
    """The block of `type_` whose `name` argument is `name`."""
    matches = [b for b in blocks(doc, type_) if b.config.get("name") == name]
    assert len(matches) == 1, f"expected one {type_} named {name}, found {len(matches)}"
    return matches[0]
