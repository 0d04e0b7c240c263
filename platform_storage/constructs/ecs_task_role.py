"""`EcsTaskRole`: the task role of an ECS workload."""

from __future__ import annotations

from typing import Unpack

from platform_storage.aws import AwsAccount, region_problems
from platform_storage.cdk import Construct
from platform_storage.constructs._arguments import checked, path_of, refuse
from platform_storage.constructs.workload_role import RoleOptions, WorkloadRole
from platform_storage.trust import ecs_task_trust


class EcsTaskRole(WorkloadRole):
    """The role containers of an ECS task run as (`task_role_arn`), never the execution role.

    Trusted by `ecs-tasks.amazonaws.com` with `aws:SourceAccount = <account>` and
    `aws:SourceArn` like `arn:<partition>:ecs:<region>:<account>:*`, so ECS assumes it only for
    tasks of this account and region. The execution role (image pulls, logs) stays separate and
    gets no storage access.

    Options: those of `WorkloadRole`, and `region` = the account's region: where the tasks run.
    """

    @checked
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        account: AwsAccount,
        role_name: str,
        region: str | None = None,
        **options: Unpack[RoleOptions],
    ) -> None:
        if region is not None:
            refuse(
                f"EcsTaskRole {path_of(scope, id)}",
                [f"region {p}" for p in region_problems(region, account.partition)],
            )
        super().__init__(
            scope,
            id,
            account=account,
            role_name=role_name,
            trust=ecs_task_trust(
                account_id=account.account_id,
                partition=account.partition,
                region=region or account.region,
            ),
            **options,
        )
