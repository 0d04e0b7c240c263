"""Every rendered file of a plan, and writing them without leaving half a set behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platform_storage.plan import AppPlan, Irsa, StaticKeys
from platform_storage.render.massdriver_values import massdriver_values
from platform_storage.render.runner_document import runner_document
from platform_storage.render.runner_files import (
    credentials_secret,
    runners_hcl,
    service_account_manifest,
)

RENDERED_DIR = "rendered"
MASSDRIVER_VALUES = "massdriver-values.yaml"
RUNNERS_TF = "orchestrator/runners.tf"


@dataclass(frozen=True)
class RenderedFile:
    content: str
    secret: bool = False  # written with mode 0600

    @property
    def mode(self) -> int:
        return 0o600 if self.secret else 0o644


@dataclass(frozen=True)
class RenderedFiles:
    """The documents of one plan: Massdriver's values, each runner's document (by runner id),
    and everything else by path; `by_path` is the whole set as it lands under `rendered/`."""

    massdriver_values: RenderedFile | None = None
    runner_documents: dict[str, RenderedFile] = field(default_factory=dict)
    runners_tf: RenderedFile | None = None
    others: dict[str, RenderedFile] = field(default_factory=dict)

    def by_path(self, plan: AppPlan) -> dict[str, RenderedFile]:
        files: dict[str, RenderedFile] = {}
        if self.massdriver_values is not None:
            files[MASSDRIVER_VALUES] = self.massdriver_values
        if plan.orchestrator is not None:
            for runner in plan.orchestrator.runners:
                files[runner.files.document] = self.runner_documents[runner.id]
        files.update(self.others)
        if self.runners_tf is not None:
            files[RUNNERS_TF] = self.runners_tf
        return dict(sorted(files.items()))


def render(plan: AppPlan, keys: Mapping[str, str] | None = None) -> RenderedFiles:
    """The files of `plan`. With `keys` (Terraform outputs by name), static credentials are
    filled in and the files holding them are secret."""
    md = plan.massdriver
    values = None
    if md is not None:
        has_keys = keys is not None and any(
            isinstance(i, StaticKeys) for i in (md.storage, md.argo)
        )
        values = RenderedFile(massdriver_values(md, keys), has_keys)
    documents: dict[str, RenderedFile] = {}
    others: dict[str, RenderedFile] = {}
    runners = plan.orchestrator.runners if plan.orchestrator else ()
    for runner in runners:
        static = isinstance(runner.identity, StaticKeys) and keys is not None
        # A document holds a key only with ECS keys in clear in job.environment.
        clear_keys = static and runner.ecs and not runner.keys_in_secrets
        documents[runner.id] = RenderedFile(runner_document(runner, keys), clear_keys)
        if isinstance(runner.identity, Irsa):
            others[runner.files.service_account] = RenderedFile(service_account_manifest(runner))
        if static and not runner.ecs:
            assert keys is not None
            others[runner.files.secret] = RenderedFile(credentials_secret(runner, keys), True)
    return RenderedFiles(
        massdriver_values=values,
        runner_documents=documents,
        runners_tf=RenderedFile(runners_hcl(runners)) if runners else None,
        others=others,
    )


def write_rendered(outdir: Path, files: Mapping[str, RenderedFile]) -> Path:
    """Replace `<outdir>/rendered/` with `files` in one rename, so readers never see half a set."""
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / RENDERED_DIR
    staging = Path(tempfile.mkdtemp(prefix=".rendered-", dir=outdir))
    try:
        for relative, file in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file.mode)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(file.content)
            os.chmod(path, file.mode)
        os.chmod(staging, 0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target
