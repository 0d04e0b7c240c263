"""The ready app: both stacks from one validated configuration, then the rendered files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from platform_storage.cdk import App
from platform_storage.config import StorageConfig
from platform_storage.plan import plan_massdriver, plan_runners
from platform_storage.render.files import RenderedFile, rendered_files, write_rendered
from platform_storage.stacks.massdriver import MassdriverStorageStack
from platform_storage.stacks.orchestrator import OrchestratorStateStack

MASSDRIVER_STACK = "massdriver-storage"
ORCHESTRATOR_STACK = "orchestrator-state"


def build_app(
    config: StorageConfig,
    outdir: str | None = None,
    rendered: Mapping[str, RenderedFile] | None = None,
) -> App:
    """An App holding the stacks the configuration asks for (not yet synthesized).

    When both stacks use the EKS cluster's OIDC provider and `eks.create_oidc_provider` is on,
    the Massdriver stack creates it (IAM allows one per issuer) and the runner stack waits for it.
    """
    app = App(outdir=outdir) if outdir else App()
    rendered = rendered if rendered is not None else rendered_files(config)
    massdriver_plan = plan_massdriver(config)
    runners = plan_runners(config)
    create_provider = bool(config.eks and config.eks.create_oidc_provider)
    massdriver_uses_irsa = massdriver_plan is not None and any(
        i is not None and i.kind == "irsa" for i in (massdriver_plan.storage, massdriver_plan.argo)
    )
    massdriver_stack = None
    if massdriver_plan is not None:
        massdriver_stack = MassdriverStorageStack(
            app,
            MASSDRIVER_STACK,
            config=config,
            plan=massdriver_plan,
            rendered=rendered,
            create_oidc_provider=create_provider and massdriver_uses_irsa,
        )
    if config.orchestrator is not None:
        orchestrator = OrchestratorStateStack(
            app,
            ORCHESTRATOR_STACK,
            config=config,
            runners=runners,
            rendered=rendered,
            create_oidc_provider=create_provider and not massdriver_uses_irsa,
        )
        if create_provider and massdriver_uses_irsa and massdriver_stack is not None:
            orchestrator.add_dependency(massdriver_stack)
    return app


def synth_and_render(config: StorageConfig, outdir: str | None = None) -> tuple[Path, Path]:
    """Synthesize the stacks, then write `<outdir>/rendered/` (only after a synth that passed)."""
    files = rendered_files(config)
    app = build_app(config, outdir, files)
    app.synth()
    return Path(app.outdir), write_rendered(Path(app.outdir), files)
