"""Real peers for the tests: a local S3 API (moto's server, IAM enforced) loaded with what the
synthesized stacks create, and the real Terraform CLI driving its S3 backend against it.

moto enforces IAM actions and resources for the credentials of an assumed role, but it neither
evaluates conditions nor service or web-identity trust (its AssumeRole crashes on a `Service`
principal). So each role is created with its synthesized identity policy and a harness trust
that lets the admin assume it; the trust policies themselves are proven by Z3 in
test_system_isolation. Bucket policies (only the TLS-only denies) are left out: moto cannot
evaluate `aws:SecureTransport` and would deny every plain-HTTP request.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from platform_storage.analysis import SystemModel
from platform_storage.plan import RunnerPlan
from tests.apps import SynthesizedApp
from tests.conftest import ROOT
from tests.s3_servers import S3Server

ACCOUNT = "123456789012"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/harness-admin"
HARNESS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "sts:AssumeRole"}],
}
# The module the runners' jobs would apply, minus everything that needs a provider: one
# `terraform_data` (built into Terraform), replaced on every new value so that its create-time
# `local-exec` can hold the apply (and its lock) open for `hold` seconds.
MODULE = """terraform {
  backend "s3" {}
}

variable "value" {
  type = string
}

variable "hold" {
  type    = number
  default = 0
}

resource "terraform_data" "environment" {
  input            = var.value
  triggers_replace = [var.value]

  provisioner "local-exec" {
    command = "sleep ${var.hold}"
  }
}
"""


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def env(self) -> dict[str, str]:
        found = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            found["AWS_SESSION_TOKEN"] = self.session_token
        return found

    def boto(self) -> dict[str, str]:
        found = {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        if self.session_token:
            found["aws_session_token"] = self.session_token
        return found


class MotoServer(S3Server):
    """moto's server on a free loopback port, IAM enforced after the admin is created."""

    def __init__(self, workdir: Path, region: str) -> None:
        self.region = region
        super().__init__(workdir, env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
        try:
            self.admin = self._bootstrap()
        except BaseException:
            self.stop()
            raise

    def _bootstrap(self) -> Credentials:
        """The three requests before IAM is enforced: an admin user with a key."""
        iam = self.client("iam", Credentials("bootstrap", "bootstrap"))
        iam.create_user(UserName="harness-admin")
        iam.put_user_policy(
            UserName="harness-admin",
            PolicyName="everything",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="harness-admin")["AccessKey"]
        return Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    def client(self, service: str, credentials: Credentials | None = None) -> Any:
        creds = credentials or self.admin
        return boto3.client(service, endpoint_url=self.url, region_name=self.region, **creds.boto())

    def load(self, model: SystemModel) -> dict[str, Credentials]:
        """Create every bucket, role and user of `model` (policies as synthesized, references
        resolved); the credentials of each identity, by IAM name."""
        s3, iam, sts = self.client("s3"), self.client("iam"), self.client("sts")
        for bucket in model.buckets.values():
            location = (
                {}
                if bucket.region == "us-east-1"
                else {"CreateBucketConfiguration": {"LocationConstraint": bucket.region}}
            )
            s3.create_bucket(Bucket=bucket.name, **location)
        found: dict[str, Credentials] = {}
        for identity in model.identities.values():
            path = identity.arn.split(":", 5)[5].split("/", 1)[1].rsplit("/", 1)[0]
            path = f"/{path}/" if path != identity.name else "/"
            policy = json.dumps({"Version": "2012-10-17", "Statement": list(identity.policies)})
            if identity.kind == "role":
                iam.create_role(
                    RoleName=identity.name,
                    Path=path,
                    AssumeRolePolicyDocument=json.dumps(HARNESS_TRUST),
                )
                if identity.policies:
                    iam.put_role_policy(
                        RoleName=identity.name, PolicyName="storage", PolicyDocument=policy
                    )
                assumed = sts.assume_role(RoleArn=identity.arn, RoleSessionName="harness")
                creds = assumed["Credentials"]
                found[identity.name] = Credentials(
                    creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
                )
            else:
                iam.create_user(UserName=identity.name, Path=path)
                if identity.policies:
                    iam.put_user_policy(
                        UserName=identity.name, PolicyName="storage", PolicyDocument=policy
                    )
                key = iam.create_access_key(UserName=identity.name)["AccessKey"]
                found[identity.name] = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return found


class Terraform:
    """The real Terraform CLI with the S3 backend the runner's job writes (`bucket` and `key`
    only); the rest of the backend settings point it at the local S3 API."""

    binary = shutil.which("terraform")

    def __init__(self, server: MotoServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir

    def workspace(self, name: str) -> Path:
        path = self.workdir / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        path.mkdir(parents=True, exist_ok=True)
        (path / "main.tf").write_text(MODULE)
        return path

    def environment(self, credentials: Credentials, job: Mapping[str, str]) -> dict[str, str]:
        """The job's environment as the rendered runner file sets it (`AWS_REGION`, and
        `TF_CLI_ARGS_init` for locking), with the runner's credentials."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.workdir),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(ROOT / ".terraformrc"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            **job,
            **credentials.env(),
        }

    def init(
        self, path: Path, *, bucket: str, key: str, env: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        url = self.server.url
        settings = {
            "bucket": bucket,
            "key": key,
            "endpoints": f'{{s3="{url}",sts="{url}",iam="{url}"}}',
            "use_path_style": "true",
            "skip_credentials_validation": "true",
            "skip_requesting_account_id": "true",
            "skip_metadata_api_check": "true",
            "skip_region_validation": "true",
        }
        args = [f"-backend-config={name}={value}" for name, value in settings.items()]
        return self._run(["init", "-input=false", "-no-color", "-reconfigure", *args], path, env)

    def apply_command(self, value: str, hold: int = 0) -> list[str]:
        assert self.binary is not None
        return [
            self.binary,
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            f"-var=value={value}",
            f"-var=hold={hold}",
        ]

    def apply(
        self, path: Path, value: str, env: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        return self._run(self.apply_command(value)[1:], path, env)

    def _run(
        self, args: list[str], path: Path, env: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        assert self.binary is not None
        return subprocess.run(
            [self.binary, *args],
            cwd=path,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=120,
        )


def job_environment(document: Mapping[str, Any]) -> dict[str, str]:
    """The environment a rendered runner document gives its job: ECS `job.environment`, or the
    plain `env` entries of container `main` of the pod template."""
    configuration = document["runner_configuration"]
    job = configuration["job"]
    if configuration["type"] == "serverless-ecs":
        return {k: str(v) for k, v in job["environment"].items()}
    (main,) = [c for c in job["pod_template"]["spec"]["containers"] if c["name"] == "main"]
    return {e["name"]: str(e["value"]) for e in main["env"] if "value" in e}


class Peer:
    """One synthesized app loaded into its own local S3 API."""

    def __init__(
        self,
        app: SynthesizedApp,
        workdir: Path,
        config_path: Path | None = None,
        *,
        label: str = "app",
    ) -> None:
        self.app = app
        self.config_path = config_path  # the file the app was synthesized from, for the CLI
        self.label = label  # what the test summary calls the scenario
        self.model = SystemModel.from_stacks(app.stacks)
        self.server = MotoServer(workdir, app.plan.account.region)
        try:
            self.credentials = self.server.load(self.model)
        except BaseException:
            self.server.stop()
            raise
        self.terraform = Terraform(self.server, workdir / "terraform")

    @property
    def runners(self) -> tuple[RunnerPlan, ...]:
        return self.app.plan.orchestrator.runners if self.app.plan.orchestrator else ()

    def env(self, runner: RunnerPlan) -> dict[str, str]:
        document = yaml.safe_load(self.app.rendered[runner.files.document])
        credentials: Credentials = self.credentials[runner.identity.name]
        return self.terraform.environment(credentials, job_environment(document))

    def state(self, bucket: str, key: str) -> dict[str, Any]:
        body = self.server.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return dict(json.loads(body))
