"""Argument checks shared by every public constructor and grant of the library.

`@checked` reads the method's own annotations, so a signature is the one statement of what it
takes. A wrong type is refused with one `TypeError` naming each argument and the construct path,
before anything changes; a constructor that fails later still leaves no half-built construct in
the tree (jsii would otherwise fail at the next synth with an unrelated message).
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, ParamSpec, TypeVar, Union, get_args, get_origin, get_type_hints

from platform_storage.cdk import Construct, ensure_core, node_path, same_stack
from platform_storage.naming import TEMPLATE_SEQUENCES, TOKEN_MARKER
from platform_storage.rules.validation import apply_rules

P = ParamSpec("P")
R = TypeVar("R")
_SEQUENCES = (
    collections.abc.Sequence,
    collections.abc.Iterable,
    collections.abc.Collection,
    list,
    tuple,
)
_MAPPINGS = (collections.abc.Mapping, dict)


def path_of(scope: Construct, id: str) -> str:
    """The path a construct `id` in `scope` will have."""
    parent = node_path(scope)
    return f"{parent}/{id}" if parent else id


def _matches(value: Any, hint: Any) -> bool:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any or hint is object:
        return True
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is None or hint is type(None):
        return value is None
    if origin is Literal:
        return value in args
    if origin is typing.Unpack:
        return True  # keyword options are checked one by one (see `_check_keywords`)
    if origin in _SEQUENCES:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
            return False
        item = args[0] if args else Any
        return all(_matches(v, item) for v in value)
    if origin in _MAPPINGS:
        key, item = args if args else (Any, Any)
        return isinstance(value, collections.abc.Mapping) and all(
            _matches(k, key) and _matches(v, item) for k, v in value.items()
        )
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and getattr(hint, "_is_protocol", False):
        own = getattr(value, "__dict__", {})
        return all(hasattr(type(value), name) or name in own for name in _protocol_members(hint))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


@functools.cache
def _protocol_members(protocol: type) -> frozenset[str]:
    """The members a runtime-checkable protocol asks for. They are looked up on the value's
    class (or its own attributes): `isinstance` would read each property of the value, and a
    construct's property may be a jsii round trip (Python 3.11 does not look them up
    statically)."""
    return frozenset(
        name
        for base in protocol.__mro__
        if getattr(base, "_is_protocol", False) and base is not typing.Protocol
        for name in vars(base)
        if not name.startswith("_")
    )


def describe(hint: Any) -> str:
    """A type as a sentence fragment: `list of ServiceAccount`, `str or None`."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(describe(arg) for arg in args)
    if hint is None or hint is type(None):
        return "None"
    if origin is Literal:
        return " or ".join(repr(arg) for arg in args)
    if origin in _SEQUENCES:
        return f"a list of {describe(args[0]) if args else 'values'}"
    if origin in _MAPPINGS:
        return f"a mapping of {describe(args[0])} to {describe(args[1])}" if args else "a mapping"
    if isinstance(hint, type) and issubclass(hint, Enum):
        return f"a {hint.__name__} member"
    return getattr(hint, "__name__", str(hint))


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def _check_keywords(name: str, values: dict[str, Any], hint: Any) -> list[str]:
    (options,) = get_args(hint)
    hints = get_type_hints(options)
    problems = [f"unknown option {key!r}" for key in values if key not in hints]
    problems += [
        f"argument {key} must be {describe(hints[key])}, not {_shown(value)}"
        for key, value in values.items()
        if key in hints and not _matches(value, hints[key])
    ]
    return problems


def argument_problems(hints: dict[str, Any], bound: inspect.BoundArguments) -> list[str]:
    problems = []
    parameters = bound.signature.parameters
    for name, value in bound.arguments.items():
        if name == "self" or name not in hints:
            continue
        kind = parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            problems += _check_keywords(name, value, hints[name])
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            problems += [
                f"argument {name} must each be {describe(hints[name])}, not {_shown(item)}"
                for item in value
                if not _matches(item, hints[name])
            ]
        elif not _matches(value, hints[name]):
            problems.append(f"argument {name} must be {describe(hints[name])}, not {_shown(value)}")
    return problems


def checked(method: Callable[P, R]) -> Callable[P, R]:
    """Check the arguments of a public constructor or method against its annotations.

    On `__init__` the scope's core is checked too, and a constructor that raises takes its
    half-built construct out of the tree again.
    """
    signature = inspect.signature(method)
    hints: dict[str, Any] = {}
    constructor = method.__name__ == "__init__"

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        self = args[0]
        owner = type(self).__name__
        if not hints:
            hints.update(get_type_hints(method))
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{owner}: {error}") from None
        scope = bound.arguments.get("scope")
        if constructor:
            id = bound.arguments.get("id")
            if not isinstance(scope, Construct) or not isinstance(id, str) or not id:
                raise TypeError(
                    f"{owner}: scope must be a Construct and id a non-empty str, not"
                    f" {_shown(scope)} and {_shown(id)}"
                )
            if "/" in id:
                # The constructs library would rename it (`a/b` -> `a--b`) behind our back.
                raise ValueError(f"{owner} {node_path(scope)}: id {id!r} may not contain '/'")
        problems = argument_problems(hints, bound)
        if problems:
            raise TypeError(f"{_where(self, method, scope, bound)}: " + "; ".join(problems))
        named = {
            key: value
            for name, value in bound.arguments.items()
            if name != "self"
            for key, value in (
                value.items()
                if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD
                else [(name, value)]
            )
        }
        templates = [
            f"argument {name} {problem}"
            for name, value in named.items()
            for problem in _template_problems(value)
        ]
        if templates:
            raise ValueError(f"{_where(self, method, scope, bound)}: " + "; ".join(templates))
        if not constructor:
            return method(*args, **kwargs)
        assert isinstance(scope, Construct)
        ensure_core(scope, self)
        try:
            result = method(*args, **kwargs)
        except BaseException:
            child = scope.node.try_find_child(str(bound.arguments["id"]))
            if child is self:
                scope.node.try_remove_child(str(bound.arguments["id"]))
            raise
        # Only a construct that stands is put under the rules (which add hidden children to
        # its stack and app on first use): a failed one leaves the tree as it was.
        assert isinstance(self, Construct)
        same_stack(self, scope)
        apply_rules(self)
        return result

    return wrapper


def _where(self: Any, method: Callable[..., Any], scope: Any, bound: inspect.BoundArguments) -> str:
    """What an error names: the class and the construct path (asked only when it is needed)."""
    owner = type(self).__name__
    if method.__name__ == "__init__":
        return f"{owner} {path_of(scope, str(bound.arguments['id']))}"
    node = getattr(self, "node", None)
    return f"{owner}.{method.__name__} {node_path(self) if node is not None else ''}".rstrip()


def _template_problems(value: Any) -> list[str]:
    """`${...}` or `%{...}` in any string of an argument, unless it is a CDK token: Terraform
    would evaluate it."""
    if isinstance(value, str):
        rest = value.replace(TOKEN_MARKER, "")
        return [
            f"may not contain {sequence!r}, which Terraform reads as a template"
            for sequence in TEMPLATE_SEQUENCES
            if sequence in rest
        ]
    if isinstance(value, collections.abc.Mapping):
        return [p for k, v in value.items() for p in _template_problems(k) + _template_problems(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [p for v in value for p in _template_problems(v)]
    return []


def refuse(where: str, problems: list[str]) -> None:
    """Raise one ValueError listing every problem, or nothing when there is none."""
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
