"""The ready app, in one pass: plan -> stacks and rendered files, both from the plan -> write;
the access report is computed from the synthesized stacks before anything is published.

The report starts as soon as the rules have judged the last stack, from the documents they
judged (the ones synthesis writes next), on a second thread: Node's serialization and write of
that stack, which Python would otherwise wait for, overlaps it.

A synth writes into a staging directory beside the output directory and moves the result into
place only once every stack has passed its rules, so a failed synth leaves the previous output
as it was, and never half a set of stacks.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from platform_storage.access_report.files import access_report_files
from platform_storage.cdk import App, TerraformStack
from platform_storage.locations import default_outdir
from platform_storage.plan import MASSDRIVER_STACK, ORCHESTRATOR_STACK, AppPlan
from platform_storage.render.files import RenderedFile, RenderedFiles, render, write_rendered
from platform_storage.rules.validation import apply_rules
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


def synth_and_render(
    plan: AppPlan, outdir: str | None = None, *, files: RenderedFiles | None = None
) -> tuple[Path, Path]:
    """Synthesize the stacks and write `<outdir>/rendered/`, all or nothing.

    `files`: the plan's rendered documents when the caller has them already (default: rendered
    here)."""
    target = Path(outdir) if outdir else default_outdir()
    target.parent.mkdir(parents=True, exist_ok=True)
    files = render(plan) if files is None else files
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        app = build_app(plan, files, str(staging))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="access-report") as pool:
            report = _ReportWhenJudged(app, pool)
            app.synth()
            report_files = report.result()
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, write_rendered(target, {**files.by_path(plan), **report_files})


class _ReportWhenJudged:
    """The access report of `app`'s stacks, submitted to `pool` once the rules have judged every
    stack, from the documents they judged."""

    def __init__(self, app: App, pool: Executor) -> None:
        self._pool = pool
        self._documents: dict[str, Mapping[str, Any]] = {}
        self._future: Future[dict[str, RenderedFile]] | None = None
        stacks = [c for c in app.node.children if isinstance(c, TerraformStack)]
        self._expected = len(stacks)
        for stack in stacks:
            apply_rules(stack).when_judged.append(functools.partial(self._judged, stack.node.id))

    def _judged(self, name: str, document: Mapping[str, Any]) -> None:
        self._documents[name] = document
        if len(self._documents) == self._expected:
            # In name order, as the stacks are read back from an output directory.
            by_name = {name: self._documents[name] for name in sorted(self._documents)}
            self._future = self._pool.submit(access_report_files, by_name)

    def result(self) -> dict[str, RenderedFile]:
        assert self._future is not None, "the synth judged fewer stacks than the app holds"
        return self._future.result()


def _publish(staging: Path, target: Path) -> None:
    """Move each synthesized file into `target`, leaving what else is there (a stack's
    `.terraform` directory after a deploy) in place."""
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        destination = target / source.relative_to(staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
