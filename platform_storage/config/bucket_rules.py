"""Cross-field rules about buckets: their names, keys, options and log targets."""

from __future__ import annotations

from collections.abc import Iterator

from platform_storage.aws import parse_arn, partition_of_region
from platform_storage.bucket_options import BucketOptions, option_problems
from platform_storage.config.errors import Problem
from platform_storage.config.parts import Parts


def bucket_options(parts: Parts) -> list[Problem]:
    """Each options set against its bucket kind, and user ARNs against the partition."""
    problems: list[Problem] = []
    for at, options, state, name in _option_sets(parts):
        problems += [
            (f"{at}.{field}", problem)
            for field, problem in option_problems(options, state=state, bucket_name=name)
        ]
        problems += _partition_problems(at, options, parts.partition)
    return problems + _inherited_state_problems(parts, problems)


def _inherited_state_problems(parts: Parts, found: list[Problem]) -> list[Problem]:
    """With no `state_bucket_options`, the state bucket takes `bucket_options` (less their
    retention): what they break only for a state bucket is blamed on `bucket_options`."""
    md = parts.massdriver
    if md is None or md.buckets is None or md.state_bucket_options is not None:
        return []
    problems = []
    for field, problem in option_problems(
        md.state_options, state=True, bucket_name=md.buckets.state
    ):
        at = f"massdriver.bucket_options.{field}"
        if (at, problem) not in found:
            problems.append(
                (
                    at,
                    f"{problem} (the state bucket inherits bucket_options; set"
                    " massdriver.state_bucket_options to give it its own)",
                )
            )
    return problems


def _option_sets(parts: Parts) -> Iterator[tuple[str, BucketOptions, bool, str | None]]:
    md = parts.massdriver
    if md is not None:
        yield "massdriver.bucket_options", md.bucket_options, False, None
        if md.state_bucket_options is not None:
            # Checked merged with bucket_options, as the state bucket will receive them.
            state_name = md.buckets.state if md.buckets else None
            yield "massdriver.state_bucket_options", md.state_options, True, state_name
    if parts.state_bucket is not None:
        bucket = parts.state_bucket
        yield "orchestrator.state_bucket", bucket, True, bucket.name


def _partition_problems(at: str, options: BucketOptions, partition: str | None) -> list[Problem]:
    """User ARNs of the options' partition; a default-encryption key of the bucket's region
    is checked in `bucket_keys`."""
    if partition is None:
        return []
    arns = [("kms_key_arn", options.kms_key_arn)]
    if options.replication is not None:
        arns += [
            ("replication.destination_bucket_arn", options.replication.destination_bucket_arn),
            ("replication.destination_kms_key_arn", options.replication.destination_kms_key_arn),
        ]
    problems = []
    for field, value in arns:
        arn = parse_arn(value) if value else None
        if arn is not None and arn.partition != partition:
            problems.append((f"{at}.{field}", f"{value!r} is not in partition {partition!r}"))
    return problems


def bucket_keys(parts: Parts) -> list[Problem]:
    """SSE-KMS needs a key in the bucket's own region; the backend's key belongs to its."""
    aws = parts.aws
    if aws is None:
        return []
    problems = []
    keys = [
        (f"{at}.kms_key_arn", options.kms_key_arn, aws.region)
        for at, options, _, _ in _option_sets(parts)
    ]
    if parts.backend is not None:
        backend_region = parts.backend.region or aws.region
        keys.append(("backend.kms_key_id", parts.backend.kms_key_id, backend_region))
        if partition_of_region(backend_region) != aws.partition:
            problems.append(
                (
                    "backend.region",
                    f"{backend_region!r} is not a region of partition {aws.partition!r}",
                )
            )
    for at, key, region in keys:
        arn = parse_arn(key) if key else None
        if arn is None:
            continue
        if arn.partition != aws.partition:
            problems.append((at, f"{key!r} is not in partition {aws.partition!r}"))
        elif arn.region != region:
            problems.append(
                (
                    at,
                    f"{key!r} is in {arn.region}; the key must be in {region}, the bucket's region",
                )
            )
    return problems


def logging_targets(parts: Parts) -> list[Problem]:
    """Access logs go to a dedicated log bucket: into a bucket of this file they would mix with
    its objects (and reach whoever reads them)."""
    names = _bucket_owners(parts)
    problems = []
    for at, options, _, _ in _option_sets(parts):
        logging = options.access_logging
        if logging is not None and logging.target_bucket in names:
            problems.append(
                (
                    f"{at}.access_logging.target_bucket",
                    f"{logging.target_bucket!r} is a bucket of this file"
                    f" ({names[logging.target_bucket]}); send access logs to a dedicated log"
                    " bucket",
                )
            )
    return problems


def _bucket_owners(parts: Parts) -> dict[str, str]:
    names: dict[str, str] = {}
    md = parts.massdriver
    if md is not None:
        if md.buckets is not None:
            names.setdefault(md.buckets.massdriver, "massdriver.buckets.massdriver")
            names.setdefault(md.buckets.state, "massdriver.buckets.state")
        if md.argo.bucket is not None:
            names.setdefault(md.argo.bucket, "massdriver.argo.bucket")
    if parts.state_bucket is not None:
        names.setdefault(parts.state_bucket.name, "orchestrator.state_bucket.name")
    if parts.backend is not None:
        names.setdefault(parts.backend.bucket, "backend.bucket")
    return names


def bucket_names(parts: Parts) -> list[Problem]:
    """Bucket names are unique in the file, and no replication writes into one of them."""
    names: list[tuple[str, str]] = []
    md = parts.massdriver
    if md is not None:
        if md.buckets is not None:
            names += [
                ("massdriver.buckets.massdriver", md.buckets.massdriver),
                ("massdriver.buckets.state", md.buckets.state),
            ]
        if md.argo.bucket is not None:
            names.append(("massdriver.argo.bucket", md.argo.bucket))
    if parts.state_bucket is not None:
        names.append(("orchestrator.state_bucket.name", parts.state_bucket.name))
    if parts.backend is not None:
        names.append(("backend.bucket", parts.backend.bucket))
    first: dict[str, str] = {}
    problems = []
    for path, name in names:
        if name in first:
            problems.append(
                (path, f"{name!r} is already used by {first[name]}; bucket names must be unique")
            )
        first.setdefault(name, path)
    destinations: dict[str, str] = {}
    for at, options, _, own in _option_sets(parts):
        if options.replication is None:
            continue
        arn = parse_arn(options.replication.destination_bucket_arn)
        target = arn.resource if arn else ""
        if target in destinations:
            problems.append(
                (
                    f"{at}.replication.destination_bucket_arn",
                    f"replicates into {target!r}, as {destinations[target]} does; the replicas"
                    " of two buckets would mix (and a delete marker of one would hide the"
                    " other's object): give each bucket its own destination",
                )
            )
        destinations.setdefault(target, f"{at}.replication")
        if target in first and target != own:
            problems.append(
                (
                    f"{at}.replication.destination_bucket_arn",
                    f"replicates into {target!r}, which {first[target]} names; replicas would"
                    " mix with that bucket's own objects",
                )
            )
    return problems
