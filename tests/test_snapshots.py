"""Whole-document snapshots of each construct in its default and fullest configuration."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.configurations import CONFIGURATIONS
from tests.normalise import normalised


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_synthesized_document_matches_snapshot(
    name: str, synthesized: dict[str, dict[str, Any]], snapshot: SnapshotAssertion
) -> None:
    assert normalised(synthesized[name]) == snapshot
