"""Choosing the CDK core, and refusing a construct tree built with the other one."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from platform_storage.cdk import CORE, CoreError, TerraformStack, core_of, select_core
from platform_storage.constructs import PrivateBucket


def test_the_environment_variable_chooses_the_core() -> None:
    assert select_core("cdktn", {"cdktf", "cdktn"}) == "cdktn"
    assert select_core("cdktf", {"cdktf", "cdktn"}) == "cdktf"


def test_the_only_installed_core_is_chosen() -> None:
    assert select_core(None, {"cdktn"}) == "cdktn"
    assert select_core(None, {"cdktf"}) == "cdktf"


def test_cdktf_stays_the_default_when_both_are_installed() -> None:
    assert select_core(None, {"cdktf", "cdktn"}) == "cdktf"


@pytest.mark.parametrize(
    ("requested", "installed", "message"),
    [
        ("cdk8s", {"cdktf"}, "choose one of cdktf, cdktn"),
        ("cdktn", {"cdktf"}, "cdktn is not installed"),
        (None, set(), "no CDK core is installed"),
    ],
)
def test_unusable_choices_are_refused_in_one_sentence(
    requested: str | None, installed: set[str], message: str
) -> None:
    with pytest.raises(CoreError, match=message):
        select_core(requested, installed)


def test_a_tree_of_the_loaded_core_is_recognised() -> None:
    from platform_storage.cdk import App

    stack = TerraformStack(App(), "core")
    assert core_of(stack) == CORE


OTHER = "cdktn" if CORE == "cdktf" else "cdktf"


@pytest.mark.skipif(
    importlib.util.find_spec(OTHER) is None,
    reason=f"needs {OTHER} installed beside {CORE} (the CDK=cdktn virtualenv has both)",
)
def test_a_scope_from_the_other_core_is_refused_in_one_sentence() -> None:
    other = importlib.import_module(OTHER)
    stack = other.TerraformStack(other.App(), "theirs")
    with pytest.raises(CoreError) as raised:
        PrivateBucket(stack, "bucket", bucket_name="example-artifacts")
    message = str(raised.value)
    assert message == (
        f"theirs was built with {OTHER} but platform_storage loaded {CORE}: set"
        f" PLATFORM_STORAGE_CDK={OTHER} (and install that core) so both use one core"
    )
