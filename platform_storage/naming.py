"""The rules every name and free-text value obeys, written once. No CDK import.

Each `*_problems(value)` returns the rules `value` breaks, as short sentences that quote it; an
empty list means it is valid. The patterns are ASCII-only and match the whole value (`fullmatch`
with `re.ASCII`): `$` in a Python pattern also matches before a final newline, and `\\d` or `\\w`
would let Unicode digits and letters through to AWS, Kubernetes and file names.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass


def _pattern(expression: str) -> re.Pattern[str]:
    return re.compile(expression, re.ASCII)


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.fullmatch(value) is not None


# One pattern per kind of name; other modules use these through the functions below.
DNS1123_LABEL = _pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = _pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
IAM_NAME = _pattern(r"[A-Za-z0-9+=,.@_-]+")
IAM_PATH = _pattern(r"/|/[\x21-\x7e]+/")
ACCOUNT_ID = _pattern(r"[0-9]{12}")
SEMVER = _pattern(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
)
RUNNER_ID = _pattern(r"[a-z][a-z0-9-]*[a-z0-9]")
SESSION_NAME = _pattern(r"[A-Za-z0-9+=,.@_-]{3,64}")
# The Orchestrator API's region fields (ECS `job.region`, `auth.sts_region`): `us-gov-west-1` fails.
ORCHESTRATOR_REGION = _pattern(r"[a-z]{2}-[a-z]+-[0-9]")
TAG_CHARACTERS = _pattern(r"[A-Za-z0-9 _.:/=+@-]*")
SUBNET_ID = _pattern(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})")
SECURITY_GROUP_ID = _pattern(r"sg-([0-9a-f]{8}|[0-9a-f]{17})")
# A Terraform identifier (output, resource name): a letter or '_' first.
IDENTIFIER = _pattern(r"[A-Za-z_][A-Za-z0-9_-]*")
EKS_CLUSTER_NAME = _pattern(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
ECS_CLUSTER = _pattern(
    r"[A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}"
)
_BUCKET_CHARS = _pattern(r"[a-z0-9.-]+")
_BUCKET_EDGE = _pattern(r"[a-z0-9]")
_IPV4 = _pattern(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# Text that reaches IAM (role descriptions) may hold printable ASCII and Latin-1 only.
_IAM_TEXT = _pattern(r"[\x20-\x7e\xa1-\xff]*")
# Terraform reads `${` and `%{` in any string of a configuration as a template.
TEMPLATE_SEQUENCES = ("${", "%{")

IAM_NAME_MAX = 64
HELM_RELEASE_MAX = 53
DESCRIPTION_MAX = 1000
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256

Problems = Callable[[str], list[str]]


def bucket_name_problems(name: str) -> list[str]:
    """Every S3 general-purpose bucket naming rule that `name` breaks."""
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"{name!r} must be 3 to 63 characters long")
    if not _matches(_BUCKET_CHARS, name):
        problems.append(f"{name!r} may contain only lowercase letters, digits, '.' and '-'")
    if name and not (_matches(_BUCKET_EDGE, name[0]) and _matches(_BUCKET_EDGE, name[-1])):
        problems.append(f"{name!r} must begin and end with a lowercase letter or digit")
    if ".." in name:
        problems.append(f"{name!r} may not contain two adjacent periods")
    if _matches(_IPV4, name):
        problems.append(f"{name!r} may not be formatted as an IP address")
    problems += [
        f"{name!r} may not start with the reserved prefix {prefix!r}"
        for prefix in _RESERVED_BUCKET_PREFIXES
        if name.startswith(prefix)
    ]
    problems += [
        f"{name!r} may not end with the reserved suffix {suffix!r}"
        for suffix in _RESERVED_BUCKET_SUFFIXES
        if name.endswith(suffix)
    ]
    return problems


def namespace_problems(name: str) -> list[str]:
    """Kubernetes namespace: a DNS-1123 label (63 characters at most)."""
    if len(name) > 63 or not _matches(DNS1123_LABEL, name):
        return [
            f"{name!r} must be a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters"
        ]
    return []


def service_account_problems(name: str) -> list[str]:
    """Kubernetes service account: a DNS-1123 subdomain (253 characters at most)."""
    if len(name) > 253 or not _matches(DNS1123_SUBDOMAIN, name):
        return [
            f"{name!r} must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit"
        ]
    return []


def helm_release_problems(name: str) -> list[str]:
    """A Helm release name: a DNS-1123 subdomain of at most 53 characters (Helm's own rule)."""
    if len(name) > HELM_RELEASE_MAX or not _matches(DNS1123_SUBDOMAIN, name):
        return [
            f"{name!r} must be a Helm release name: lowercase letters, digits, '-' and '.',"
            f" at most {HELM_RELEASE_MAX} characters"
        ]
    return []


def chart_name_override_problems(name: str) -> list[str]:
    """`fullnameOverride` / `nameOverride`: the chart names Services and service accounts
    after it, so it must be a DNS-1123 label."""
    if len(name) > 63 or not _matches(DNS1123_LABEL, name):
        return [
            f"{name!r} must be a DNS-1123 label (lowercase letters, digits and '-', starting and"
            " ending with a letter or digit, at most 63 characters): the chart names Kubernetes"
            " objects after it"
        ]
    return []


def iam_name_problems(name: str) -> list[str]:
    """An IAM role or user name. IAM compares names case-insensitively (see `iam_name_key`)."""
    if not 1 <= len(name) <= IAM_NAME_MAX or not _matches(IAM_NAME, name):
        return [
            f"{name!r} must be 1 to {IAM_NAME_MAX} characters of ASCII letters, digits and"
            " '+=,.@_-'"
        ]
    return []


def iam_name_key(name: str) -> str:
    """How IAM compares names: `Team-A` and `team-a` are the same role."""
    return name.casefold()


def iam_path_problems(path: str) -> list[str]:
    problems = []
    if len(path) > 512 or not _matches(IAM_PATH, path):
        problems.append(
            f"{path!r} must start and end with '/' and hold only printable ASCII (for example"
            " '/platform-storage/')"
        )
    problems += template_problems(path)
    return problems


def account_id_problems(account_id: str) -> list[str]:
    if not _matches(ACCOUNT_ID, account_id):
        return [f"{account_id!r} must be exactly 12 ASCII digits, written as a string"]
    return []


def semver_problems(version: str) -> list[str]:
    if not _matches(SEMVER, version):
        return [f"{version!r} must be a semantic version such as '0.2.0'"]
    return []


def semver_tuple(version: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(version)
    if match is None:
        raise ValueError("; ".join(semver_problems(version)))
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def runner_id_problems(runner_id: str) -> list[str]:
    """A runner id: the Orchestrator's `^[a-z][a-z0-9_-]+$`, narrowed so that it can name
    Kubernetes objects, files and Terraform outputs without being rewritten."""
    if not 2 <= len(runner_id) <= 63 or not _matches(RUNNER_ID, runner_id):
        return [
            f"{runner_id!r} must be 2 to 63 characters: a lowercase letter first (the"
            " Orchestrator's rule ^[a-z][a-z0-9_-]+$), then lowercase letters, digits and '-',"
            " ending with a letter or digit ('_' is left out: the id also names Kubernetes"
            " objects)"
        ]
    return []


def session_name_problems(name: str) -> list[str]:
    """`auth.session_name`: the Orchestrator allows 3 to 64 of `[a-zA-Z0-9+=,.@_/-]`, and STS,
    which receives it as RoleSessionName, refuses '/'."""
    if not _matches(SESSION_NAME, name):
        return [
            f"{name!r} must be 3 to 64 characters of ASCII letters, digits and '+=,.@_-' (the"
            " Orchestrator's pattern, without the '/' that STS refuses in a session name)"
        ]
    return []


def tag_key_problems(key: str) -> list[str]:
    problems = []
    if not 1 <= len(key) <= TAG_KEY_MAX:
        problems.append(f"tag key {key!r} must be 1 to {TAG_KEY_MAX} characters")
    if not _matches(TAG_CHARACTERS, key):
        problems.append(
            f"tag key {key!r} may contain only ASCII letters, digits, spaces and '_.:/=+-@'"
        )
    if key.lower().startswith("aws:"):
        problems.append(f"tag key {key!r} uses the prefix 'aws:', which AWS reserves")
    return problems


def tag_value_problems(value: str) -> list[str]:
    problems = []
    if len(value) > TAG_VALUE_MAX:
        problems.append(f"tag value {value!r} must be at most {TAG_VALUE_MAX} characters")
    if not _matches(TAG_CHARACTERS, value):
        problems.append(
            f"tag value {value!r} may contain only ASCII letters, digits, spaces and '_.:/=+-@'"
        )
    return problems


TAGS_MAX = 50


def tags_problems(tags: dict[str, str] | object) -> list[str]:
    """A set of tags: each key and value by its rules, keys unique without case (IAM compares
    them so), at most 50 (AWS's limit per resource)."""
    if not isinstance(tags, dict):
        return []
    problems = [
        problem
        for key, value in tags.items()
        for problem in tag_key_problems(key) + tag_value_problems(value)
    ]
    seen: dict[str, str] = {}
    for key in tags:
        if key.casefold() in seen:
            problems.append(f"tag keys {seen[key.casefold()]!r} and {key!r} differ only in case")
        seen.setdefault(key.casefold(), key)
    if len(tags) > TAGS_MAX:
        problems.append(f"at most {TAGS_MAX} tags (found {len(tags)})")
    return problems


def description_problems(text: str) -> list[str]:
    """Free text that reaches IAM and the Orchestrator: one line of printable ASCII or Latin-1,
    at most 1,000 characters (IAM's limit for descriptions)."""
    problems = []
    if len(text) > DESCRIPTION_MAX:
        problems.append(f"must be at most {DESCRIPTION_MAX} characters (found {len(text)})")
    if not _matches(_IAM_TEXT, text):
        problems.append(f"{text!r} may hold only printable ASCII or Latin-1 characters on one line")
    return problems


def subnet_problems(subnet: str) -> list[str]:
    if not _matches(SUBNET_ID, subnet):
        return [f"{subnet!r} must be a subnet id: 'subnet-' and 8 or 17 hex digits"]
    return []


def security_group_problems(group: str) -> list[str]:
    if not _matches(SECURITY_GROUP_ID, group):
        return [f"{group!r} must be a security group id: 'sg-' and 8 or 17 hex digits"]
    return []


def eks_cluster_name_problems(name: str) -> list[str]:
    if not _matches(EKS_CLUSTER_NAME, name):
        return [
            f"{name!r} must be an EKS cluster name: 1 to 100 ASCII letters, digits, '-' and '_',"
            " starting with a letter or digit"
        ]
    return []


def ecs_cluster_problems(cluster: str) -> list[str]:
    if not _matches(ECS_CLUSTER, cluster):
        return [
            f"{cluster!r} must be an ECS cluster name (1 to 255 ASCII letters, digits, '-' and"
            " '_') or a cluster ARN"
        ]
    return []


# How both CDK cores write an unresolved string token (`${TfToken[TOKEN.7]}`).
TOKEN_MARKER = "${TfToken["


def is_token(value: object) -> bool:
    """A value that is still a CDK token: it is checked by Terraform, not here."""
    return isinstance(value, str) and TOKEN_MARKER in value


# The Orchestrator's pattern for `runner_configuration.key` (at most 200 characters), and the
# DER header of an ed25519 SubjectPublicKeyInfo, which its docs ask for.
AGENT_KEY = re.compile(
    r"-----BEGIN PUBLIC KEY-----\n([^\n]+)\n-----END PUBLIC KEY-----\n?", re.ASCII
)
ED25519_SPKI = "MCowBQYDK2VwAyEA"


def agent_key_problems(key: str) -> list[str]:
    """A kubernetes-agent runner's public key: one PEM block with one base64 line (the
    Orchestrator's pattern), an ed25519 key (its docs), at most 200 characters."""
    match = AGENT_KEY.fullmatch(key)
    if match is None or len(key) > 200:
        return [
            "must be a PEM public key of at most 200 characters: '-----BEGIN PUBLIC KEY-----',"
            " one base64 line, '-----END PUBLIC KEY-----' (the Orchestrator's pattern)"
        ]
    body = match.group(1)
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        return [f"{body[:20]!r}... is not base64"]
    if not body.startswith(ED25519_SPKI) or len(raw) != 44:
        return ["must be an ed25519 public key (`openssl genpkey -algorithm ed25519`)"]
    return []


def template_problems(value: str) -> list[str]:
    """Terraform would evaluate `${...}` or `%{...}` inside the value."""
    return [
        f"{value!r} may not contain {sequence!r}, which Terraform reads as a template"
        for sequence in TEMPLATE_SEQUENCES
        if sequence in value
    ]


def shorten(text: str, limit: int = 60) -> str:
    """`text`, cut to `limit` characters with '...' when longer (a value quoted in a message)."""
    return text if len(text) <= limit else text[:limit] + "..."


def terraform_literal(value: str) -> str:
    """`value` as a Terraform JSON string that means exactly `value`: `${` and `%{` escaped."""
    return value.replace("${", "$${").replace("%{", "%%{")


def output_name(value: str) -> str:
    """A Terraform output or identifier name derived from `value` (`a-b.c` -> `a_b_c`); two
    values may normalise alike, so callers refuse collisions (see `platform_storage.plan`)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", value)


@dataclass(frozen=True)
class StaticOutputs:
    """The Terraform outputs of a static identity's key id and (sensitive) secret,
    `<prefix>_access_key_id` and `<prefix>_secret_access_key`, and of the ARNs of the secrets
    that hold them (`constructs.KeySecrets`): named here only, for the constructs that create
    them and for the plan and `render --outputs` that read them."""

    prefix: str

    @classmethod
    def named(cls, stem: str) -> StaticOutputs:
        return cls(output_name(stem))

    @property
    def access_key_id(self) -> str:
        return f"{self.prefix}_access_key_id"

    @property
    def secret_access_key(self) -> str:
        return f"{self.prefix}_secret_access_key"

    @property
    def access_key_id_secret_arn(self) -> str:
        """When the keys live in Secrets Manager (see `constructs.KeySecrets`)."""
        return f"{self.prefix}_access_key_id_secret_arn"

    @property
    def secret_access_key_secret_arn(self) -> str:
        return f"{self.prefix}_secret_access_key_secret_arn"
