"""Snapshots of both stacks and every rendered file, for the default config and each example."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.apps import APP_CONFIGS, SynthesizedApp
from tests.normalise import normalised


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_stacks_match_snapshot(
    name: str, apps: dict[str, SynthesizedApp], snapshot: SnapshotAssertion
) -> None:
    app = apps[name]
    assert {stack: normalised(doc) for stack, doc in app.stacks.items()} == snapshot


@pytest.mark.parametrize("name", sorted(APP_CONFIGS))
def test_rendered_files_match_snapshot(
    name: str, apps: dict[str, SynthesizedApp], snapshot: SnapshotAssertion
) -> None:
    # The access report has its own snapshot (Markdown) and edge check (SVG): test_access_report.
    report = ("access-report.md", "access-report.svg")
    assert {k: v for k, v in apps[name].rendered.items() if k not in report} == snapshot
