"""The ready app synthesized for the default configuration and for each example."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_storage.config import StorageConfig
from platform_storage.plan import AppPlan, load_plan
from tests.conftest import ROOT

APP_CONFIGS: dict[str, Path] = {
    "default": ROOT / "storage.yaml",
    **{p.parent.name: p for p in sorted((ROOT / "examples").glob("*/storage.yaml"))},
}


@dataclass(frozen=True)
class SynthesizedApp:
    plan: AppPlan
    stacks: dict[str, dict[str, Any]]  # stack name -> cdk.tf.json
    rendered: dict[str, str]  # path under rendered/ -> content
    modes: dict[str, int]
    outdir: Path

    @property
    def config(self) -> StorageConfig:
        return self.plan.config


def synth_app(config_path: Path | AppPlan, outdir: Path) -> SynthesizedApp:
    """The real synth (rules enforced) and the rendered files, as `main.py` produces them."""
    from platform_storage.app import synth_and_render

    plan = config_path if isinstance(config_path, AppPlan) else load_plan(config_path)
    out, rendered_dir = synth_and_render(plan, str(outdir))
    stacks = {
        path.parent.name: json.loads(path.read_text())
        for path in sorted(out.glob("stacks/*/cdk.tf.json"))
    }
    files = sorted(p for p in rendered_dir.rglob("*") if p.is_file())
    return SynthesizedApp(
        plan=plan,
        stacks=stacks,
        rendered={str(p.relative_to(rendered_dir)): p.read_text() for p in files},
        modes={str(p.relative_to(rendered_dir)): p.stat().st_mode & 0o777 for p in files},
        outdir=out,
    )
