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
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

import z3

from platform_storage.policy import action_matches, as_list

STRING = z3.StringSort()
ANY_CHAR = z3.AllChar(z3.ReSort(STRING))
ANY = z3.Star(ANY_CHAR)


class Unsupported(ValueError):
    """A policy uses something the evaluator does not model."""


def glob(pattern: str) -> z3.ReRef:
    """An IAM wildcard pattern as a Z3 regular expression."""
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
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


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
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]

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
        distinct: dict[tuple[Any, ...], z3.BoolRef] = {}
        for statement in statements:
            if statement.conditions:
                distinct.setdefault(statement.conditions, statement.condition_formula(ctx))
        # A decided formula (every key fixed) has one sign only; branch on the others.
        decided = {k: z3.is_true(f) for k, f in distinct.items() if z3.is_true(f) or z3.is_false(f)}
        open_keys = [k for k in distinct if k not in decided]
        found = []
        for signs in itertools.product((True, False), repeat=len(open_keys)):
            holds = {**decided, **dict(zip(open_keys, signs, strict=True))}
            context = conjunction(
                distinct[k] if holds[k] else z3.Not(distinct[k]) for k in open_keys
            )
            if open_keys and not consistent(context):
                continue
            active = [s for s in statements if not s.conditions or holds[s.conditions]]
            allows = [s.resource_regex() for s in active if s.effect == "Allow"]
            denies = [s.resource_regex() for s in active if s.effect == "Deny"]
            regex = union(allows)
            if denies:
                regex = z3.Intersect(regex, z3.Complement(union(denies)))
            found.append(Case(context, regex))
        return found

    def decide(self, action: str, resource: str, context: Mapping[str, str]) -> bool:
        """One concrete request: `context` holds every key it carries."""
        ctx = Context(fixed=context, closed=True)
        return any(member(resource, case.allowed) for case in self.cases(action, ctx))


@dataclass(frozen=True)
class Case:
    """One situation of a request: the context it needs, and the resources then allowed."""

    context: z3.BoolRef
    allowed: z3.ReRef


def member(value: str, regex: z3.ReRef) -> bool:
    """Whether the literal `value` is in `regex`."""
    return _decide_concrete(z3.InRe(z3.StringVal(value), regex))


# One regular-expression question gets this long; one that needs more is reported as undecided
# (`Unsupported`) rather than hanging a synth.
SOLVER_TIMEOUT_MS = 10_000


def satisfiable(*formulas: z3.BoolRef) -> z3.ModelRef | None:
    """A model of all `formulas`, or None when there is none.

    Z3's string solver decides one regular-expression membership of one variable quickly, even
    for literals of a thousand characters (the longest prefixes), but a Boolean combination of
    several memberships (an `Or` of two, or a negated one) over such literals can run for
    minutes. So the search is split, lazily (DPLL(T) style): Z3 solves the Boolean structure
    with each membership of a variable as a proposition; for its answer, each variable's
    memberships (as asserted or negated) become one intersection of regular expressions, whose
    emptiness Z3 decides alone; an empty one is blocked and the search goes on. The answer is
    exact: both steps are equivalences. Formulas outside that shape are solved directly."""
    return _search(formulas, want_model=True)


def consistent(*formulas: z3.BoolRef) -> bool:
    """Whether `formulas` have a model; `satisfiable` without building one."""
    return _search(formulas, want_model=False) is not None


_YES = object()  # `_search`'s answer when a model exists and none was asked for


def _search(formulas: Sequence[z3.BoolRef], *, want_model: bool) -> Any:
    abstraction = _Abstraction()
    try:
        boolean = [abstraction.abstract(f) for f in formulas]
    except _NotAbstractable:
        return _check(list(formulas))
    literals = _literals(boolean)
    if literals is False:
        return None
    if literals is not None:
        return _search_literals(formulas, literals, abstraction, want_model=want_model)
    solver = _solver()
    solver.add(*boolean)
    while True:
        result = solver.check()
        if result == z3.unsat:
            return None
        if result == z3.unknown:
            raise Unsupported(f"the solver could not decide ({solver.reason_unknown()})")
        choice = solver.model()
        witnesses: dict[str, tuple[z3.SeqRef, str]] = {}
        for name, (variable, atoms) in abstraction.atoms.items():
            chosen = [
                (flag, z3.is_true(choice.eval(flag, model_completion=True))) for flag, _ in atoms
            ]
            parts = [
                regex if holds else z3.Complement(regex)
                for (_, holds), (_, regex) in zip(chosen, atoms, strict=True)
            ]
            witness = _witness(variable, parts)
            if witness is None:
                solver.add(z3.Or(*[z3.Not(flag) if holds else flag for flag, holds in chosen]))
                break
            witnesses[name] = (variable, witness)
        else:
            if not want_model:
                return _YES
            fixed = [
                flag == choice.eval(flag, model_completion=True)
                for flag in abstraction.propositions
            ]
            return _model(formulas, fixed, witnesses.values())


def _literals(boolean: Sequence[z3.BoolRef]) -> dict[int, bool] | Literal[False] | None:
    """The abstracted formulas as one conjunction of literals (proposition id -> sign), or None
    when they are not one; False when the conjunction holds False or both signs of one
    proposition. An empty conjunction is True."""
    found: dict[int, bool] = {}
    pending = list(boolean)
    while pending:
        formula = pending.pop()
        kind = formula.decl().kind()
        if kind == z3.Z3_OP_AND:
            pending.extend(formula.children())
            continue
        sign = kind != z3.Z3_OP_NOT
        if not sign:
            formula = formula.arg(0)
            kind = formula.decl().kind()
        if kind in (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE):
            if (kind == z3.Z3_OP_TRUE) != sign:
                return False
            continue
        if kind != z3.Z3_OP_UNINTERPRETED or formula.num_args():
            return None
        if found.setdefault(formula.get_id(), sign) != sign:
            return False
    return found


def _search_literals(
    formulas: Sequence[z3.BoolRef],
    literals: Mapping[int, bool],
    abstraction: _Abstraction,
    *,
    want_model: bool,
) -> Any:
    """`_search` for a conjunction of literals, the common shape (one membership, or one per
    variable): the Boolean answer is forced, so each variable's intersection is decided at once
    instead of through a Boolean solver's rounds."""
    witnesses = []
    for variable, atoms in abstraction.atoms.values():
        parts = [
            regex if literals[flag.get_id()] else z3.Complement(regex) for flag, regex in atoms
        ]
        witness = _witness(variable, parts)
        if witness is None:
            return None
        witnesses.append((variable, witness))
    if not want_model:
        return _YES
    fixed = [flag == z3.BoolVal(literals[flag.get_id()]) for flag in abstraction.propositions]
    return _model(formulas, fixed, witnesses)


def _solver() -> z3.Solver:
    # The plain SMT core: `z3.Solver()`'s combined front end costs more per call, and these
    # questions are many and small.
    solver = z3.SimpleSolver()
    solver.set("timeout", SOLVER_TIMEOUT_MS)
    return solver


_shared: list[z3.Solver] = []  # one solver for every `_check`, each question in its own scope


def _check(formulas: list[z3.BoolRef]) -> z3.ModelRef | None:
    """A model of `formulas`, or None. Asked in a scope (push/pop) of one long-lived solver:
    a fresh solver per question cost more than the question. Z3 is not thread-safe anyway, so
    sharing one solver loses nothing."""
    if not _shared:
        _shared.append(_solver())
    solver = _shared[0]
    solver.push()
    try:
        solver.add(*formulas)
        result = solver.check()
        if result == z3.unknown:
            raise Unsupported(f"the solver could not decide ({solver.reason_unknown()})")
        return solver.model() if result == z3.sat else None
    finally:
        solver.pop()


def _witness(variable: z3.SeqRef, parts: list[z3.ReRef]) -> str | None:
    """A value of `variable` in every one of `parts`, or None when their intersection is empty."""
    regex = parts[0] if len(parts) == 1 else z3.Intersect(*parts)
    found = _check([z3.InRe(variable, regex)])
    return None if found is None else found.eval(variable, model_completion=True).as_string()


def _model(
    formulas: Sequence[z3.BoolRef],
    fixed: list[z3.BoolRef],
    witnesses: Iterable[tuple[z3.SeqRef, str]],
) -> z3.ModelRef:
    """A model of the original formulas: the Boolean choice (`fixed`) and the witnesses,
    checked."""
    fixed = fixed + [variable == z3.StringVal(value) for variable, value in witnesses]
    found = _check([*formulas, *fixed])
    if found is None:  # the two steps are equivalences: this is a bug, never a verdict
        raise Unsupported("the split search found a model the formulas refuse")
    return found


class _NotAbstractable(Exception):
    """A formula holds a string term the split search does not take apart."""


class _Abstraction:
    """Replaces each membership of a string variable in a formula by a fresh proposition."""

    def __init__(self) -> None:
        # variable name -> (variable, [(proposition, regular expression)])
        self.atoms: dict[str, tuple[z3.SeqRef, list[tuple[z3.BoolRef, z3.ReRef]]]] = {}
        self.propositions: list[z3.BoolRef] = []  # the formulas' own Boolean constants
        self._seen: dict[int, z3.BoolRef] = {}

    def abstract(self, formula: z3.BoolRef) -> z3.BoolRef:
        key = formula.get_id()
        if key not in self._seen:
            self._seen[key] = self._abstract(formula)
        return self._seen[key]

    def _abstract(self, formula: z3.BoolRef) -> z3.BoolRef:
        # One kind lookup per node: the Python API's `is_and`, `is_eq`, ... each cross into Z3.
        kind = formula.decl().kind()
        if kind in (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE):
            return formula
        if kind == z3.Z3_OP_UNINTERPRETED and not formula.num_args():
            self.propositions.append(formula)
            return formula
        if kind in _CONNECTIVES or (kind == z3.Z3_OP_EQ and z3.is_bool(formula.arg(0))):
            return formula.decl()(*[self.abstract(child) for child in formula.children()])
        variable, regex = _membership(formula, kind)
        if variable is None:  # a concrete value: decided now
            return z3.BoolVal(_decide_concrete(formula))
        flag = z3.FreshBool("in")
        self.atoms.setdefault(str(variable), (variable, []))[1].append((flag, regex))
        return flag


_CONNECTIVES = frozenset({z3.Z3_OP_AND, z3.Z3_OP_OR, z3.Z3_OP_NOT, z3.Z3_OP_IMPLIES})


def _membership(formula: z3.BoolRef, kind: int) -> tuple[z3.SeqRef | None, z3.ReRef]:
    """`formula` as (variable, regex) when it says "variable is in regex": `InRe`, equality with
    a literal, `PrefixOf` a literal. (None, regex) when the string is itself a literal. Any
    other shape is not abstractable."""
    children = formula.children()
    if kind == z3.Z3_OP_SEQ_IN_RE:
        subject, regex = children
    elif kind == z3.Z3_OP_EQ and all(z3.is_string(c) for c in children):
        values = [c for c in children if z3.is_string_value(c)]
        others = [c for c in children if not z3.is_string_value(c)]
        if len(others) > 1:
            return _unsupported_shape(formula)
        subject, regex = (others or values)[0], z3.Re(values[-1])
    elif kind == z3.Z3_OP_SEQ_PREFIX and z3.is_string_value(children[0]):
        subject, regex = children[1], z3.Concat(z3.Re(children[0]), ANY)
    else:
        return _unsupported_shape(formula)
    if z3.is_string_value(subject):
        return None, regex
    if z3.is_const(subject) and subject.decl().kind() == z3.Z3_OP_UNINTERPRETED:
        return subject, regex
    return _unsupported_shape(formula)


def _decide_concrete(formula: z3.BoolRef) -> bool:
    """A formula without variables: Z3's rewriter decides a literal's membership (by
    derivatives) without a solver; the solver answers what the rewriter leaves open."""
    answer = z3.simplify(formula)
    if z3.is_true(answer):
        return True
    if z3.is_false(answer):
        return False
    return _check([formula]) is not None


def _unsupported_shape(formula: z3.BoolRef) -> NoReturn:
    raise _NotAbstractable(str(formula))
