"""`EcsTaskRole`: the task role of an ECS workload."""

from __future__ import annotations

from collections.abc import Mapping

from platform_storage.aws import AwsAccount
from platform_storage.cdk import Construct
from platform_storage.constructs.workload_role import WorkloadRole
from platform_storage.trust import ecs_task_trust


class EcsTaskRole(WorkloadRole):
    """The role containers of an ECS task run as (`task_role_arn`), never the execution role.

    Trusted by `ecs-tasks.amazonaws.com` with `aws:SourceAccount = <account>` and
    `aws:SourceArn` like `arn:<partition>:ecs:<region>:<account>:*`, so ECS assumes it only for
    tasks of this account and region. The execution role (image pulls, logs) stays separate and
    gets no storage access.

    Options: those of `WorkloadRole`; the region comes from `account`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        path: str = "/",
        permissions_boundary_arn: str | None = None,
        max_session_duration: int = 3600,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            account=account,
            role_name=role_name,
            trust=ecs_task_trust(
                account_id=account.account_id, partition=account.partition, region=account.region
            ),
            path=path,
            permissions_boundary_arn=permissions_boundary_arn,
            max_session_duration=max_session_duration,
            description=description,
            tags=tags,
        )
