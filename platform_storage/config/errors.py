"""Problems of a configuration file as `<path>: <problem>` lines, in this project's words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from platform_storage.config.loader import PathKey, Source, display_path
from platform_storage.naming import shorten

Problem = tuple[str, str]
_VALIDATOR_STEP = re.compile(r"function-(after|before|wrap|plain)\[.*\]|\[key\]")


class ConfigError(Exception):
    """Every problem of a configuration file, each `(path, message)`."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
}


def describe(error: Mapping[str, Any], sources: Mapping[PathKey, Source]) -> Problem:
    """A pydantic error as `(path, message)`, quoting the value as the file wrote it."""
    # Constrained types add their own step to `loc` (`function-after[...]`), and dict keys a
    # `[key]` step; neither is part of the file's path.
    loc: PathKey = tuple(
        part
        for part in error["loc"]
        if isinstance(part, int) or _VALIDATOR_STEP.fullmatch(part) is None
    )
    path = display_path(loc)
    kind, message = error["type"], error["msg"]
    source = sources.get(loc)
    written = shorten(source.text) if source is not None else None
    value = error.get("input")
    if kind == "missing":
        return path, "is required"
    if kind == "extra_forbidden":
        return path, "is not a known key (check the spelling; see README for the keys)"
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        if written is None:
            return path, f"must be {expected}"
        hint = ""
        if kind == "string_type" and not isinstance(value, dict | list):
            hint = f' (write it in quotes: "{written}")'
        elif kind in ("int_type", "bool_type") and isinstance(value, str):
            hint = " (write it without quotes)"
        return path, f"must be {expected}, not {written!r}{hint}"
    if kind in ("literal_error", "enum"):
        shown = written if written is not None else value
        hint = f' (write it in quotes: "{written}")' if not isinstance(value, str) else ""
        return path, f"{shown!r} is not allowed: {message.removeprefix('Input should be ')}{hint}"
    if kind == "value_error":
        return path, message.removeprefix("Value error, ")
    message = message.replace("Input should be", "must be").replace("should have", "must have")
    if kind in ("greater_than_equal", "less_than_equal", "too_short", "too_long"):
        shown = f"{written!r} " if written is not None else ""
        return path, f"{shown}{message[0].lower()}{message[1:]}".strip()
    return path, message[0].lower() + message[1:]
