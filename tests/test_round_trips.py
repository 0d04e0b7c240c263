"""What a runner costs in jsii round trips while the app is built.

Each call from Python into the CDK's Node process costs about a quarter of a millisecond, and
with hundreds of runners they were most of the synth. Counted, not timed: the count is the
same on every machine. A runner needs a handful of constructs (role, trust and storage
documents, inline policy) and a few references; paths, stacks and protocol checks are answered
in Python.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

import jsii
import pytest

from platform_storage.app import build_app
from platform_storage.plan import AppPlan, parse_plan
from platform_storage.render.files import render

_KERNEL_CALLS = ("create", "get", "set", "invoke", "sinvoke", "sget", "sset")

# Per runner: 5 constructs (the role's own node, its role, the trust and storage documents and
# the inline policy) and 4 reads (two documents' JSON, the role's id and its ARN).
MOST_CALLS_PER_RUNNER = 9


def _plan(runners: int) -> AppPlan:
    return parse_plan(
        {
            "aws": {"account_id": "123456789012", "region": "us-east-2"},
            "eks": {"oidc_issuer": "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLE"},
            "orchestrator": {
                "state_bucket": {"name": "round-trips-tfstate"},
                "runners": [
                    {
                        "id": f"runner-{index}",
                        "path_prefix": f"runners/r{index}",
                        "type": "kubernetes-eks",
                        "namespace": f"ns-{index}",
                        "service_account": "runner",
                    }
                    for index in range(runners)
                ],
            },
        }
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    counts: collections.Counter[str] = collections.Counter()
    for name in _KERNEL_CALLS:
        original = getattr(jsii, name)

        def call(*args: object, _original: object = original, _name: str = name) -> object:
            counts[_name] += 1
            assert callable(_original)
            return _original(*args)

        monkeypatch.setattr(jsii, name, call)
    yield counts


def _calls_to_build(plan: AppPlan, counts: collections.Counter[str], tmp: str) -> int:
    files = render(plan)
    counts.clear()
    build_app(plan, files, tmp)
    return sum(counts.values())


def test_each_further_runner_costs_a_handful_of_round_trips(
    counted: collections.Counter[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    few = _calls_to_build(_plan(2), counted, str(tmp_path_factory.mktemp("few")))
    many = _calls_to_build(_plan(12), counted, str(tmp_path_factory.mktemp("many")))
    assert few > 0  # the counting reaches the kernel
    assert (many - few) / 10 <= MOST_CALLS_PER_RUNNER
