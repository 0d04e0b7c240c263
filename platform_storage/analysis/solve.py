"""Deciding the evaluator's formulas: satisfiability, with a model or without, and literal
membership. Z3 underneath, with a split search (below) where Z3 alone is slow or gives up.

Z3's string solver decides one regular-expression membership of one variable quickly, even for
literals of a thousand characters (the longest prefixes), but a Boolean combination of several
memberships (an `Or` of two, or a negated one) over such literals can run for minutes. So the
search is split, lazily (DPLL(T) style): Z3 solves the Boolean structure with each membership
of a variable as a proposition; for its answer, each variable's memberships (as asserted or
negated) become one intersection of regular expressions, whose emptiness Z3 decides alone; an
empty one is blocked and the search goes on. The answer is exact: both steps are equivalences.
Formulas outside that shape are solved directly.

Z3 is not thread-safe: these functions are called from one thread.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar

import z3

T = TypeVar("T")
E = TypeVar("E", bound=z3.ExprRef)
STRING = z3.StringSort()
ANY_CHAR = z3.AllChar(z3.ReSort(STRING))
ANY = z3.Star(ANY_CHAR)


class Unsupported(ValueError):
    """A policy uses something the evaluator does not model."""


def member(value: str, regex: z3.ReRef) -> bool:
    """Whether the literal `value` is in `regex`."""
    return not empty(regex) and _decide_concrete(z3.InRe(z3.StringVal(value), regex))


# One regular-expression question gets this long; one that needs more is reported as undecided
# (`Unsupported`) rather than hanging a synth.
SOLVER_TIMEOUT_MS = 10_000


def satisfiable(*formulas: z3.BoolRef) -> z3.ModelRef | None:
    """A model of all `formulas`, or None when there is none (by the split search)."""
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
    if abstraction.size() <= ENUMERATE_UP_TO:
        return _search_enumerating(formulas, boolean, abstraction, want_model=want_model)
    solver = _solver()
    solver.add(*boolean)
    while True:
        result = solver.check()
        if result == z3.unsat:
            return None
        if result == z3.unknown:
            raise Unsupported(f"the solver could not decide ({solver.reason_unknown()})")
        choice = solver.model()
        witnesses: dict[int, tuple[z3.SeqRef, str]] = {}
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


# Up to this many propositions the Boolean part is enumerated here, not asked of a solver:
# a thousand evaluations of a small formula cost less than two or three solver rounds.
ENUMERATE_UP_TO = 10


def _search_enumerating(
    formulas: Sequence[z3.BoolRef],
    boolean: Sequence[z3.BoolRef],
    abstraction: _Abstraction,
    *,
    want_model: bool,
) -> Any:
    """`_search` with the Boolean assignments enumerated: each one the abstracted formulas
    accept is tried, its intersection per variable decided once (and remembered)."""
    flags = [flag for _, atoms in abstraction.atoms.values() for flag, _ in atoms]
    names = flags + abstraction.propositions
    index = {name.get_id(): i for i, name in enumerate(names)}
    tests = [_compiled(formula, index) for formula in boolean]
    decided: dict[tuple[int, tuple[bool, ...]], str | None] = {}
    for values in itertools.product((False, True), repeat=len(names)):
        if not all(test(values) for test in tests):
            continue
        witnesses = []
        offset = 0
        for name, (variable, atoms) in abstraction.atoms.items():
            signs = values[offset : offset + len(atoms)]
            offset += len(atoms)
            if (name, signs) not in decided:
                parts = [
                    regex if sign else z3.Complement(regex)
                    for sign, (_, regex) in zip(signs, atoms, strict=True)
                ]
                decided[name, signs] = _witness(variable, parts)
            witness = decided[name, signs]
            if witness is None:
                break
            witnesses.append((variable, witness))
        else:
            if not want_model:
                return _YES
            fixed = [p == z3.BoolVal(values[index[p.get_id()]]) for p in abstraction.propositions]
            return _model(formulas, fixed, witnesses)
    return None


def _compiled(formula: z3.BoolRef, index: Mapping[int, int]) -> Callable[[Sequence[bool]], bool]:
    """An abstracted formula as a Python function of the propositions' values (by `index`)."""
    kind = formula.decl().kind()
    if kind in (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE):
        value = kind == z3.Z3_OP_TRUE
        return lambda _: value
    if kind == z3.Z3_OP_UNINTERPRETED:
        position = index[formula.get_id()]
        return lambda values: values[position]
    parts = [_compiled(child, index) for child in formula.children()]
    if kind == z3.Z3_OP_AND:
        return lambda values: all(part(values) for part in parts)
    if kind == z3.Z3_OP_OR:
        return lambda values: any(part(values) for part in parts)
    if kind == z3.Z3_OP_NOT:
        return lambda values: not parts[0](values)
    if kind == z3.Z3_OP_IMPLIES:
        return lambda values: not parts[0](values) or parts[1](values)
    if kind == z3.Z3_OP_EQ:
        return lambda values: parts[0](values) == parts[1](values)
    raise _NotAbstractable(str(formula))  # `_Abstraction` builds no other connective


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
    a fresh solver per question cost more than the question."""
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
    if any(empty(part) for part in parts):
        return None
    regex = parts[0] if len(parts) == 1 else z3.Intersect(*parts)
    return _member_of(z3.InRe(variable, regex))


def _remembered(function: Callable[[E], T]) -> Callable[[E], T]:
    """`function` of a formula, remembered by the formula's AST id. Z3 shares equal terms, so
    an equal formula has the same id; each formula is kept with its answer, so that its id is
    never reused; past `REMEMBERED_AT_MOST` formulas the table starts again. The proofs of an
    access report ask the same questions thousands of times."""
    found: dict[int, tuple[E, T]] = {}

    @functools.wraps(function)
    def remembered(formula: E) -> T:
        key = formula.get_id()
        known = found.get(key)
        if known is not None:
            return known[1]
        answer = function(formula)
        if len(found) >= REMEMBERED_AT_MOST:
            found.clear()
        found[key] = (formula, answer)
        return answer

    return remembered


REMEMBERED_AT_MOST = 100_000


@_remembered
def empty(regex: z3.ReRef) -> bool:
    """Whether `regex` is empty by its shape alone: the empty set (a case where no Allow
    holds), or an intersection with it. No solver, and no walk below an intersection: False
    says nothing."""
    kind = regex.decl().kind()
    if kind == z3.Z3_OP_RE_EMPTY_SET:
        return True
    return kind == z3.Z3_OP_RE_INTERSECT and any(empty(child) for child in regex.children())


@_remembered
def _member_of(formula: z3.BoolRef) -> str | None:
    """A value of the variable of `formula` (`InRe(variable, regex)`), or None when there is
    none."""
    found = _check([formula])
    variable = formula.arg(0)
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
    """Replaces each membership of a string variable in a formula by a proposition of its own.

    The abstraction of a formula is a pure function of it, so it is computed once per formula
    (see `_abstracted`) and each search only gathers the memberships and propositions its
    formulas hold, in the order a walk meets them first.
    """

    def __init__(self) -> None:
        # variable (its AST id; `str()` would run the pretty printer) -> (variable,
        # [(proposition, regular expression)])
        self.atoms: dict[int, tuple[z3.SeqRef, list[tuple[z3.BoolRef, z3.ReRef]]]] = {}
        self.propositions: list[z3.BoolRef] = []  # the formulas' own Boolean constants
        self._taken: set[int] = set()

    def size(self) -> int:
        """How many propositions the abstracted formulas have."""
        return len(self.propositions) + sum(len(atoms) for _, atoms in self.atoms.values())

    def abstract(self, formula: z3.BoolRef) -> z3.BoolRef:
        found = _abstracted(formula)
        for variable, flag, regex in found.memberships:
            if flag.get_id() not in self._taken:
                self._taken.add(flag.get_id())
                self.atoms.setdefault(variable.get_id(), (variable, []))[1].append((flag, regex))
        for proposition in found.propositions:
            if proposition.get_id() not in self._taken:
                self._taken.add(proposition.get_id())
                self.propositions.append(proposition)
        return found.formula


@dataclass(frozen=True)
class _Abstracted:
    """A formula with each membership replaced by its proposition; the memberships (variable,
    proposition, regex) and the formula's own propositions, in the order a walk meets them."""

    formula: z3.BoolRef
    memberships: tuple[tuple[z3.SeqRef, z3.BoolRef, z3.ReRef], ...] = ()
    propositions: tuple[z3.BoolRef, ...] = ()


@_remembered
def _abstracted(formula: z3.BoolRef) -> _Abstracted:
    """`formula` abstracted, once per process: one membership gets one proposition for good
    (walking the formulas was most of a search's time)."""
    return _abstract(formula)


def _abstract(formula: z3.BoolRef) -> _Abstracted:
    # One kind lookup per node: the Python API's `is_and`, `is_eq`, ... each cross into Z3.
    kind = formula.decl().kind()
    if kind in (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE):
        return _Abstracted(formula)
    if kind == z3.Z3_OP_UNINTERPRETED and not formula.num_args():
        return _Abstracted(formula, propositions=(formula,))
    if kind in _CONNECTIVES or (kind == z3.Z3_OP_EQ and z3.is_bool(formula.arg(0))):
        children = [_abstracted(child) for child in formula.children()]
        memberships: dict[int, tuple[z3.SeqRef, z3.BoolRef, z3.ReRef]] = {}
        propositions: dict[int, z3.BoolRef] = {}
        for child in children:
            for membership in child.memberships:
                memberships.setdefault(membership[1].get_id(), membership)
            for proposition in child.propositions:
                propositions.setdefault(proposition.get_id(), proposition)
        return _Abstracted(
            formula.decl()(*[child.formula for child in children]),
            tuple(memberships.values()),
            tuple(propositions.values()),
        )
    variable, regex = _membership(formula, kind)
    if empty(regex):  # a case where no Allow holds: nothing is in it
        return _Abstracted(z3.BoolVal(False))
    if variable is None:  # a concrete value: decided now
        return _Abstracted(z3.BoolVal(_decide_concrete(formula)))
    flag = z3.FreshBool("in")
    return _Abstracted(flag, ((variable, flag, regex),))


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


@_remembered
def _decide_concrete(formula: z3.BoolRef) -> bool:
    """A formula without variables (a literal's membership), decided at once."""
    return _check([formula]) is not None


def _unsupported_shape(formula: z3.BoolRef) -> NoReturn:
    raise _NotAbstractable(str(formula))
