"""The ready app, in one pass: plan -> stacks and rendered files, both from the plan -> write;
the access report is computed from the synthesized stacks before anything is published.

A synth writes into a staging directory beside the output directory and moves the result into
place only once every stack has passed its rules, so a failed synth leaves the previous output
as it was, and never half a set of stacks.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from platform_storage.access_report.files import access_report_files
from platform_storage.analysis import load_stacks
from platform_storage.cdk import App
from platform_storage.locations import default_outdir
from platform_storage.plan import MASSDRIVER_STACK, ORCHESTRATOR_STACK, AppPlan
from platform_storage.render.files import RenderedFiles, render, write_rendered
from platform_storage.stacks.massdriver import MassdriverStorageStack
from platform_storage.stacks.orchestrator import OrchestratorStateStack

__all__ = ["MASSDRIVER_STACK", "ORCHESTRATOR_STACK", "build_app", "synth_and_render"]


def build_app(plan: AppPlan, files: RenderedFiles, outdir: str | None = None) -> App:
    """An App holding the stacks the plan asks for, with the rendered documents as outputs
    (not yet synthesized)."""
    app = App(outdir=outdir) if outdir else App()
    massdriver = None
    if plan.massdriver is not None:
        massdriver = MassdriverStorageStack(app, plan=plan)
        assert files.massdriver_values is not None
        massdriver.document_output(
            "rendered_massdriver_values",
            files.massdriver_values.content,
            "Helm values for the massdriver chart (rendered/massdriver-values.yaml)",
        )
    if plan.orchestrator is not None:
        orchestrator = OrchestratorStateStack(app, plan=plan)
        orchestrator.document_output(
            "rendered_runners",
            {runner_id: file.content for runner_id, file in files.runner_documents.items()},
            "hctl create runner documents by runner id (rendered/orchestrator/<id>.yaml)",
        )
        assert files.runners_tf is not None
        orchestrator.document_output(
            "rendered_runners_tf",
            files.runners_tf.content,
            "state_storage_configuration per runner (rendered/orchestrator/runners.tf)",
        )
        if massdriver is not None and plan.orchestrator_waits_for_massdriver:
            orchestrator.add_dependency(massdriver)
    return app


def synth_and_render(plan: AppPlan, outdir: str | None = None) -> tuple[Path, Path]:
    """Synthesize the stacks and write `<outdir>/rendered/`, all or nothing."""
    target = Path(outdir) if outdir else default_outdir()
    target.parent.mkdir(parents=True, exist_ok=True)
    files = render(plan)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build_app(plan, files, str(staging)).synth()
        report = access_report_files(load_stacks(str(staging)))
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, write_rendered(target, {**files.by_path(plan), **report})


def _publish(staging: Path, target: Path) -> None:
    """Move each synthesized file into `target`, leaving what else is there (a stack's
    `.terraform` directory after a deploy) in place."""
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        destination = target / source.relative_to(staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
