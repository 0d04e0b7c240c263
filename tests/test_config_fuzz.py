"""Property: any structural mutation of a valid file (types, nesting, aliases, duplicate keys,
odd bytes, truncation) is answered with exit 0 or 2, never an exception, within a bound."""

from __future__ import annotations

import copy
import io
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_storage.cli import main
from tests.apps import APP_CONFIGS

BOUND_SECONDS = 1.0  # a hang guard, not a speed target
VALID = [yaml.safe_load(path.read_text()) for path in APP_CONFIGS.values()]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["no", "yes", "0.2", "012", "${x}", "%{x}", "*", "a\nb", "\uff11", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def replace(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    doc = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(doc)))
        doc = replace(doc, path, draw(values), delete=bool(path) and draw(st.booleans()))
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True)
    match draw(st.sampled_from(["none", "duplicate", "alias", "bytes", "truncate", "indent"])):
        case "duplicate" if lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
        case "alias" if lines:
            lines.insert(0, "x: &anchor [1, 2, 3]\n")
            lines.append("y: *anchor\n")
        case "indent" if lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = draw(st.sampled_from(["\t", "  ", "- ", ": "])) + lines[index]
        case _:
            pass
    data = "".join(lines).encode()
    match draw(st.sampled_from(["none", "bytes", "truncate"])):
        case "bytes":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
        case "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        case _:
            pass
    return data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated())
def test_a_mutated_file_is_valid_or_refused_never_an_exception(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "storage.yaml"
    path.write_bytes(data)
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = main(["validate", str(path)], stdout=stdout, stderr=stderr)
    assert time.perf_counter() - started < BOUND_SECONDS
    assert code in (0, 2)
    if code == 2:
        problems = stderr.getvalue().splitlines()[1:]
        assert problems and all(": " in line for line in problems), stderr.getvalue()
