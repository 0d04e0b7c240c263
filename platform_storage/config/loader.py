"""Reading the configuration file strictly: what YAML allows but this file must not contain.

- a regular file only (a FIFO or device would block or never end), of at most 1 MiB, UTF-8;
- no anchors or aliases (an alias bomb expands a few lines into gigabytes), no tags beyond the
  plain scalar types, no merge keys;
- at most 32 levels of nesting (deeper input would exhaust Python's recursion);
- no key twice in one mapping (YAML keeps the last one silently);
- mapping keys are strings;
- no `${` or `%{` in any string: Terraform would read it as a template in the stacks and their
  outputs;
- scalars typed by YAML 1.2's core schema: `true`/`false` only are booleans and integers are
  decimal (or `0o`/`0x`), so `no` stays a string and `0200` is 200, not YAML 1.1's octal 128;
  no timestamps, no sexagesimal numbers (whose parsing is quadratic).

Besides the data, the loader keeps each scalar's text as written, so that an error can quote
`012345670123` rather than the integer YAML turned it into.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from platform_storage.naming import shorten, template_problems

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
_CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null"))
_SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL}
MAX_NUMBER_LENGTH = 40
DEPTH_PROBLEM = f"nests deeper than {MAX_DEPTH} levels"
# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1033-core-schema).
_CORE_SCALARS = (
    (BOOL, r"true|True|TRUE|false|False|FALSE", "tTfF"),
    (INT, r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        FLOAT,
        r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN",
        "-+.0123456789",
    ),
    (NULL, r"null|Null|NULL|~|", ["~", "n", "N", ""]),
)

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """A scalar as it stands in the file."""

    text: str
    line: int


@dataclass(frozen=True)
class Loaded:
    data: Any
    sources: dict[PathKey, Source]


class LoadError(Exception):
    """The file cannot be read as a configuration; `problems` are (path, sentence) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


if yaml.__with_libyaml__:
    # libyaml scans and parses a 1 MiB file in a fraction of a second; PyYAML's own parser
    # takes seconds. Composing stays in Python, where the checks below live.
    from yaml._yaml import CParser as _Events
else:  # pragma: no cover - PyYAML built without libyaml

    class _Events(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


class _Loader(Composer, _Events, Resolver):
    """A composer that refuses anchors and aliases and bounds the nesting, over libyaml's
    events, with a resolver that types plain scalars by YAML 1.2's core schema."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, DEPTH_PROBLEM, event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


for _tag, _pattern, _first in _CORE_SCALARS:
    _Loader.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), list(_first))


def _scalar(tag: str, text: str) -> Any:
    """A core-schema scalar's value; ValueError when it cannot be one (`!!int abc`)."""
    if tag == STR:
        return text
    if tag == NULL:
        if text not in ("null", "Null", "NULL", "~", ""):
            raise ValueError("is not null")
        return None
    if tag == BOOL:
        if text.lower() not in ("true", "false"):
            raise ValueError("is not true or false")
        return text.lower() == "true"
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"is a number of more than {MAX_NUMBER_LENGTH} characters")
    if tag == INT:
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    return float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf"))


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def display_path(path: PathKey) -> str:
    """`("orchestrator", "runners", 1, "id")` -> `orchestrator.runners[1].id`; a key that is not
    plain is quoted (`aws.tags['a b\\n']`), so a path never spans lines or reads ambiguously."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part) is None:
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def read_text(path: Path) -> str:
    """The file's text, refusing anything but a regular UTF-8 file of at most 1 MiB."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise LoadError([(str(path), f"cannot be read ({error.strerror or error})")]) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LoadError([(str(path), "is not a regular file")])
    try:
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise LoadError([(str(path), f"cannot be read ({error.strerror or error})")]) from None
    if len(data) > MAX_BYTES:
        raise LoadError([(str(path), f"is larger than {MAX_BYTES} bytes")])
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise LoadError([(str(path), f"is not UTF-8 text ({error.reason})")]) from None


def load_yaml(text: str, name: str) -> Loaded:
    """Parse one YAML document strictly; LoadError lists what breaks the rules above."""
    loader: _Loader | None = None
    try:
        # The reader checks every character already when it is created.
        loader = _Loader(text)
        root = loader.get_single_node()
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problem = f"character #x{error.character:04x} is not allowed ({error.reason})"
        raise LoadError([(name, f"is not valid YAML at line {line}: {problem}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit, far above ours
            problem = DEPTH_PROBLEM
        raise LoadError([(name, f"is not valid YAML{where}: {problem}")]) from None
    finally:
        if loader is not None and hasattr(loader, "dispose"):
            loader.dispose()
    sources: dict[PathKey, Source] = {}
    problems: list[tuple[str, str]] = []
    data = None if root is None else _build(loader, root, (), sources, problems)
    if problems:
        raise LoadError(problems)
    return Loaded(data, sources)


def _build(
    loader: _Loader,
    node: Node,
    path: PathKey,
    sources: dict[PathKey, Source],
    problems: list[tuple[str, str]],
) -> Any:
    if isinstance(node, ScalarNode):
        sources[path] = Source(str(node.value), node.start_mark.line + 1)
        if node.tag not in _SCALAR_TAGS:
            problems.append((display_path(path), f"the tag {node.tag!r} is not allowed"))
            return None
        problems += [(display_path(path), p) for p in template_problems(str(node.value))]
        try:
            return _scalar(node.tag, str(node.value))
        except ValueError as error:
            shown = shorten(str(node.value))
            problems.append((display_path(path), f"{shown!r} cannot be read: {error}"))
            return None
    if isinstance(node, SequenceNode):
        if node.tag != f"{_CORE}seq":
            problems.append((display_path(path), f"the tag {node.tag!r} is not allowed"))
        return [
            _build(loader, item, (*path, index), sources, problems)
            for index, item in enumerate(node.value)
        ]
    assert isinstance(node, MappingNode)
    if node.tag != f"{_CORE}map":
        problems.append((display_path(path), f"the tag {node.tag!r} is not allowed"))
    result: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode) or key_node.tag != f"{_CORE}str":
            shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
            kind = "a merge key" if key_node.tag == f"{_CORE}merge" else "not a string"
            problems.append(
                (
                    display_path(path),
                    f"the key {shown!r} at line {line} is {kind}; keys must be plain strings"
                    " (write it in quotes)",
                )
            )
            continue
        key = str(key_node.value)
        problems += [(display_path((*path, key)), p) for p in template_problems(key)]
        if key in lines:
            problems.append(
                (
                    display_path((*path, key)),
                    f"appears twice (lines {lines[key]} and {line}); YAML would keep only the"
                    " last, so the file is refused",
                )
            )
            continue
        lines[key] = line
        result[key] = _build(loader, value_node, (*path, key), sources, problems)
    return result
