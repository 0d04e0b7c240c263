"""IAM policy evaluation as Z3 formulas, for the isolation proofs and the access report.

A request is an action (a concrete string), a resource (a Z3 string, so that a question can range
over every resource) and a context of condition keys (Z3 strings with a presence flag each,
or fixed values). The semantics follow IAM's documented rules:

- actions match case-insensitively, with `*` and `?` wildcards;
- resources match case-sensitively, `*` any sequence, `?` one character, nothing else special
  (moto's evaluator treats `.` as a regular-expression dot; IAM does not);
- an explicit Deny wins; otherwise some Allow must match; `NotAction`/`NotResource` invert;
- a condition on a key the request lacks fails for positive operators and holds for negated
  ones (`StringNotEquals`, `ArnNotLike`, ...); `...IfExists` holds when the key is absent;
- a statement holds when every condition holds, and a condition when any of its values does.

Operators outside that set raise `Unsupported`: a proof never silently treats an unknown
condition as true or false.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from platform_storage.analysis import globs
from platform_storage.analysis.solve import ANY, ANY_CHAR, STRING, Unsupported, consistent, member
from platform_storage.policy import action_matches, as_list


@functools.lru_cache(maxsize=65_536)
def glob(pattern: str) -> z3.ReRef:
    """An IAM wildcard pattern as a Z3 regular expression; each pattern built once (the
    bucket policies' patterns recur in every identity's proofs)."""
    parts: list[z3.ReRef] = []
    literal = ""
    for ch in pattern:
        if ch in "*?":
            if literal:
                parts.append(z3.Re(z3.StringVal(literal)))
                literal = ""
            parts.append(ANY if ch == "*" else ANY_CHAR)
        else:
            literal += ch
    if literal or not parts:
        parts.append(z3.Re(z3.StringVal(literal)))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


@dataclass
class Context:
    """Condition keys of one request. A key with a `fixed` value (or None: absent) is known;
    any other key is a Z3 string with a presence flag, free for the solver to choose."""

    fixed: Mapping[str, str | None] = field(default_factory=dict)
    tag: str = ""
    closed: bool = False  # every key not in `fixed` is absent (a concrete request)
    _vars: dict[str, tuple[z3.SeqRef, z3.BoolRef]] = field(default_factory=dict)

    def var(self, key: str) -> tuple[z3.SeqRef, z3.BoolRef]:
        name = key.lower()
        if name not in self._vars:
            self._vars[name] = (
                z3.String(f"{self.tag}ctx:{name}"),
                z3.Bool(f"{self.tag}has:{name}"),
            )
        return self._vars[name]

    def variables(self) -> list[tuple[str, tuple[z3.SeqRef, z3.BoolRef]]]:
        return sorted(self._vars.items(), key=lambda item: item[0])

    def known(self, key: str) -> tuple[bool, str | None]:
        lowered = {k.lower(): v for k, v in self.fixed.items()}
        if key.lower() in lowered:
            return True, lowered[key.lower()]
        return self.closed, None


# A statement's conditions: (operator, key, values) each, all of which must hold.
Conditions = tuple[tuple[str, str, tuple[str, ...]], ...]

_NEGATED = ("StringNot", "ArnNot")
_STRING_TESTS = {
    "StringEquals": "equals",
    "StringNotEquals": "equals",
    "StringEqualsIgnoreCase": "equals-ignore-case",
    "StringNotEqualsIgnoreCase": "equals-ignore-case",
    "StringLike": "like",
    "StringNotLike": "like",
    "ArnEquals": "equals",
    "ArnNotEquals": "equals",
    # ArnLike matches each ARN field separately, so a `*` cannot cross a ':'; treating it as
    # StringLike lets it cross, which only widens what is allowed: safe for isolation proofs.
    "ArnLike": "like",
    "ArnNotLike": "like",
    "Bool": "equals-ignore-case",
}
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "NumericEquals": lambda a, b: a == b,
    "NumericNotEquals": lambda a, b: a != b,
    "NumericLessThan": lambda a, b: a < b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


def _value_matches_python(kind: str, value: str, pattern: str) -> bool:
    if kind == "equals":
        return value == pattern
    if kind == "equals-ignore-case":
        return value.lower() == pattern.lower()
    return globs.matches(value, pattern)


def condition(test: str, key: str, values: Sequence[str], ctx: Context) -> z3.BoolRef:
    """One condition block entry as a formula over the context."""
    operator = test.removesuffix("IfExists")
    if_exists = test.endswith("IfExists")
    negated = operator.startswith(_NEGATED)
    is_known, fixed = ctx.known(key)
    if operator in _NUMERIC:
        if not is_known:
            raise Unsupported(f"{test} on {key} needs a fixed value in the context")
        if fixed is None:
            return z3.BoolVal(if_exists)
        compare = _NUMERIC[operator]
        return z3.BoolVal(any(compare(float(fixed), float(v)) for v in values))
    if operator == "Null":
        wants_absent = [str(v).lower() == "true" for v in values]
        if is_known:
            return z3.BoolVal(any((fixed is None) == w for w in wants_absent))
        _, present = ctx.var(key)
        return z3.Or(*[z3.Not(present) if w else present for w in wants_absent])
    kind = _STRING_TESTS.get(operator)
    if kind is None:
        raise Unsupported(f"condition operator {test} is not modelled")
    if is_known:
        if fixed is None:
            return z3.BoolVal(negated or if_exists)
        hit = any(_value_matches_python(kind, fixed, str(v)) for v in values)
        return z3.BoolVal(hit != negated)
    value, present = ctx.var(key)
    # Any of the values: one membership of their union, which Z3 decides at once, where an `Or`
    # of memberships sends the split search through rounds.
    if kind == "equals":
        hit = z3.InRe(value, union(z3.Re(z3.StringVal(str(v))) for v in values))
    elif kind == "like":
        hit = z3.InRe(value, union(glob(str(v)) for v in values))
    else:
        raise Unsupported(f"{test} on a key the solver chooses is not modelled")
    if negated:
        return z3.Or(z3.Not(present), z3.Not(hit))
    if if_exists:
        return z3.Or(z3.Not(present), hit)
    return z3.And(present, hit)


@dataclass(frozen=True)
class Statement:
    """One statement of IAM policy JSON, normalised."""

    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: Mapping[str, tuple[str, ...]] | None  # None: an identity policy's statement
    conditions: Conditions

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        principal = raw.get("Principal")
        principals: dict[str, tuple[str, ...]] | None = None
        if principal == "*":
            principals = {"*": ("*",)}
        elif isinstance(principal, Mapping):
            principals = {k: tuple(as_list(v)) for k, v in principal.items()}
        conditions = tuple(
            (test, key, tuple(str(v) for v in as_list(values)))
            for test, pairs in (raw.get("Condition") or {}).items()
            for key, values in pairs.items()
        )
        for test, _, _ in conditions:
            if test.startswith(("ForAnyValue:", "ForAllValues:")):
                raise Unsupported(f"multi-valued condition {test} is not modelled")
        return cls(
            effect=str(raw.get("Effect", "Allow")),
            actions=tuple(as_list(raw.get("Action"))),
            not_actions=tuple(as_list(raw.get("NotAction"))),
            resources=tuple(as_list(raw.get("Resource"))),
            not_resources=tuple(as_list(raw.get("NotResource"))),
            principals=principals,
            conditions=conditions,
        )

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def covers_principal(self, kind: str, value: str) -> bool:
        if self.principals is None:
            return True
        if "*" in self.principals.get("*", ()):
            return True
        return any(fnmatch.fnmatchcase(value, p) for p in self.principals.get(kind, ()))

    def resource_patterns(self) -> tuple[str, ...] | None:
        """The resources the statement applies to, as wildcard patterns; None for
        `NotResource`, which no list of patterns states."""
        if self.not_resources:
            return None
        return self.resources or ("*",)  # trust and resource policies may name none

    def resource_regex(self) -> z3.ReRef:
        """The resources the statement applies to, as one regular expression."""
        if self.not_resources:
            return z3.Complement(union(glob(r) for r in self.not_resources))
        if not self.resources:
            return ANY  # trust and resource policies may name none
        return union(glob(r) for r in self.resources)

    def condition_formula(self, ctx: Context) -> z3.BoolRef:
        return conjunction(
            condition(test, key, values, ctx) for test, key, values in self.conditions
        )


def conjunction(parts: Iterable[z3.BoolRef]) -> z3.BoolRef:
    """`And(parts)` with the decided ones folded in: a condition on a key the context fixes is
    already True or False, and a case enumeration need not branch on it."""
    kept = []
    for part in parts:
        if z3.is_false(part):
            return z3.BoolVal(False)
        if not z3.is_true(part):
            kept.append(part)
    if not kept:
        return z3.BoolVal(True)
    return kept[0] if len(kept) == 1 else z3.And(*kept)


def union(regexes: Iterable[z3.ReRef]) -> z3.ReRef:
    items = list(regexes)
    if not items:
        return z3.Empty(z3.ReSort(STRING))
    return items[0] if len(items) == 1 else z3.Union(*items)


def statements_of(policy: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Statement]:
    raw = policy.get("Statement") if isinstance(policy, Mapping) else policy
    return [Statement.parse(s) for s in as_list(raw)]


@dataclass(frozen=True)
class Policies:
    """Everything that decides one principal's requests: its identity policies' statements and
    the resource policies' statements that name it (or everyone)."""

    identity: tuple[Statement, ...]
    resource: tuple[Statement, ...] = ()
    principal: tuple[str, str] = ("AWS", "")

    def relevant(self, action: str) -> list[Statement]:
        kind, value = self.principal
        return [s for s in self.identity if s.covers_action(action)] + [
            s for s in self.resource if s.covers_action(action) and s.covers_principal(kind, value)
        ]

    def cases(self, action: str, ctx: Context) -> list[Case]:
        """The request's possible situations for `action`: each a satisfiable assignment of
        the statements' conditions (`context`), with the resources then allowed as one regular
        expression (some Allow's resources, minus every Deny's). Z3 decides one regular
        expression membership at once where a disjunction of memberships can defeat it."""
        statements = self.relevant(action)
        distinct: dict[Conditions, z3.BoolRef] = {}
        for statement in statements:
            if statement.conditions:
                distinct.setdefault(statement.conditions, statement.condition_formula(ctx))
        # A decided formula (every key fixed) has one sign only; branch on the others.
        decided = {k: z3.is_true(f) for k, f in distinct.items() if z3.is_true(f) or z3.is_false(f)}
        open_keys = [k for k in distinct if k not in decided]
        independent = _independent(open_keys, ctx)
        found = []
        for signs in itertools.product((True, False), repeat=len(open_keys)):
            holds = {**decided, **dict(zip(open_keys, signs, strict=True))}
            context = conjunction(
                distinct[k] if holds[k] else z3.Not(distinct[k]) for k in open_keys
            )
            if open_keys and not independent and not consistent(context):
                continue
            active = [s for s in statements if not s.conditions or holds[s.conditions]]
            allows = [s.resource_regex() for s in active if s.effect == "Allow"]
            denies = [s.resource_regex() for s in active if s.effect == "Deny"]
            regex = union(allows)
            if denies:
                regex = z3.Intersect(regex, z3.Complement(union(denies)))
            found.append(
                Case(
                    context,
                    regex,
                    _patterns(s for s in active if s.effect == "Allow"),
                    _patterns(s for s in active if s.effect == "Deny"),
                    tuple((k, holds[k]) for k in open_keys),
                )
            )
        return found

    def decide(self, action: str, resource: str, context: Mapping[str, str]) -> bool:
        """One concrete request: `context` holds every key it carries."""
        ctx = Context(fixed=context, closed=True)
        return any(member(resource, case.allowed) for case in self.cases(action, ctx))


# Tests that hold for a value chosen to match and fail for an absent key.
_POSITIVE = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})


def _independent(groups: Sequence[Conditions], ctx: Context) -> bool:
    """True when every combination of the condition groups holding or failing has a context,
    shown without the solver: each condition a positive string test with a value, on a key the
    context leaves free, and no key in two conditions. A group then holds with each key
    present and matching one of its values (a wildcard pattern always has a match), and fails
    with one key absent, whatever the other groups' keys are."""
    seen: set[str] = set()
    for group in groups:
        for test, key, values in group:
            if test not in _POSITIVE or not values or ctx.known(key)[0]:
                return False
            if key.lower() in seen:
                return False
            seen.add(key.lower())
    return True


def _patterns(statements: Iterable[Statement]) -> tuple[str, ...] | None:
    found: list[str] = []
    for statement in statements:
        patterns = statement.resource_patterns()
        if patterns is None:
            return None
        found += patterns
    return tuple(found)


@dataclass(frozen=True)
class Case:
    """One situation of a request: the context it needs, and the resources then allowed, as
    one regular expression and as the patterns it is made of (`allows` less `denies`; None
    when a `NotResource` is among them), so that the text can answer first."""

    context: z3.BoolRef
    allowed: z3.ReRef
    allows: tuple[str, ...] | None = None
    denies: tuple[str, ...] | None = None
    # The condition groups `context` is made of, each with whether it holds.
    groups: tuple[tuple[Conditions, bool], ...] = ()

    def shown_to_allow(self, pattern: str) -> bool:
        """True when the text shows every resource `pattern` matches allowed: an Allow's
        pattern contains it and every Deny's is disjoint from it. False: not shown."""
        if self.allows is None or self.denies is None:
            return False
        return any(globs.contains(a, pattern) for a in self.allows) and all(
            globs.disjoint(d, pattern) for d in self.denies
        )

    def shown_within(self, patterns: Sequence[str]) -> bool:
        """True when the text shows every allowed resource matched by one of `patterns`: each
        Allow's pattern is contained in one of them. False: not shown."""
        if self.allows is None:
            return False
        return all(any(globs.contains(p, a) for p in patterns) for a in self.allows)

    def allows_resource(self, resource: str) -> bool | None:
        """Whether the literal `resource` is allowed, decided from the patterns; None when
        they are not known."""
        if self.allows is None or self.denies is None:
            return None
        return any(globs.matches(resource, a) for a in self.allows) and not any(
            globs.matches(resource, d) for d in self.denies
        )
