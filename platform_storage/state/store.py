"""Where a runner keeps its environments' state, `(<path_prefix>/)<environment uuid>.tfstate`,
and what S3 holds of it: the current object, its versions and the S3-native lock file."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from platform_storage.s3_clients import is_missing, is_precondition_failed
from platform_storage.state.tfstate import StateError, StateInfo, info, parse

SUFFIX = ".tfstate"
LOCK_SUFFIX = ".tflock"
READERS = 16  # state objects are small: fetch many at once
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Location:
    """A runner's bucket and prefix (None: the bucket's root)."""

    bucket: str
    prefix: str | None

    def key(self, environment: str) -> str:
        return f"{self.prefix}/{environment}{SUFFIX}" if self.prefix else f"{environment}{SUFFIX}"

    def lock_key(self, environment: str) -> str:
        return self.key(environment) + LOCK_SUFFIX


@dataclass(frozen=True)
class StateVersion:
    """One version of a state object: parsed, as stored, its version id and ETag."""

    document: dict[str, Any]
    content: bytes
    version_id: str
    etag: str


@dataclass(frozen=True)
class StateObject:
    """One environment's current state, or one version of it. `info` is None for a delete
    marker or when the content is no state (`problem` says why)."""

    key: str
    version_id: str | None
    last_modified: datetime
    size: int
    is_latest: bool
    delete_marker: bool = False
    info: StateInfo | None = None
    problem: str | None = None


def _parallel(function: Callable[[T], R], items: list[T]) -> list[R]:
    if not items:
        return []
    with ThreadPoolExecutor(min(READERS, len(items))) as pool:
        return list(pool.map(function, items))


class StateStore:
    def __init__(self, client: Any, location: Location) -> None:
        self.client = client
        self.location = location

    def environments(self) -> list[StateObject]:
        """Each `<uuid>.tfstate` directly under the prefix, with what its content says."""
        prefix = f"{self.location.prefix}/" if self.location.prefix else ""
        listed: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix, Delimiter="/"):
            listed += [o for o in page.get("Contents", []) if o["Key"].endswith(SUFFIX)]
        return _parallel(self._current, listed)

    def _current(self, listed: dict[str, Any]) -> StateObject:
        state, problem = self._read_info(listed["Key"], None)
        return StateObject(
            key=listed["Key"],
            version_id=None,
            last_modified=listed["LastModified"],
            size=int(listed["Size"]),
            is_latest=True,
            info=state,
            problem=problem,
        )

    def versions(self, environment: str) -> list[StateObject]:
        """Every version of the environment's state, newest first, delete markers included."""
        key = self.location.key(environment)
        found: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.location.bucket, Prefix=key):
            found += [dict(v, Marker=False) for v in page.get("Versions", []) if v["Key"] == key]
            found += [
                dict(v, Marker=True, Size=0)
                for v in page.get("DeleteMarkers", [])
                if v["Key"] == key
            ]
        found.sort(key=lambda v: (v["LastModified"], v.get("IsLatest", False)), reverse=True)
        return _parallel(self._version, found)

    def _version(self, listed: dict[str, Any]) -> StateObject:
        state, problem = (None, None)
        if not listed["Marker"]:
            state, problem = self._read_info(listed["Key"], listed["VersionId"])
        return StateObject(
            key=listed["Key"],
            version_id=listed["VersionId"],
            last_modified=listed["LastModified"],
            size=int(listed["Size"]),
            is_latest=bool(listed.get("IsLatest")),
            delete_marker=listed["Marker"],
            info=state,
            problem=problem,
        )

    def _read_info(self, key: str, version_id: str | None) -> tuple[StateInfo | None, str | None]:
        try:
            version = self.read_key(key, version_id)
        except StateError as error:
            return None, str(error)
        return info(version.document), None

    def read(self, environment: str, version_id: str | None = None) -> StateVersion:
        """One version of the environment's state (the current one when None)."""
        return self.read_key(self.location.key(environment), version_id)

    def read_key(self, key: str, version_id: str | None) -> StateVersion:
        extra = {"VersionId": version_id} if version_id else {}
        response = self.client.get_object(Bucket=self.location.bucket, Key=key, **extra)
        content = response["Body"].read()
        found = str(response.get("VersionId"))
        try:
            document = parse(content)
        except StateError as error:
            raise StateError(f"{key} version {found}: {error}") from None
        return StateVersion(document, content, found, str(response["ETag"]))

    def _head(self, key: str) -> dict[str, Any] | None:
        """The object's HeadObject answer, or None when there is no current object."""
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.location.bucket, Key=key)
        except Exception as error:
            if is_missing(error):
                return None
            raise
        return head

    def lock(self, environment: str) -> datetime | None:
        """When the environment's lock file was written, or None when there is none."""
        head = self._head(self.location.lock_key(environment))
        modified: datetime | None = head["LastModified"] if head else None
        return modified

    def acquire_lock(self, environment: str, lock_info: dict[str, str]) -> str | None:
        """Take the environment's S3-native lock as Terraform does (create `<key>.tflock` only
        if there is none); its ETag, or None when someone holds it."""
        try:
            response = self.client.put_object(
                Bucket=self.location.bucket,
                Key=self.location.lock_key(environment),
                Body=json.dumps(lock_info).encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except Exception as error:
            if is_precondition_failed(error):
                return None
            raise
        return str(response["ETag"])

    def release_lock(self, environment: str, etag: str) -> None:
        """Remove the lock this process took, and only if it is still that one."""
        self.client.delete_object(
            Bucket=self.location.bucket, Key=self.location.lock_key(environment), IfMatch=etag
        )

    def head(self, environment: str) -> tuple[str, str] | None:
        """The current version id and ETag of the environment's state, whatever its content;
        None when there is no current object (never written, or behind a delete marker)."""
        head = self._head(self.location.key(environment))
        return (str(head.get("VersionId")), str(head["ETag"])) if head else None

    def write(self, environment: str, content: bytes, *, if_match: str | None) -> str:
        """A new current version, only if the current one is still `if_match` (its ETag), or,
        with None, only if there is still no current object."""
        condition = {"IfMatch": if_match} if if_match is not None else {"IfNoneMatch": "*"}
        response = self.client.put_object(
            Bucket=self.location.bucket,
            Key=self.location.key(environment),
            Body=content,
            ContentType="application/json",
            **condition,
        )
        return str(response.get("VersionId"))
