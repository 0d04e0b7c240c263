"""S3 clients for the day-two commands, built from the standard AWS settings.

The destination (and `state`) use the SDK's own chain: `AWS_PROFILE`, `AWS_REGION`,
`AWS_ENDPOINT_URL_S3`, the shared config file (`s3 = addressing_style = path` included). A
migration's source is a MinIO, reached with its own keys and path-style addressing. Retries are
the SDK's standard mode; the commands retry whole objects on top of that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# Errors worth another attempt: throttling, server faults, timeouts, broken connections.
_RETRYABLE_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "503"}


@dataclass(frozen=True)
class ClientSettings:
    """How to reach one S3 API. `endpoint` = None: the SDK's (AWS, or `AWS_ENDPOINT_URL_S3`);
    `profile` = None: the SDK's chain; `access_key_id`/`secret_access_key` = None: from the
    profile or chain; `path_style` = False; `region` = None: the SDK's; `timeout` = 60 seconds
    per connect and per read; `pool` = 10 connections; `raw_timestamps` = False: True leaves
    the responses' timestamps as the server's text (for callers that never read them: parsing
    every listed object's date was a tenth of a migration's CPU)."""

    endpoint: str | None = None
    profile: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    path_style: bool = False
    timeout: float = 60.0
    pool: int = 10
    raw_timestamps: bool = False


class ClientSetupError(ValueError):
    """The SDK settings cannot make a client (an unknown profile, a broken config file)."""


def s3_client(settings: ClientSettings) -> Any:
    """A thread-safe S3 client (boto3 clients may be shared across threads)."""
    try:
        return _client(settings)
    except BotoCoreError as error:
        profile = settings.profile or os.environ.get("AWS_PROFILE")
        where = f"profile {profile!r}" if profile else "the AWS settings"
        raise ClientSetupError(f"{where}: {error}") from None


def _client(settings: ClientSettings) -> Any:
    # Imported here: boto3 takes 0.1 s to import, and `validate` reaches this module through
    # the command line's parsers without ever making a client.
    import boto3
    import botocore.session
    from botocore.config import Config

    core = botocore.session.get_session()
    if settings.raw_timestamps:
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_as_text)
    session = boto3.session.Session(profile_name=settings.profile, botocore_session=core)
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=settings.timeout,
        read_timeout=settings.timeout,
        max_pool_connections=settings.pool,
        s3={"addressing_style": "path"} if settings.path_style else None,
    )
    return session.client(
        "s3",
        endpoint_url=settings.endpoint,
        region_name=settings.region or session.region_name or os.environ.get("AWS_REGION"),
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        aws_session_token=settings.session_token,
        config=config,
    )


def _as_text(value: str) -> str:
    return value


def error_code(error: BaseException) -> str:
    """The S3 error code of a client error (`NoSuchKey`, `AccessDenied`, ...), else the
    exception's class name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def is_retryable(error: BaseException) -> bool:
    """Whether another attempt may succeed: not for a refusal (4xx) such as AccessDenied."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return status >= 500 or status in (408, 429) or error_code(error) in _RETRYABLE_CODES
    return isinstance(error, BotoCoreError | OSError) or type(error).__module__.startswith(
        ("s3transfer", "urllib3")
    )


def is_precondition_failed(error: BaseException) -> bool:
    """A 412: a conditional write (If-Match, If-None-Match) found the object changed."""
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 412 or error_code(error) == "PreconditionFailed"


def is_missing(error: BaseException) -> bool:
    """A 404: the object (or version) is not there."""
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or error_code(error) in ("NoSuchKey", "404", "NotFound")
