"""The synthesized stacks of an app, read as AWS will see them after apply: buckets, keys, roles,
users, their policies with Terraform references replaced by the ARNs they resolve to, and the
workloads each role trusts. No CDK import: it reads `cdk.tf.json` documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from platform_storage.aws import partition_of_region
from platform_storage.policy import as_list, document_statements_to_iam
from platform_storage.rules.document import REFERENCE, Block, TerraformDocument
from platform_storage.rules.trust_rules import trusted_workloads
from platform_storage.workloads import Workload

Document = Mapping[str, Any]


@dataclass(frozen=True)
class Bucket:
    name: str
    arn: str
    stack: str
    address: str
    region: str
    policy: tuple[Mapping[str, Any], ...]  # bucket policy statements (IAM JSON)
    key: str | None  # the KMS key of its default encryption, None for SSE-S3


@dataclass(frozen=True)
class Identity:
    """A role or user of the app: what it may do (`policies`: IAM JSON statements of its
    identity policies) and who may act as it (`workloads`; for a user, whoever holds its key)."""

    kind: str  # "role" or "user"
    name: str
    arn: str
    stack: str
    address: str
    policies: tuple[Mapping[str, Any], ...]
    trust: tuple[Mapping[str, Any], ...]
    workloads: tuple[Workload, ...]
    trusted_by_service: tuple[str, ...] = ()  # service principals (ECS tasks, S3 replication)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass
class SystemModel:
    """Every stack of one app, resolved."""

    buckets: dict[str, Bucket] = field(default_factory=dict)  # by name
    keys: dict[str, str] = field(default_factory=dict)  # "<stack>:<address>" -> ARN
    identities: dict[str, Identity] = field(default_factory=dict)  # by ARN

    @classmethod
    def from_stacks(cls, stacks: Mapping[str, Document]) -> SystemModel:
        model = cls()
        for stack, doc in stacks.items():
            _Reader(stack, doc, model).read()
        return model

    def identity(self, name: str) -> Identity:
        found = [i for i in self.identities.values() if i.name == name]
        if len(found) != 1:
            raise KeyError(f"expected one identity named {name!r}, found {len(found)}")
        return found[0]


class _Reader:
    def __init__(self, stack: str, doc: Document, model: SystemModel) -> None:
        self.stack = stack
        self.doc = TerraformDocument(doc)
        self.raw = doc
        self.model = model
        providers = doc.get("provider", {}).get("aws", [])
        if len(providers) != 1 or not providers[0].get("allowed_account_ids"):
            raise ValueError(
                f"stack {stack}: not one AWS provider with allowed_account_ids, so not a stack"
                " this app synthesizes"
            )
        (provider,) = providers
        self.region = str(provider["region"])
        self.partition = partition_of_region(self.region) or "aws"
        self.account = str(provider["allowed_account_ids"][0])
        self._attachments: dict[str, tuple[dict[str, list[Block]], dict[str, list[Block]]]] = {}

    def read(self) -> None:
        for block in self.doc.resources("aws_kms_key"):
            self.model.keys[f"{self.stack}:{block.address}"] = self._key_arn(block.name)
        policies = self._bucket_policies()
        keys = self._bucket_keys()
        for block in self.doc.resources("aws_s3_bucket"):
            name = str(block.config["bucket"])
            self.model.buckets[name] = Bucket(
                name=name,
                arn=f"arn:{self.partition}:s3:::{name}",
                stack=self.stack,
                address=block.address,
                region=self.region,
                policy=tuple(policies.get(block.address, ())),
                key=keys.get(block.address),
            )
        for block in self.doc.resources("aws_iam_role"):
            self._role(block)
        for block in self.doc.resources("aws_iam_user"):
            self._user(block)

    # -- references -----------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """`value` with every Terraform reference replaced by what it resolves to."""
        if isinstance(value, str):
            return REFERENCE.sub(lambda m: self._reference(m.group(1)), value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def _reference(self, reference: str) -> str:
        parts = reference.split(".")
        if parts[0] == "data":
            if parts[1] == "aws_caller_identity":
                return self.account
            if parts[1] == "aws_partition":
                return self.partition
            return "${" + reference + "}"
        type_, name, attribute = parts[0], parts[1], ".".join(parts[2:])
        address = f"{type_}.{name}"
        config = self.raw.get("resource", {}).get(type_, {}).get(name)
        if config is None:
            return "${" + reference + "}"
        if type_ == "aws_s3_bucket" and attribute in ("arn", "id", "bucket"):
            bucket = str(config["bucket"])
            return f"arn:{self.partition}:s3:::{bucket}" if attribute == "arn" else bucket
        if type_ == "aws_kms_key" and attribute in ("arn", "id", "key_id"):
            return self._key_arn(name)
        if type_ == "aws_iam_openid_connect_provider" and attribute == "arn":
            host = str(config["url"]).removeprefix("https://")
            return f"arn:{self.partition}:iam::{self.account}:oidc-provider/{host}"
        if type_ in ("aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy"):
            kind = type_.removeprefix("aws_iam_")
            path = config.get("path", "/")
            if attribute == "arn":
                name = _name(config, address)
                return f"arn:{self.partition}:iam::{self.account}:{kind}{path}{name}"
            if attribute in ("name", "id"):
                return _name(config, address)
        return "${" + reference + "}"

    def _key_arn(self, name: str) -> str:
        """A created key's ARN is known only after apply; this stands for it, one per key."""
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:key/{self.stack}--{name}"

    def _policy(self, value: Any) -> list[Mapping[str, Any]]:
        """IAM JSON statements of a policy argument (data-source reference or JSON string)."""
        statements = self.doc.policy_statements(value)
        if statements is None:
            return []
        resolved = self.resolve(document_statements_to_iam(statements))
        return list(resolved["Statement"])

    # -- blocks -----------------------------------------------------------------------------

    def _bucket_policies(self) -> dict[str, list[Mapping[str, Any]]]:
        found: dict[str, list[Mapping[str, Any]]] = {}
        for block in self.doc.resources("aws_s3_bucket_policy"):
            target = self._target(block.config.get("bucket"), "aws_s3_bucket")
            if target:
                found.setdefault(target, []).extend(self._policy(block.config.get("policy")))
        return found

    def _bucket_keys(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for block in self.doc.resources("aws_s3_bucket_server_side_encryption_configuration"):
            target = self._target(block.config.get("bucket"), "aws_s3_bucket")
            for rule in as_list(block.config.get("rule")):
                for default in as_list(rule.get("apply_server_side_encryption_by_default")):
                    key = default.get("kms_master_key_id")
                    if target and key:
                        found[target] = str(self.resolve(key))
        return found

    def _target(self, value: Any, type_: str) -> str | None:
        """The address of the `type_` block that `value` refers to (by reference or name)."""
        if not isinstance(value, str):
            return None
        match = REFERENCE.fullmatch(value)
        if match and match.group(1).startswith(f"{type_}."):
            return ".".join(match.group(1).split(".")[:2])
        for block in self.doc.resources(type_):
            if block.config.get("name") == value or block.config.get("bucket") == value:
                return block.address
        return None

    def _attached(self, kind: str, owner: Block) -> list[Mapping[str, Any]]:
        """Statements of the inline and managed policies attached to a role, user or group."""
        statements: list[Mapping[str, Any]] = []
        inline, attachments = self._policy_blocks(kind)
        for block in inline.get(owner.address, ()):
            statements += self._policy(block.config.get("policy"))
        for block in attachments.get(owner.address, ()):
            policy = self._target(block.config.get("policy_arn"), "aws_iam_policy")
            found = self.doc.find(policy) if policy else None
            if found is not None:
                statements += self._policy(found.config.get("policy"))
        return statements

    def _policy_blocks(self, kind: str) -> tuple[dict[str, list[Block]], dict[str, list[Block]]]:
        """The `kind`'s inline policies and policy attachments by owner address, in document
        order; found once per kind (a search per owner made a stack of many roles quadratic)."""
        if kind not in self._attachments:
            tables: tuple[dict[str, list[Block]], dict[str, list[Block]]] = ({}, {})
            for table, type_ in zip(
                tables, (f"aws_iam_{kind}_policy", f"aws_iam_{kind}_policy_attachment"), strict=True
            ):
                for block in self.doc.resources(type_):
                    owner = self._target(block.config.get(kind), f"aws_iam_{kind}")
                    if owner is not None:
                        table.setdefault(owner, []).append(block)
            self._attachments[kind] = tables
        return self._attachments[kind]

    def _role(self, block: Block) -> None:
        arn = self.resolve("${" + block.address + ".arn}")
        trust = self._policy(block.config.get("assume_role_policy"))
        services = sorted(
            {
                str(service)
                for statement in trust
                for service in as_list((statement.get("Principal") or {}).get("Service"))
            }
        )
        self.model.identities[arn] = Identity(
            kind="role",
            name=_name(block.config, block.address),
            arn=arn,
            stack=self.stack,
            address=block.address,
            policies=tuple(self._attached("role", block)),
            trust=tuple(trust),
            workloads=tuple(trusted_workloads(block, self.doc)),
            trusted_by_service=tuple(services),
        )

    def _user(self, block: Block) -> None:
        arn = self.resolve("${" + block.address + ".arn}")
        statements = self._attached("user", block)
        for membership in self.doc.resources("aws_iam_user_group_membership"):
            if self._target(membership.config.get("user"), "aws_iam_user") != block.address:
                continue
            for group in as_list(membership.config.get("groups")):
                address = self._target(group, "aws_iam_group")
                found = self.doc.find(address) if address else None
                if found is not None:
                    statements += self._attached("group", found)
        self.model.identities[arn] = Identity(
            kind="user",
            name=_name(block.config, block.address),
            arn=arn,
            stack=self.stack,
            address=block.address,
            policies=tuple(statements),
            trust=(),
            workloads=(),
        )


def _name(config: Mapping[str, Any], address: str) -> str:
    """An IAM entity's name; one Terraform generates (no `name`: the replication role) stands as
    `<name_prefix><generated:address>`, unique per resource."""
    name = config.get("name")
    if isinstance(name, str) and name:
        return name
    return f"{config.get('name_prefix') or ''}<generated:{address}>"


def load_stacks(outdir: str, names: Iterable[str] | None = None) -> dict[str, Document]:
    """The synthesized stacks under a CDKTF output directory, by stack name; with `names`, only
    those of them that are there (an output directory keeps the stacks of every app synthesized
    into it)."""
    from pathlib import Path

    wanted = None if names is None else set(names)
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(Path(outdir).glob("stacks/*/cdk.tf.json"))
        if wanted is None or path.parent.name in wanted
    }
