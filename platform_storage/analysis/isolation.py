"""Who reaches what, proven: each identity's reach per action, and which identities one
workload could act as. Everything is decided by `evaluate` (Z3), over the resolved model.

- `reach(identity, model)`: for every action the identity's policies allow, the scopes it
  reaches (objects of a bucket under a prefix, a listing of a bucket under an `s3:prefix`, one
  resource such as a key). Each scope is proven reached in full (no request inside it is
  denied), and the scopes are proven complete (no request outside all of them is allowed);
  what the proof finds outside is returned as `unexplained`.
- `shared_workload(a, b)`: a request that satisfies both roles' trust policies, or None. For a
  web-identity token the subject is shared and the audience free on each side (the workload
  chooses it); ECS and other service principals assume a role only for resources configured with
  that very role, so they never join two roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import z3

from platform_storage.analysis import globs
from platform_storage.analysis.evaluate import (
    Case,
    Context,
    Policies,
    Statement,
    glob,
    union,
)
from platform_storage.analysis.model import Identity, SystemModel
from platform_storage.analysis.solve import member, satisfiable

# What a well-behaved client sends: TLS 1.3. The TLS-only bucket policies then deny nothing.
CLIENT = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
# Bucket-level actions whose reach is the listings an `s3:prefix` condition allows.
LISTING_ACTIONS = frozenset({"s3:ListBucket", "s3:ListBucketVersions"})
_OBJECT_ARN = re.compile(r"(arn:[^:]+:s3:::[^/*?]+)/(.*)")


@dataclass(frozen=True, order=True)
class Scope:
    """Part of what an action can reach.

    - objects: `resource` is a bucket ARN; keys under `prefix/` (every key when None) that end
      with `suffix`;
    - listing: `resource` is a bucket ARN; listings whose `s3:prefix` starts with `prefix/`
      (any listing when None);
    - resource: exactly `resource` (a bucket for bucket-level actions, a KMS key, ...).
    """

    kind: str  # "objects", "listing" or "resource"
    resource: str
    prefix: str | None = None
    suffix: str = ""

    def regex(self) -> z3.ReRef:
        """The resources of an objects or resource scope."""
        if self.kind == "objects":
            return glob(self._objects())
        return z3.Re(z3.StringVal(self.resource))

    def pattern(self) -> str | None:
        """The resources of an objects or resource scope as a wildcard pattern; None for a
        resource whose name holds a wildcard character (a pattern would read it as one)."""
        if self.kind == "objects":
            return self._objects()
        return self.resource if globs.is_literal(self.resource) else None

    def _objects(self) -> str:
        stem = f"{self.resource}/" + (f"{self.prefix}/" if self.prefix is not None else "")
        return _literal(stem) + "*" + _literal(self.suffix)

    def listed_pattern(self) -> str | None:
        """The `s3:prefix` values of a listing scope as a wildcard pattern; None for one of any
        listing, or a prefix holding a wildcard character."""
        if self.prefix is None or not globs.is_literal(self.prefix):
            return None
        return f"{self.prefix}/*"

    def listed(self, ctx: Context) -> z3.BoolRef:
        """The listings of a listing scope: the `s3:prefix` it allows."""
        if self.prefix is None:
            return z3.BoolVal(True)
        value, present = ctx.var("s3:prefix")
        return z3.And(present, z3.PrefixOf(z3.StringVal(f"{self.prefix}/"), value))

    def contains(self, other: Scope) -> bool:
        if (self.kind, self.resource) != (other.kind, other.resource):
            return False
        if self.prefix is not None and (
            other.prefix is None
            or not (other.prefix == self.prefix or other.prefix.startswith(self.prefix + "/"))
        ):
            return False
        return other.suffix.endswith(self.suffix)

    def __str__(self) -> str:
        if self.kind == "objects":
            under = f"{self.prefix}/" if self.prefix is not None else ""
            return f"{self.resource}/{under}*{self.suffix}"
        if self.kind == "listing":
            return f"{self.resource} (list{' ' + self.prefix + '/' if self.prefix else ''})"
        return self.resource


def _literal(text: str) -> str:
    if any(ch in text for ch in "*?"):
        raise ValueError(f"{text!r} is not a literal")
    return text


@dataclass(frozen=True)
class Reach:
    """What one identity reaches: scopes by action, and requests the scopes do not explain."""

    actions: Mapping[str, frozenset[Scope]]
    unexplained: tuple[str, ...]
    wildcard_actions: tuple[str, ...]


def policies_of(identity: Identity, model: SystemModel) -> Policies:
    resource = [Statement.parse(s) for bucket in model.buckets.values() for s in bucket.policy]
    return Policies(
        identity=tuple(Statement.parse(s) for s in identity.policies),
        resource=tuple(resource),
        principal=("AWS", identity.arn),
    )


def granted_actions(policies: Policies) -> tuple[set[str], set[str]]:
    """The literal actions some Allow names, and the patterns that are not literal."""
    literal: set[str] = set()
    patterns: set[str] = set()
    kind, value = policies.principal
    statements = list(policies.identity) + [
        s for s in policies.resource if s.covers_principal(kind, value)
    ]
    for statement in statements:
        if statement.effect != "Allow":
            continue
        if statement.not_actions:
            patterns.add("NotAction " + ",".join(statement.not_actions))
        for action in statement.actions:
            (patterns if any(ch in action for ch in "*?") else literal).add(action)
    return literal, patterns


def _candidates(action: str, policies: Policies) -> set[Scope]:
    """Scopes suggested by the resource patterns of the statements allowing `action`; each is
    then proven (or dropped) by the solver."""
    found: set[Scope] = set()
    for statement in _all(policies):
        if statement.effect != "Allow" or not statement.covers_action(action):
            continue
        for resource in statement.resources:
            match = _OBJECT_ARN.fullmatch(resource)
            if action in LISTING_ACTIONS and not match:
                found |= _listing_scopes(resource, statement)
            elif match:
                found.add(
                    _object_scope(match.group(1), match.group(2)) or Scope("pattern", resource)
                )
            else:
                found.add(Scope("resource", resource))
    return found


def _object_scope(bucket: str, rest: str) -> Scope | None:
    if rest == "*":
        return Scope("objects", bucket)
    if rest.startswith("*") and "*" not in rest[1:] and "?" not in rest:
        return Scope("objects", bucket, None, rest[1:])
    head, sep, tail = rest.partition("/*")
    if sep and not any(ch in head + tail for ch in "*?"):
        return Scope("objects", bucket, head, tail)
    return None


def _listing_scopes(bucket: str, statement: Statement) -> set[Scope]:
    prefixes = [
        value
        for test, key, values in statement.conditions
        if key.lower() == "s3:prefix" and test in ("StringLike", "StringEquals")
        for value in values
    ]
    if not prefixes:
        return {Scope("listing", bucket)}
    return {Scope("listing", bucket, p.removesuffix("*").removesuffix("/")) for p in prefixes}


def reach(identity: Identity, model: SystemModel) -> Reach:
    """Every action the identity is allowed, with the scopes it reaches, proven."""
    policies = policies_of(identity, model)
    literal, patterns = granted_actions(policies)
    actions: dict[str, frozenset[Scope]] = {}
    unexplained: list[str] = []
    proofs: dict[tuple[bool, ...], tuple[frozenset[Scope], str | None]] = {}
    for action in sorted(literal):
        # A proof depends on the action only through the statements that cover it (and whether
        # it lists): actions granted together (ListBucket and ListBucketVersions) share one.
        key = (action in LISTING_ACTIONS, *(s.covers_action(action) for s in _all(policies)))
        if key not in proofs:
            proofs[key] = _prove(action, policies)
        scopes, outside = proofs[key]
        if scopes:
            actions[action] = scopes
        if outside:
            unexplained.append(f"{action} on {outside}")
    return Reach(actions, tuple(unexplained), tuple(sorted(patterns)))


def _all(policies: Policies) -> tuple[Statement, ...]:
    return (*policies.identity, *policies.resource)


def _prove(action: str, policies: Policies) -> tuple[frozenset[Scope], str | None]:
    """The scopes `action` reaches in full, and a request outside them that is allowed."""
    ctx = Context(fixed=CLIENT)
    cases = policies.cases(action, ctx)
    candidates = _candidates(action, policies)
    if action in LISTING_ACTIONS:
        return _prove_listing(candidates, cases, ctx)
    full = {
        scope
        for scope in candidates
        if scope.kind in ("objects", "resource")
        and cases
        and all(_allowed_in_full(scope, c) for c in cases)
    }
    scopes = _minimal(full)
    covered = union(s.regex() for s in scopes)
    patterns = [p for p in (s.pattern() for s in scopes) if p is not None]
    resource = z3.String("resource")
    for case in cases:
        if case.shown_within(patterns):
            continue
        outside = satisfiable(
            case.context,
            z3.InRe(resource, z3.Intersect(case.allowed, z3.Complement(covered))),
        )
        if outside is not None:
            return scopes, repr(outside.eval(resource, model_completion=True).as_string())
    return scopes, None


def _allowed_in_full(scope: Scope, case: Case) -> bool:
    """Whether `case` allows every resource of `scope`: from the patterns' text when it
    shows it, else by the solver."""
    pattern = scope.pattern()
    if pattern is not None and case.shown_to_allow(pattern):
        return True
    resource = z3.String("resource")
    inside = z3.Intersect(scope.regex(), z3.Complement(case.allowed))
    return satisfiable(z3.InRe(resource, inside)) is None


def _allows(case: Case, resource: str) -> bool:
    """Whether `case` allows the literal `resource`: from the patterns, else by the solver."""
    known = case.allows_resource(resource)
    return member(resource, case.allowed) if known is None else known


def _prefix_condition(case: Case) -> tuple[bool, tuple[str, ...]] | None:
    """When `case`'s context is one condition on `s3:prefix` (StringLike, or StringEquals of
    literals): whether it holds, and its values as patterns. Otherwise None."""
    if len(case.groups) != 1:
        return None
    ((conditions, holds),) = case.groups
    if len(conditions) != 1:
        return None
    ((test, key, values),) = conditions
    if key.lower() != "s3:prefix" or test not in ("StringLike", "StringEquals"):
        return None
    if test == "StringEquals" and not all(globs.is_literal(v) for v in values):
        return None
    return holds, values


def _refuses_every_listing(case: Case, scope: Scope, ctx: Context) -> bool:
    """Whether no listing of `scope` falls in `case` (one that does not allow its bucket). From
    the text where the case is its `s3:prefix` condition failing: every prefix under the
    scope matches one of the condition's values."""
    condition, under = _prefix_condition(case), scope.listed_pattern()
    if condition is not None and under is not None:
        holds, values = condition
        if not holds and any(globs.contains(v, under) for v in values):
            return True
    return satisfiable(case.context, scope.listed(ctx)) is None


def _listings_within(case: Case, scopes: Sequence[Scope]) -> bool:
    """True when the text shows that every listing `case` allows is one of `scopes`': the
    case is its `s3:prefix` condition holding, and each value lies under a scope's prefix.
    False: not shown."""
    condition = _prefix_condition(case)
    if condition is None or not condition[0]:
        return False
    under = [p for p in (s.listed_pattern() for s in scopes) if p is not None]
    return all(any(globs.contains(u, v) for u in under) for v in condition[1])


def _prove_listing(
    candidates: set[Scope], cases: list[Case], ctx: Context
) -> tuple[frozenset[Scope], str | None]:
    listings = {s for s in candidates if s.kind == "listing"}
    full = set()
    for scope in listings:
        refused = [c for c in cases if not _allows(c, scope.resource)]
        if cases and all(_refuses_every_listing(c, scope, ctx) for c in refused):
            full.add(scope)
    scopes = _minimal(full)
    buckets = sorted({s.resource for s in scopes})
    resource = z3.String("resource")
    others = z3.Complement(union(z3.Re(z3.StringVal(b)) for b in buckets))
    for case in cases:
        found = (
            None
            if all(globs.is_literal(b) for b in buckets) and case.shown_within(buckets)
            else satisfiable(case.context, z3.InRe(resource, z3.Intersect(case.allowed, others)))
        )
        if found is not None:
            return scopes, repr(found.eval(resource, model_completion=True).as_string())
        for bucket in buckets:
            if not _allows(case, bucket):
                continue
            own = [s for s in scopes if s.resource == bucket]
            if _listings_within(case, own):
                continue
            listed = [s.listed(ctx) for s in own]
            found = satisfiable(case.context, z3.Not(z3.Or(*listed)))
            if found is not None:
                value, present = ctx.var("s3:prefix")
                shown = (
                    f"s3:prefix {found.eval(value, model_completion=True).as_string()!r}"
                    if z3.is_true(found.eval(present, model_completion=True))
                    else "no s3:prefix"
                )
                return scopes, f"{bucket!r} listed with {shown}"
    return scopes, None


def _minimal(scopes: set[Scope]) -> frozenset[Scope]:
    return frozenset(s for s in scopes if not any(o != s and o.contains(s) for o in scopes))


def shared_workload(first: Identity, second: Identity) -> str | None:
    """A request that satisfies both trust policies, described, or None when none exists."""
    for a in (Statement.parse(s) for s in first.trust):
        for b in (Statement.parse(s) for s in second.trust):
            found = _both(a, b)
            if found:
                return found
    return None


_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
WORKLOAD_SERVICES = ("pods.eks.amazonaws.com",)


def _both(a: Statement, b: Statement) -> str | None:
    if a.effect != "Allow" or b.effect != "Allow":
        return None
    actions = [x for x in _ASSUME if a.covers_action(x) and b.covers_action(x)]
    principals = _common_principals(a, b)
    if not actions or not principals:
        return None
    first = Context(tag="a:")
    second = _SharedContext(first)
    found = satisfiable(a.condition_formula(first), b.condition_formula(second))
    if found is None:
        return None
    keys = sorted(
        (key, found.eval(value, model_completion=True).as_string())
        for key, (value, present) in first.variables()
        if z3.is_true(found.eval(present, model_completion=True))
    )
    shown = ", ".join(f"{k}={v!r}" for k, v in keys) or "no condition"
    return f"{actions[0]} by {principals[0]} with {shown}"


def _common_principals(a: Statement, b: Statement) -> list[str]:
    assert a.principals is not None and b.principals is not None
    common = []
    for kind, identifiers in a.principals.items():
        others = b.principals.get(kind, ())
        for identifier in identifiers:
            if kind == "Service" and identifier not in WORKLOAD_SERVICES:
                continue
            if identifier in others or "*" in others or identifier == "*":
                common.append(f"{kind} {identifier}")
    if "*" in b.principals.get("*", ()) or "*" in a.principals.get("*", ()):
        common.append("everyone")
    return common


class _SharedContext(Context):
    """The second role's view of the same request: every key is the first's, but an audience
    (`<issuer>:aud`), which the workload picks per token."""

    def __init__(self, first: Context) -> None:
        super().__init__(tag="b:")
        self._first = first

    def var(self, key: str) -> tuple[z3.SeqRef, z3.BoolRef]:
        if key.lower().endswith(":aud"):
            return super().var(key)
        return self._first.var(key)


def scopes_overlap(first: Scope, second: Scope) -> bool:
    """Whether two scopes of the same kind share a request (one contains or meets the other)."""
    if (first.kind, first.resource) != (second.kind, second.resource):
        return False
    if first.prefix is None or second.prefix is None:
        return True
    a, b = first.prefix + "/", second.prefix + "/"
    return a.startswith(b) or b.startswith(a)


def describe_scopes(scopes: Iterable[Scope]) -> list[str]:
    return sorted(str(s) for s in scopes)
