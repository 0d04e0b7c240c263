"""Runs checkov (from its own virtualenv) over synthesized documents and returns its report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


def checkov_binary() -> Path:
    path = Path(os.environ.get("CHECKOV_BIN", ROOT / ".venv-checkov/bin/checkov"))
    assert path.is_file(), f"checkov not found at {path}: run `make test` (it installs it)"
    return path


def run_checkov(documents: dict[str, dict[str, Any]], workdir: Path) -> list[dict[str, Any]]:
    """One checkov process over every document; one report per framework run."""
    args = [str(checkov_binary()), "--config-file", str(ROOT / ".checkov.yaml"), "-o", "json"]
    for name, doc in documents.items():
        target = workdir / name / "cdk.tf.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(doc, indent=2))
        args += ["-f", str(target)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=workdir)
    assert done.stdout.strip(), f"checkov printed nothing: {done.stderr[-2000:]}"
    report = json.loads(done.stdout)
    return report if isinstance(report, list) else [report]
