"""Terraform/OpenTofu state documents (format version 4): what identifies one, and what a
rollback compares and rewrites."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class StateError(ValueError):
    """A document that is not a readable state."""


@dataclass(frozen=True)
class StateInfo:
    serial: int
    lineage: str
    terraform_version: str
    resources: int  # resource instances, the unit `terraform state list` counts


def parse(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateError(f"not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("serial"), int):
        raise StateError("no integer 'serial': not a Terraform state")
    if not isinstance(document.get("lineage"), str):
        raise StateError("no 'lineage': not a Terraform state")
    return document


def info(document: Mapping[str, Any]) -> StateInfo:
    return StateInfo(
        serial=int(document["serial"]),
        lineage=str(document["lineage"]),
        terraform_version=str(document.get("terraform_version", "")),
        resources=len(instances(document)),
    )


def instances(document: Mapping[str, Any]) -> dict[str, Any]:
    """Resource instances by address (`module.a.aws_s3_bucket.b["k"]`), with their attributes."""
    found: dict[str, Any] = {}
    for resource in document.get("resources", []) or []:
        base = ".".join(
            part
            for part in (
                resource.get("module"),
                "data" if resource.get("mode") == "data" else None,
                resource.get("type"),
                resource.get("name"),
            )
            if part
        )
        for instance in resource.get("instances", []) or []:
            key = instance.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            found[address] = instance.get("attributes", instance.get("attributes_flat"))
    return found


def diff(current: Mapping[str, Any], target: Mapping[str, Any]) -> list[str]:
    """What a rollback from `current` to `target` changes, one line per resource instance:
    `+` comes back, `-` goes away, `~` changes (with the attribute names that differ)."""
    now, then = instances(current), instances(target)
    lines = [f"+ {address}" for address in sorted(then.keys() - now.keys())]
    lines += [f"- {address}" for address in sorted(now.keys() - then.keys())]
    for address in sorted(now.keys() & then.keys()):
        if now[address] != then[address]:
            before, after = now[address] or {}, then[address] or {}
            names = sorted(
                name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
            )
            lines.append(f"~ {address} ({', '.join(names)})")
    return lines


def with_serial(content: bytes, serial: int) -> bytes:
    """The state `content` with `serial` replaced, written as Terraform writes state (two-space
    indent, trailing newline); every other value kept exactly, numbers too (a float is written
    back as the digits it was read from, never through a binary float)."""
    numbers: list[str] = []
    marker = f"\u0000{uuid.uuid4().hex}:"

    def keep(text: str) -> str:
        numbers.append(text)
        return f"{marker}{len(numbers) - 1}"

    document = json.loads(content, parse_float=keep)
    document["serial"] = serial
    text = json.dumps(document, indent=2, ensure_ascii=False)
    escaped = re.escape(json.dumps(marker)[1:-1])
    text = re.sub(f'"{escaped}(\\d+)"', lambda m: numbers[int(m.group(1))], text)
    return (text + "\n").encode()
