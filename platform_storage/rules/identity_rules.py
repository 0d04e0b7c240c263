"""Identity rules: every IAM identity is one tenant, by name and by what it can read. No CDK
import.

- PS-IAM-8: no two IAM roles (users, groups, managed policies) share a name. IAM compares names
  without case, so `Team-A` and `team-a` are one role: the second create fails at apply, or,
  under import, two constructs manage one role and the last apply wins.
- PS-IAM-9: no secret policy lets an identity of the app read the secret. The app's secrets hold
  static keys (`KeySecrets`) for an ECS execution role; an identity of the app that reads them
  holds two identities' rights, so it would reach another tenant's data.

The same comparisons run across the stacks of one app (`rules.validation.AppRules`), through
`StackIdentities`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from platform_storage.naming import iam_name_key
from platform_storage.rules.document import TerraformDocument
from platform_storage.rules.iam_policies import allows, covers, principals
from platform_storage.rules.model import Finding

# Resource types whose names IAM keeps unique per account, and what IAM calls them.
IAM_NAMED = {
    "aws_iam_role": "role",
    "aws_iam_user": "user",
    "aws_iam_group": "group",
    "aws_iam_policy": "policy",
}
_SECRET_POLICY = "aws_secretsmanager_secret_policy"
_READ = "secretsmanager:GetSecretValue"


@dataclass(frozen=True)
class NamedIdentity:
    """An IAM entity with a literal name: `kind` (role, user, ...), `key` as IAM compares it."""

    path: str
    address: str
    kind: str
    name: str
    reference: str  # `${<address>.arn}`

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, iam_name_key(self.name)


@dataclass(frozen=True)
class SecretReader:
    """A principal that a secret policy lets read the secret: (kind, name key) when it names a
    role or user, by literal ARN or by reference to a block of the same document."""

    path: str
    address: str
    principal: str
    key: tuple[str, str]


@dataclass(frozen=True)
class StackIdentities:
    """What the identity rules compare, of one stack."""

    names: tuple[NamedIdentity, ...]
    readers: tuple[SecretReader, ...]

    @classmethod
    def of(cls, doc: TerraformDocument) -> StackIdentities:
        names = tuple(_named(doc))
        return cls(names, tuple(_readers(doc, names)))


def _named(doc: TerraformDocument) -> list[NamedIdentity]:
    found = []
    for type_, kind in IAM_NAMED.items():
        for block in doc.resources(type_):
            name = block.config.get("name")
            if isinstance(name, str) and "${" not in name:
                found.append(NamedIdentity(block.path, block.address, kind, name, block.ref("arn")))
    return found


def _arn_key(arn: str) -> tuple[str, str] | None:
    """(kind, name key) of a role or user ARN; names are unique whatever the path."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam":
        return None
    kind, _, rest = parts[5].partition("/")
    if kind not in ("role", "user") or not rest:
        return None
    return kind, iam_name_key(rest.rsplit("/", 1)[-1])


def _readers(doc: TerraformDocument, names: Sequence[NamedIdentity]) -> list[SecretReader]:
    by_reference = {n.reference: n.key for n in names}
    found = []
    for block in doc.resources(_SECRET_POLICY):
        for statement in doc.policy_statements(block.config.get("policy")) or []:
            if not allows(statement) or not covers(statement, _READ):
                continue
            for principal in principals(statement, "AWS"):
                key = by_reference.get(principal) or _arn_key(principal)
                if key is not None:
                    found.append(SecretReader(block.path, block.address, principal, key))
    return found


def duplicate_names(
    stack: StackIdentities, earlier: Sequence[StackIdentities] | None = None
) -> list[Finding]:
    """PS-IAM-8 on each entity whose name an earlier one of the stack has, or, with `earlier`,
    one of those stacks has."""
    seen: dict[tuple[str, str], NamedIdentity] = {}
    for other in earlier or ():
        for named in other.names:
            seen.setdefault(named.key, named)
    findings = []
    for named in stack.names:
        first = seen.get(named.key)
        if first is None:
            if earlier is None:
                seen[named.key] = named
            continue
        same = "" if first.name == named.name else " (IAM compares names without case)"
        findings.append(
            Finding(
                "PS-IAM-8",
                named.path,
                named.address,
                f"{named.kind} name {named.name!r} is already the name of {first.path}{same};"
                " IAM names are unique in an account",
            )
        )
    return findings


def identities_reading_secrets(
    stack: StackIdentities, earlier: Sequence[StackIdentities] | None = None
) -> list[Finding]:
    """PS-IAM-9 on each secret policy that lets an identity of the stack read it, or, with
    `earlier`, an identity of those stacks (and secrets of those stacks read by this one's)."""
    pairs: list[tuple[Sequence[SecretReader], Sequence[NamedIdentity]]]
    if earlier is None:
        pairs = [(stack.readers, stack.names)]
    else:
        before_names = [n for other in earlier for n in other.names]
        before_readers = [r for other in earlier for r in other.readers]
        pairs = [(stack.readers, before_names), (before_readers, stack.names)]
    findings = []
    for readers, names in pairs:
        by_key = {n.key: n for n in names}
        for reader in readers:
            identity = by_key.get(reader.key)
            if identity is None:
                continue
            findings.append(
                Finding(
                    "PS-IAM-9",
                    reader.path,
                    reader.address,
                    f"lets {identity.path} ({reader.principal}) read the secret, an identity of"
                    " this app: it would hold the secret's keys besides its own rights; give the"
                    " secret a reader of its own",
                )
            )
    return findings


def unique_iam_names(doc: TerraformDocument) -> list[Finding]:
    return duplicate_names(StackIdentities.of(doc))


def no_identity_reads_secrets(doc: TerraformDocument) -> list[Finding]:
    return identities_reading_secrets(StackIdentities.of(doc))
