"""The public API documents itself: every construct, option and grant method exported by
`platform_storage.constructs` and `platform_storage.stacks` has a docstring that states each
default as "`name` = value"."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import platform_storage.constructs
import platform_storage.stacks
from platform_storage.cdk import CORE
from tests.conftest import ROOT

PUBLIC = {
    f"{module.__name__}.{name}": getattr(module, name)
    for module in (platform_storage.constructs, platform_storage.stacks)
    for name in module.__all__
}
# Parameters every construct takes as CDK constructs do. (`**options` of the roles has no
# default of its own: its keys are documented on `WorkloadRole`.)
CONVENTIONAL = {"self", "scope", "id"}


def _own_doc(obj: Any) -> str:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _defaults(function: Any) -> Iterator[str]:
    for name, parameter in inspect.signature(function).parameters.items():
        if name not in CONVENTIONAL and parameter.default is not inspect.Parameter.empty:
            yield name


def _field_defaults(cls: type) -> Iterator[str]:
    if issubclass(cls, BaseModel):
        yield from (n for n, f in cls.model_fields.items() if not f.is_required())
    elif dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                yield f.name


def _public_methods(cls: type) -> Iterator[tuple[str, Any]]:
    for name, member in cls.__dict__.items():
        if name.startswith("_") or not callable(member):
            continue
        if isinstance(member, (classmethod, staticmethod)):
            member = member.__func__
        yield name, member


def _states_default(doc: str, name: str) -> bool:
    return re.search(rf"`{re.escape(name)}`\s*=", doc) is not None


def _problems(qualified: str, obj: Any) -> list[str]:
    doc = _own_doc(obj)
    if not doc:
        return [f"{qualified} has no docstring"]
    if not inspect.isclass(obj):
        return [
            f"{qualified}: default of `{n}` not stated"
            for n in _defaults(obj)
            if not _states_default(doc, n)
        ]
    problems = []
    # A dataclass's generated __init__ takes its fields, checked below.
    if "__init__" in obj.__dict__ and not dataclasses.is_dataclass(obj):
        problems += [
            f"{qualified}: default of `{n}` not stated"
            for n in _defaults(obj.__init__)
            if not _states_default(doc, n)
        ]
    problems += [
        f"{qualified}: default of field `{n}` not stated"
        for n in _field_defaults(obj)
        if not _states_default(doc, n)
    ]
    for name, method in _public_methods(obj):
        method_doc = _own_doc(method)
        if not method_doc:
            problems.append(f"{qualified}.{name} has no docstring")
            continue
        problems += [
            f"{qualified}.{name}: default of `{n}` not stated"
            for n in _defaults(method)
            if not _states_default(method_doc, n)
        ]
    return problems


@pytest.mark.parametrize("qualified", sorted(PUBLIC))
def test_public_name_documents_itself_and_its_defaults(qualified: str) -> None:
    assert _problems(qualified, PUBLIC[qualified]) == []


def test_the_checker_catches_an_undocumented_default() -> None:
    class Undocumented:
        """A construct."""

        def __init__(self, scope: object, id: str, *, prefix: str | None = None) -> None:
            """Build it."""

        def grant(self, identity: object, lockfile: bool = False) -> None:
            """Grant it."""

    assert _problems("Undocumented", Undocumented) == [
        "Undocumented: default of `prefix` not stated",
        "Undocumented.grant: default of `lockfile` not stated",
    ]


@pytest.mark.slow
def test_make_docs_renders_every_public_name(tmp_path: Path) -> None:
    built = subprocess.run(
        ["make", "--no-print-directory", "docs", f"CDK={CORE}", f"DOCS_DIR={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    pages = {
        module: (tmp_path / "platform_storage" / f"{module}.html").read_text()
        for module in ("constructs", "stacks")
    }
    missing = [
        qualified
        for qualified in PUBLIC
        if f'id="{qualified.rsplit(".", 1)[1]}"' not in pages[qualified.split(".")[1]]
    ]
    assert missing == []
    # Internal modules stay out of the reference.
    assert sorted(p.name for p in (tmp_path / "platform_storage").iterdir()) == [
        "constructs.html",
        "stacks.html",
    ]


def test_public_modules_define_no_public_name_they_do_not_export() -> None:
    hidden = []
    for package in (platform_storage.constructs, platform_storage.stacks):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            hidden += [
                f"{module.__name__}.{name}"
                for name, value in vars(module).items()
                if not name.startswith("_")
                and getattr(value, "__module__", None) == module.__name__
                and (inspect.isclass(value) or inspect.isfunction(value))
                and name not in package.__all__
            ]
    assert hidden == []
