"""The sections of a configuration that the cross-field rules read, also when others fail.

A file with a bad region still gets its runner ids compared: each section (and each runner) is
parsed on its own, and a section that does not parse is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from platform_storage.config.models import (
    MAX_RUNNERS,
    AwsSettings,
    BackendSettings,
    EksSettings,
    MassdriverSettings,
    OrchestratorSettings,
    RunnerSettings,
    StateBucketSettings,
    StorageConfig,
)

_M = TypeVar("_M", bound=BaseModel)
_ORCHESTRATOR_DEFAULTS = OrchestratorSettings.model_fields


@dataclass(frozen=True)
class Parts:
    """The parsed sections; `*_given` says whether the file had a section at all."""

    aws: AwsSettings | None
    eks: EksSettings | None
    eks_given: bool
    massdriver: MassdriverSettings | None
    massdriver_given: bool
    orchestrator_given: bool
    state_bucket: StateBucketSettings | None
    role_name_prefix: str
    role_path: str
    runners: list[tuple[int, RunnerSettings]]
    runner_count: int
    backend: BackendSettings | None

    @property
    def partition(self) -> str | None:
        return self.aws.partition if self.aws else None

    @classmethod
    def of(cls, config: StorageConfig) -> Parts:
        orch = config.orchestrator
        return cls(
            aws=config.aws,
            eks=config.eks,
            eks_given=config.eks is not None,
            massdriver=config.massdriver,
            massdriver_given=config.massdriver is not None,
            orchestrator_given=orch is not None,
            state_bucket=orch.state_bucket if orch else None,
            role_name_prefix=orch.role_name_prefix if orch else _default("role_name_prefix"),
            role_path=orch.role_path if orch else "/",
            runners=list(enumerate(orch.runners)) if orch else [],
            runner_count=len(orch.runners) if orch else 0,
            backend=config.backend,
        )

    @classmethod
    def salvage(cls, raw: dict[str, Any]) -> Parts:
        orch = raw.get("orchestrator") if isinstance(raw.get("orchestrator"), dict) else {}
        assert isinstance(orch, dict)
        runners_raw = orch.get("runners") if isinstance(orch.get("runners"), list) else []
        assert isinstance(runners_raw, list)
        # Past the limit the file is refused already; its rules need not look further.
        runners = [(i, _parse(RunnerSettings, r)) for i, r in enumerate(runners_raw[:MAX_RUNNERS])]
        settings = _parse(
            OrchestratorSettings,
            {
                "state_bucket": {"name": "placeholder"},
                "runners": [{"id": "placeholder", "type": "kubernetes"}],
                **{k: orch[k] for k in ("role_name_prefix", "role_path") if k in orch},
            },
        )
        return cls(
            aws=_parse(AwsSettings, raw.get("aws")),
            eks=_parse(EksSettings, raw.get("eks")),
            eks_given="eks" in raw,
            massdriver=_parse(MassdriverSettings, raw.get("massdriver")),
            massdriver_given="massdriver" in raw,
            orchestrator_given="orchestrator" in raw,
            state_bucket=_parse(StateBucketSettings, orch.get("state_bucket")),
            role_name_prefix=(
                settings.role_name_prefix if settings else _default("role_name_prefix")
            ),
            role_path=settings.role_path if settings else "/",
            runners=[(i, r) for i, r in runners if r is not None],
            runner_count=len(runners_raw),
            backend=_parse(BackendSettings, raw.get("backend")),
        )


def _default(field: str) -> str:
    value = _ORCHESTRATOR_DEFAULTS[field].default
    assert isinstance(value, str)
    return value


def _parse(model: type[_M], value: Any) -> _M | None:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None
