"""Every rendered file of a configuration, and writing them without leaving half a set behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platform_storage.config import StorageConfig
from platform_storage.plan import plan_massdriver, plan_runners
from platform_storage.render.massdriver_values import massdriver_values
from platform_storage.render.runner_files import (
    credentials_secret,
    runner_document,
    runners_hcl,
    service_account_manifest,
)

RENDERED_DIR = "rendered"


@dataclass(frozen=True)
class RenderedFile:
    content: str
    secret: bool = False  # written with mode 0600

    @property
    def mode(self) -> int:
        return 0o600 if self.secret else 0o644


def rendered_files(
    config: StorageConfig, keys: Mapping[str, str] | None = None
) -> dict[str, RenderedFile]:
    """Relative path -> file. With `keys` (Terraform outputs), static credentials are filled in."""
    files: dict[str, RenderedFile] = {}
    md = plan_massdriver(config)
    if md is not None:
        has_keys = keys is not None and any(i and i.static for i in (md.storage, md.argo))
        files["massdriver-values.yaml"] = RenderedFile(massdriver_values(md, keys), has_keys)
    runners = plan_runners(config)
    for plan in runners:
        static = plan.identity.static and keys is not None
        files[f"orchestrator/{plan.id}.yaml"] = RenderedFile(
            runner_document(plan, keys), static and plan.settings.type == "serverless-ecs"
        )
        if plan.identity.kind == "irsa":
            files[f"orchestrator/{plan.id}.serviceaccount.yaml"] = RenderedFile(
                service_account_manifest(plan)
            )
        if static and plan.settings.type != "serverless-ecs":
            assert keys is not None
            files[f"orchestrator/{plan.id}.secret.yaml"] = RenderedFile(
                credentials_secret(plan, keys), True
            )
    if runners:
        files["orchestrator/runners.tf"] = RenderedFile(runners_hcl(runners))
    return files


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
