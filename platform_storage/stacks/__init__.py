"""Ready-made stacks built from `platform_storage.constructs`, for apps that compose them.

Each stack builds from an `AppPlan`, the checked and derived form of a configuration file:
`load_plan(path)` reads one (every rule applied; `ConfigError` lists every problem), and
`parse_plan(data)` takes already parsed YAML. Importing this package loads the CDK core.

    app = App()
    plan = load_plan("storage.yaml")
    MassdriverStorageStack(app, plan=plan)      # when plan.massdriver is set
    OrchestratorStateStack(app, plan=plan)      # when plan.orchestrator is set
    app.synth()
"""

from platform_storage.config import ConfigError
from platform_storage.plan import AppPlan, load_plan, parse_plan
from platform_storage.stacks.base import PlatformStack
from platform_storage.stacks.massdriver import MassdriverStorageStack
from platform_storage.stacks.orchestrator import OrchestratorStateStack

__all__ = [
    "AppPlan",
    "ConfigError",
    "MassdriverStorageStack",
    "OrchestratorStateStack",
    "PlatformStack",
    "load_plan",
    "parse_plan",
]
