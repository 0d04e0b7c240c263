"""Request-path matrix under moto with IAM enforced: three tenants of one bucket, each confined to
its prefix. The roles, trust and identity policies are the synthesized ones (references resolved).

moto checks actions and resource ARNs but not conditions (so ListBucket scoping is proven in
test_list_conditions.py), and it cannot evaluate the TLS-only bucket policy, which is left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from tests.configurations import TENANT_PREFIXES
from tests.helpers import blocks, statements_of
from tests.policy_eval import identity_policy, trust_policy

Outcome = str  # "allowed" or the error code


@pytest.fixture(scope="module")
def matrix(synthesized: dict[str, dict[str, Any]]) -> Iterator[dict[tuple[str, str], Outcome]]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-2")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.core import enable_iam_authentication

    doc = synthesized["tenants"]
    buckets = {b.config["bucket"] for b in blocks(doc, "aws_s3_bucket")}
    shared, other = "example-tenants-tfstate", "example-other-bucket"
    assert buckets == {shared, other}

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-2")
        iam = boto3.client("iam", region_name="us-east-2")
        sts = boto3.client("sts", region_name="us-east-2")
        for bucket in (shared, other):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-east-2"}
            )
        credentials = {}
        for tenant in TENANT_PREFIXES:
            name = f"tenant-{tenant}"
            arn = iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy(doc, name))
            )["Role"]["Arn"]
            policy_arn = iam.create_policy(
                PolicyName=f"{name}-storage",
                PolicyDocument=json.dumps(identity_policy(doc, f"{name}-storage")),
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
            # moto cannot take web-identity calls once IAM is enforced: assume first.
            credentials[tenant] = sts.assume_role_with_web_identity(
                RoleArn=arn,
                RoleSessionName=f"runner-{tenant}",
                WebIdentityToken="token-of-" + tenant,
            )["Credentials"]

        outcomes: dict[tuple[str, str], Outcome] = {}
        with enable_iam_authentication():
            for tenant, creds in credentials.items():
                client = boto3.client(
                    "s3",
                    region_name="us-east-2",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )
                for label, call in requests(client, tenant, shared, other).items():
                    try:
                        call()
                        outcomes[(tenant, label)] = "allowed"
                    except ClientError as error:
                        outcomes[(tenant, label)] = error.response["Error"]["Code"]
        yield outcomes


def requests(client: Any, tenant: str, shared: str, other: str) -> dict[str, Callable[[], Any]]:
    own = TENANT_PREFIXES[tenant]
    calls: dict[str, Callable[[], Any]] = {
        "put own prefix": lambda: client.put_object(
            Bucket=shared, Key=f"{own}/env.tfstate", Body=b"{}"
        ),
        "get own prefix": lambda: client.get_object(Bucket=shared, Key=f"{own}/env.tfstate"),
        "put bucket root": lambda: client.put_object(Bucket=shared, Key="env.tfstate", Body=b"{}"),
        "get bucket root": lambda: client.get_object(Bucket=shared, Key="seed.tfstate"),
        "put other bucket": lambda: client.put_object(Bucket=other, Key=f"{own}/x", Body=b"{}"),
        "get other bucket": lambda: client.get_object(Bucket=other, Key=f"{own}/x"),
        "put bucket policy": lambda: client.put_bucket_policy(
            Bucket=shared, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})
        ),
        "put bucket acl": lambda: client.put_bucket_acl(Bucket=shared, ACL="public-read"),
        "delete bucket": lambda: client.delete_bucket(Bucket=shared),
    }
    for neighbour, prefix in TENANT_PREFIXES.items():
        if neighbour == tenant:
            continue
        key = f"{prefix}/env.tfstate"
        calls[f"put {neighbour} prefix"] = partial(
            client.put_object, Bucket=shared, Key=key, Body=b"{}"
        )
        calls[f"get {neighbour} prefix"] = partial(client.get_object, Bucket=shared, Key=key)
    return calls


def test_matrix_covers_every_tenant_and_request(matrix: dict[tuple[str, str], Outcome]) -> None:
    assert len(matrix) == 3 * 13


def test_each_tenant_can_write_and_read_its_own_prefix(
    matrix: dict[tuple[str, str], Outcome],
) -> None:
    for tenant in TENANT_PREFIXES:
        assert matrix[(tenant, "put own prefix")] == "allowed", tenant
        assert matrix[(tenant, "get own prefix")] == "allowed", tenant


def test_each_tenant_is_denied_every_other_tenants_prefix(
    matrix: dict[tuple[str, str], Outcome],
) -> None:
    for tenant in TENANT_PREFIXES:
        for neighbour in TENANT_PREFIXES:
            if neighbour != tenant:
                for verb in ("put", "get"):
                    assert matrix[(tenant, f"{verb} {neighbour} prefix")] == "AccessDenied"


def test_each_tenant_is_denied_the_bucket_root_and_other_buckets(
    matrix: dict[tuple[str, str], Outcome],
) -> None:
    for tenant in TENANT_PREFIXES:
        for request in ("bucket root", "other bucket"):
            for verb in ("put", "get"):
                assert matrix[(tenant, f"{verb} {request}")] == "AccessDenied"


def test_each_tenant_is_denied_bucket_administration(
    matrix: dict[tuple[str, str], Outcome],
) -> None:
    for tenant in TENANT_PREFIXES:
        for request in ("put bucket policy", "put bucket acl", "delete bucket"):
            assert matrix[(tenant, request)] == "AccessDenied", (tenant, request)


def test_the_synthesized_bucket_policy_was_only_tls_statements(
    synthesized: dict[str, dict[str, Any]],
) -> None:
    """What the matrix leaves out (moto cannot evaluate aws:SecureTransport) is only TLS denies."""
    for block in blocks(synthesized["tenants"], "aws_s3_bucket_policy"):
        sids = {s["sid"] for s in statements_of(synthesized["tenants"], block.config["policy"])}
        assert sids == {"DenyInsecureTransport", "DenyOutdatedTls"}
