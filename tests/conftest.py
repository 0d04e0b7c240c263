"""Shared fixtures. The CDK and the AWS provider load once per session (several seconds), and each
configuration is synthesized once; tests then read the documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
Document = dict[str, Any]


@pytest.fixture(scope="session")
def synthesized() -> dict[str, Document]:
    """Every configuration of `tests/configurations.py`, synthesized once (with its aspects)."""
    from tests.configurations import CONFIGURATIONS, synth

    return {name: synth(build) for name, build in CONFIGURATIONS.items()}


@pytest.fixture(scope="session")
def synth_document() -> Callable[[Callable[..., Any]], Document]:
    """Synthesize a one-off configuration: `synth_document(lambda stack: ...)`."""
    from tests.configurations import synth

    return synth


@pytest.fixture(scope="session")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The default app and every example, synthesized once per session."""
    from tests.apps import APP_CONFIGS, synth_app

    return {
        name: synth_app(path, tmp_path_factory.mktemp(f"app-{name}"))
        for name, path in APP_CONFIGS.items()
    }


@pytest.fixture(scope="session")
def generated_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The generated configuration (Massdriver and 53 runners), synthesized once."""
    from platform_storage.plan import parse_plan
    from tests.apps import synth_app
    from tests.generated import generated_config

    return synth_app(parse_plan(generated_config()), tmp_path_factory.mktemp("generated"))
