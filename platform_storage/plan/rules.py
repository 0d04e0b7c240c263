"""Rules over derived names and workloads, run with the configuration's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from platform_storage.aws import AwsAccount, oidc_provider_id
from platform_storage.config import Parts, Problem
from platform_storage.config.models import RunnerSettings
from platform_storage.naming import iam_name_key, iam_name_problems
from platform_storage.plan.derive import massdriver_identities, runner_identity
from platform_storage.plan.identities import IdentityPlan, OidcFederation, StaticKeys, issuer_of
from platform_storage.plan.model import (
    MASSDRIVER_STACK,
    ORCHESTRATOR_STACK,
    RunnerFiles,
    keeps_keys_in_secrets,
    key_secrets_construct_id,
    runner_construct_id,
)
from platform_storage.plan.names import (
    CONSTRUCT_IDS,
    FILES,
    IAM_NAMES,
    OUTPUTS,
    DerivedName,
    collisions,
)
from platform_storage.workloads import WorkloadIndex

# Names and workloads do not depend on the account; while `aws` fails to parse, the rules below
# still compare them, with ARNs of this placeholder.
_PLACEHOLDER_ACCOUNT = AwsAccount(account_id="000000000000", region="us-east-1")


@dataclass(frozen=True)
class _Owned:
    """An identity with the words naming its owner, the path blamed for its name, and the path
    blamed for the workload it trusts."""

    owner: str
    at: str
    workload_at: str
    identity: IdentityPlan

    @property
    def entry(self) -> str:
        return self.owner.removesuffix("'s identity")


def _owned_identities(parts: Parts) -> list[_Owned]:
    account = _PLACEHOLDER_ACCOUNT
    found = []
    md = parts.massdriver
    eks = parts.eks
    needs_eks = md is not None and md.identity in ("irsa", "pod-identity")
    # Identities whose required sections are missing are reported by the config rules.
    usable = not needs_eks or (
        eks is not None and (md is None or md.identity != "pod-identity" or eks.cluster_name)
    )
    if md is not None and usable:
        at = "massdriver.role_name_prefix" if md.role_name_prefix else "massdriver.release"
        for kind, identity in massdriver_identities(md, eks, account).items():
            found.append(_Owned(f"Massdriver's {kind} identity", at, "massdriver", identity))
    for index, runner in parts.runners:
        kind = runner.resolved_identity
        if kind in ("irsa", "pod-identity") and (
            parts.eks is None or not (runner.namespace and runner.service_account)
        ):
            continue
        if kind == "pod-identity" and not (
            runner.cluster or (parts.eks and parts.eks.cluster_name)
        ):
            continue
        if kind == "oidc" and runner.oidc is None:
            continue
        identity = runner_identity(
            runner,
            role_name_prefix=parts.role_name_prefix,
            role_path=parts.role_path,
            eks=parts.eks,
            account=account,
        )
        at = f"orchestrator.runners[{index}]"
        trusted = "oidc.subject" if isinstance(identity, OidcFederation) else "service_account"
        found.append(_Owned(f"{at}'s identity", f"{at}.role_name", f"{at}.{trusted}", identity))
    return found


def derived_name_problems(parts: Parts) -> list[Problem]:
    """Derived IAM names must be valid IAM names, and every derived name unique where it
    lives."""
    owned = _owned_identities(parts)
    problems = [
        (item.at, f"derived name {problem}")
        for item in owned
        for problem in iam_name_problems(item.identity.name)
    ]
    names = [
        DerivedName(IAM_NAMES, "account", item.identity.name, item.at, item.entry) for item in owned
    ]
    for item in owned:
        if isinstance(item.identity, StaticKeys):
            stack = ORCHESTRATOR_STACK if item.at.startswith("orchestrator") else MASSDRIVER_STACK
            outputs = item.identity.outputs
            names += [
                DerivedName(OUTPUTS, stack, output, item.at)
                for output in (
                    outputs.access_key_id,
                    outputs.secret_access_key,
                    outputs.access_key_id_secret_arn,
                    outputs.secret_access_key_secret_arn,
                )
            ]
    for index, runner in parts.runners:
        at = f"orchestrator.runners[{index}].id"
        construct_id = runner_construct_id(runner.id)
        names.append(DerivedName(CONSTRUCT_IDS, ORCHESTRATOR_STACK, construct_id, at))
        if keeps_keys_in_secrets(runner):
            secrets_id = key_secrets_construct_id(runner.id)
            names.append(DerivedName(CONSTRUCT_IDS, ORCHESTRATOR_STACK, secrets_id, at))
        names += [
            DerivedName(FILES, "rendered", file, at) for file in RunnerFiles.of(runner.id).all
        ]
    names += _provider_names(parts)
    # A repeated runner id is reported by the config rules already.
    repeated = {f"orchestrator.runners[{i}].id" for i, _ in _repeated_ids(parts)}
    return problems + [p for p in collisions(names) if p[0] not in repeated]


def _provider_names(parts: Parts) -> list[DerivedName]:
    """The construct ids of the IAM OIDC providers the app creates, one per issuer."""
    created: dict[str, str] = {}
    if parts.eks is not None and parts.eks.create_oidc_provider:
        created[parts.eks.oidc_issuer] = "eks.oidc_issuer"
    for index, runner in parts.runners:
        if runner.oidc is not None and runner.oidc.create_provider:
            created.setdefault(runner.oidc.issuer, f"orchestrator.runners[{index}].oidc.issuer")
    return [
        DerivedName(CONSTRUCT_IDS, "oidc providers", oidc_provider_id(issuer), owner)
        for issuer, owner in created.items()
    ]


def _repeated_ids(parts: Parts) -> Iterator[tuple[int, RunnerSettings]]:
    seen: set[str] = set()
    for index, runner in parts.runners:
        if runner.id in seen:
            yield index, runner
        seen.add(runner.id)


def workload_problems(parts: Parts) -> list[Problem]:
    """No workload may be trusted by two identities: pods of a service account trusted by two
    roles can assume either, so one runner could reach another runner's state."""
    index: WorkloadIndex[str] = WorkloadIndex()
    problems = []
    for item in _owned_identities(parts):
        trusted = item.identity.workloads
        for workload in trusted:
            earlier = index.find(workload)
            if earlier is not None:
                problems.append(
                    (
                        item.workload_at,
                        f"{workload.describe()} is already {earlier}; two identities on one"
                        " workload are not isolated",
                    )
                )
                break
        # A static identity's keys are not a trust, but its pods hold them all the same.
        how = "given the keys of" if isinstance(item.identity, StaticKeys) else "trusted by"
        for workload in trusted:
            index.add(workload, f"{how} {item.owner}")
    return problems


def _role_key(arn: str) -> tuple[str, str] | None:
    """(account, name without case) of a role ARN: IAM role names are unique in an account
    whatever their path."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    return parts[4], iam_name_key(parts[5].rsplit("/", 1)[-1])


def execution_role_problems(parts: Parts) -> list[Problem]:
    """The execution role of a static ECS runner reads that runner's keys in Secrets Manager, so
    it must be nobody else's: not a role this file creates (that tenant would read the keys and
    reach both prefixes), and no other ECS runner's execution role (any task definition on that
    role can be handed the keys as `secrets`)."""
    account = parts.aws.account_id if parts.aws else _PLACEHOLDER_ACCOUNT.account_id
    roles = {
        (account, iam_name_key(item.identity.name)): item.owner
        for item in _owned_identities(parts)
        if not isinstance(item.identity, StaticKeys)
    }
    users: dict[tuple[str, str], list[tuple[int, bool]]] = {}
    problems = []
    for index, runner in parts.runners:
        ecs = runner.ecs
        key = _role_key(ecs.execution_role_arn) if ecs and ecs.execution_role_arn else None
        if key is None:
            continue
        keeps = keeps_keys_in_secrets(runner)
        users.setdefault(key, []).append((index, keeps))
        if keeps and key in roles:
            problems.append(
                (
                    f"orchestrator.runners[{index}].ecs.execution_role_arn",
                    f"is the role of {roles[key]}: the execution role reads this runner's keys,"
                    " so that identity would reach this runner's state too; use an execution"
                    " role of its own",
                )
            )
    for entries in users.values():
        holders = [index for index, keeps in entries if keeps]
        if not holders:
            continue
        first = entries[0][0]
        for index, _ in entries[1:]:
            others = ", ".join(f"runners[{i}]" for i in holders if i != index) or "this runner"
            problems.append(
                (
                    f"orchestrator.runners[{index}].ecs.execution_role_arn",
                    f"repeats runners[{first}].ecs.execution_role_arn: the execution role reads"
                    f" the keys of {others} in Secrets Manager, so every runner on it could be"
                    " handed them; give each static ECS runner an execution role of its own",
                )
            )
    return problems


def unused_provider_problems(parts: Parts) -> list[Problem]:
    """`eks.create_oidc_provider` with nothing trusting the EKS issuer would create nothing."""
    eks = parts.eks
    if eks is None or not eks.create_oidc_provider:
        return []
    if any(issuer_of(item.identity) == eks.oidc_issuer for item in _owned_identities(parts)):
        return []
    return [
        (
            "eks.create_oidc_provider",
            "is true but no identity trusts eks.oidc_issuer (no IRSA identity, no OIDC runner"
            " on that issuer), so no provider would be created; remove it",
        )
    ]


RULES = (
    derived_name_problems,
    workload_problems,
    execution_role_problems,
    unused_provider_problems,
)
