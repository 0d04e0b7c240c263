"""IAM invariants: each a small pure function over the synthesized document. No CDK import.

- PS-IAM-1: no Allow of action `*` or `<service>:*`, nor of everything but a `NotAction` list.
- PS-IAM-2: no Allow of an S3 action on `Resource: "*"` or on every bucket (`arn:aws:s3:::*`).
- PS-IAM-3: a web-identity trust names the exact `sub` AND `aud` with `StringEquals`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from platform_storage.rules.bucket_rules import Finding
from platform_storage.rules.document import (
    Block,
    TerraformDocument,
    as_list,
    iam_to_document_statements,
)

# Resource types whose argument holds a policy (literal JSON is checked; references to
# `data.aws_iam_policy_document` are checked at the data source).
POLICY_ARGUMENTS = {
    "aws_iam_policy": "policy",
    "aws_iam_role": "assume_role_policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_kms_key": "policy",
}
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ANY_BUCKET = re.compile(r"^arn:[^:]*:s3:::\*")  # arn:aws:s3:::* and arn:aws:s3:::*/...
OIDC_PROVIDER = "aws_iam_openid_connect_provider"


def policies(doc: TerraformDocument) -> Iterator[tuple[Block, list[Mapping[str, Any]]]]:
    """Every policy in the document with its statements (document form)."""
    for block in doc.blocks("data", "aws_iam_policy_document"):
        yield block, as_list(block.config.get("statement"))
    for type_, argument in POLICY_ARGUMENTS.items():
        for block in doc.resources(type_):
            value = block.config.get(argument)
            if isinstance(value, str) and value.lstrip().startswith("{"):
                try:
                    yield block, iam_to_document_statements(json.loads(value))
                except ValueError:
                    continue


def wildcard_actions(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if statement.get("effect", "Allow") != "Allow":
        return None
    if statement.get("not_actions"):
        return "allows every action but those in NotAction"
    broad = [a for a in as_list(statement.get("actions")) if a == "*" or a.endswith(":*")]
    return f"allows every action of {', '.join(broad)}" if broad else None


def s3_on_any_resource(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if statement.get("effect", "Allow") != "Allow":
        return None
    s3 = [a for a in as_list(statement.get("actions")) if a.lower().startswith("s3:")]
    wide = [r for r in as_list(statement.get("resources")) if r == "*" or ANY_BUCKET.match(r)]
    if s3 and wide:
        return f"allows {', '.join(s3)} on {', '.join(repr(r) for r in wide)}"
    return None


def web_identity_trust(statement: Mapping[str, Any], doc: TerraformDocument) -> str | None:
    if statement.get("effect", "Allow") != "Allow" or WEB_IDENTITY not in as_list(
        statement.get("actions")
    ):
        return None
    issuers = [
        _issuer_of(identifier, doc)
        for principal in as_list(statement.get("principals"))
        if principal.get("type") == "Federated"
        for identifier in as_list(principal.get("identifiers"))
    ]
    if not issuers or None in issuers:
        return "web-identity trust without a Federated OIDC provider principal it can verify"
    conditions = as_list(statement.get("condition"))
    problems = []
    for issuer in issuers:
        for claim in ("sub", "aud"):
            key = f"{issuer}:{claim}"
            exact = [
                c
                for c in conditions
                if c.get("test") == "StringEquals" and c.get("variable") == key
            ]
            loose = [c for c in conditions if c.get("variable") == key and c not in exact]
            values = [v for c in exact for v in as_list(c.get("values"))]
            if not values:
                problems.append(f"no StringEquals on {key}")
            elif any("*" in v or "?" in v for v in values):
                problems.append(f"wildcard in {key}")
            if loose:
                problems.append(f"{key} is also matched with {loose[0].get('test')}")
    return "web-identity trust: " + "; ".join(problems) if problems else None


STATEMENT_RULES = (
    ("PS-IAM-1", wildcard_actions),
    ("PS-IAM-2", s3_on_any_resource),
    ("PS-IAM-3", web_identity_trust),
)


def check_iam(doc: TerraformDocument) -> list[Finding]:
    findings = []
    for block, statements in policies(doc):
        for statement in statements:
            for rule_id, check in STATEMENT_RULES:
                message = check(statement, doc)
                if message:
                    sid = statement.get("sid")
                    where = f" (statement {sid})" if sid else ""
                    findings.append(Finding(rule_id, block.path, block.address, message + where))
    return findings


def _issuer_of(identifier: str, doc: TerraformDocument) -> str | None:
    """The `<host/path>` an OIDC provider principal stands for, literal ARN or reference."""
    if ":oidc-provider/" in identifier and not identifier.startswith("${"):
        return identifier.split(":oidc-provider/", 1)[1]
    prefix = "${" + OIDC_PROVIDER + "."
    if identifier.startswith(prefix) and identifier.endswith(".arn}"):
        block = doc.find(identifier[2:-5])
        url = block.config.get("url") if block else None
        if isinstance(url, str):
            return url.removeprefix("https://")
    return None
