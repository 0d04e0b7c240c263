"""The configuration file (`storage.yaml`): strict loading, the models and their rules.
No CDK import.

`read_config(path)` checks the file and returns a `StorageConfig`, or raises `ConfigError` with
every problem as `<path>: <problem>`. Rules about derived names and workloads come from
`platform_storage.plan` through `extra_rules`; use `platform_storage.plan.load_plan` to get a
configuration checked by all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from platform_storage.config.errors import ConfigError, Problem, describe
from platform_storage.config.loader import LoadError, PathKey, Source, load_yaml, read_text
from platform_storage.config.models import MAX_RUNNERS, StorageConfig
from platform_storage.config.parts import Parts
from platform_storage.config.rules import Rule, cross_field_problems

__all__ = [
    "ConfigError",
    "Parts",
    "Problem",
    "StorageConfig",
    "parse_config",
    "read_config",
]


def _within_limits(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """`raw` with the runners cut to the limit, and the problem that says so: validating tens
    of thousands of runners only to refuse them would take seconds."""
    orchestrator = raw.get("orchestrator")
    if not isinstance(orchestrator, dict):
        return raw, []
    runners = orchestrator.get("runners")
    if not isinstance(runners, list) or len(runners) <= MAX_RUNNERS:
        return raw, []
    cut = {**raw, "orchestrator": {**orchestrator, "runners": runners[:MAX_RUNNERS]}}
    return cut, [
        (
            "orchestrator.runners",
            f"holds {len(runners)} runners; at most {MAX_RUNNERS} (the rest was not checked)",
        )
    ]


def read_config(path: Path | str, extra_rules: Sequence[Rule] = ()) -> StorageConfig:
    """Read, parse and validate `path`; ConfigError lists every problem."""
    try:
        loaded = load_yaml(read_text(Path(path)), str(path))
    except LoadError as error:
        raise ConfigError(error.problems) from None
    return parse_config(loaded.data, loaded.sources, extra_rules)


def parse_config(
    raw: Any,
    sources: Mapping[PathKey, Source] | None = None,
    extra_rules: Sequence[Rule] = (),
) -> StorageConfig:
    """Validate parsed YAML. The rules that span fields run over the sections that did parse
    even when others fail, so one run reports every problem; a path already reported by a field
    rule is not reported again."""
    if not isinstance(raw, dict):
        raise ConfigError([("(top level)", "must be a mapping with the keys aws, eks, ...")])
    sources = sources or {}
    raw, problems = _within_limits(raw)
    try:
        config: StorageConfig | None = StorageConfig.model_validate(raw)
    except ValidationError as error:
        config = None
        problems += [describe(e, sources) for e in error.errors()]
    if problems:
        config = None
    parts = Parts.of(config) if config is not None else Parts.salvage(raw)
    reported = {path for path, _ in problems}
    cross = cross_field_problems(parts) + [p for rule in extra_rules for p in rule(parts)]
    problems += [p for p in dict.fromkeys(cross) if p[0] not in reported]
    if problems or config is None:
        raise ConfigError(problems)
    return config
