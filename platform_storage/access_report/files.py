"""The access report as rendered files, from a set of synthesized stacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platform_storage.access_report.diagram import render_svg
from platform_storage.access_report.markdown import render_markdown
from platform_storage.access_report.model import entries
from platform_storage.analysis import SystemModel
from platform_storage.render.files import RenderedFile

MARKDOWN = "access-report.md"
DIAGRAM = "access-report.svg"


def access_report_files(stacks: Mapping[str, Mapping[str, Any]]) -> dict[str, RenderedFile]:
    """`access-report.md` and `access-report.svg` of the stacks (by stack name); none for an
    app without stacks."""
    if not stacks:
        return {}
    found = entries(SystemModel.from_stacks(stacks))
    return {
        MARKDOWN: RenderedFile(render_markdown(found)),
        DIAGRAM: RenderedFile(render_svg(found)),
    }
