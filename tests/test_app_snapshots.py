"""Snapshots of both stacks and every rendered file, for the default config and each example."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.apps import APP_CONFIGS, SynthesizedApp

LOCAL_STATE = re.compile(r'"path": "[^"]*/terraform\.([a-z-]+)\.tfstate"')


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """The local backend's absolute path depends on the checkout: replace it."""
    text = LOCAL_STATE.sub(r'"path": "<checkout>/terraform.\1.tfstate"', json.dumps(doc))
    result: dict[str, Any] = json.loads(text)
    return result


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
    assert apps[name].rendered == snapshot
