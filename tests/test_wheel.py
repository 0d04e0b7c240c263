"""The built distribution as a team installs it: what the wheel holds, and a fresh virtualenv
with the wheel and the session's core (pinned) where a user app type-checks under
`mypy --strict` and synthesizes."""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import platform_storage
from platform_storage.cdk import CORE, CORES
from tests.conftest import ROOT

PINS = {"cdktf": ["requirements.txt"], "cdktn": ["requirements-cdktn.txt", "requirements.txt"]}
EXAMPLE = ROOT / "examples" / "library-app"


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


# What a build reads; copied to a clean directory, since setuptools reuses a stale `build/`.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "platform_storage")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / name, source / name)
    outdir = tmp_path_factory.mktemp("dist")
    built = _run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(outdir)],
        cwd=source,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = outdir.glob("*.whl")
    return found


def test_wheel_holds_the_package_types_and_license_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = f"cdktf_platform_storage-{platform_storage.__version__}.dist-info"
    package = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "platform_storage").rglob("*.py"))
    assert sorted(n for n in names if n.endswith(".py")) == package
    assert "platform_storage/py.typed" in names
    assert f"{dist_info}/licenses/LICENSE" in names
    tops = {n.split("/")[0] for n in names}
    assert tops == {"platform_storage", dist_info}


def test_wheel_metadata_names_the_license_and_the_one_version(wheel: Path) -> None:
    dist_info = f"cdktf_platform_storage-{platform_storage.__version__}.dist-info"
    metadata = email.message_from_bytes(zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA"))
    assert metadata["Version"] == platform_storage.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    assert sorted(metadata.get_all("Provides-Extra") or []) == ["cdktf", "cdktn"]


def test_license_file_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.strip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def _for_core(source: str) -> str:
    """A cdktf app's source with its imports moved to the session's core."""
    if CORE == "cdktf":
        return source
    source = source.replace("cdktf_cdktf_provider_aws", CORES[CORE])
    return re.sub(r"^from cdktf import", f"from {CORE} import", source, flags=re.M)


@pytest.fixture(scope="session")
def user_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel with the session's core extra, at the pinned
    versions; nothing of the checkout is on its path."""
    venv = tmp_path_factory.mktemp("user-venv")
    created = _run([sys.executable, "-m", "venv", str(venv)])
    assert created.returncode == 0, created.stderr
    constraints = [arg for f in PINS[CORE] for arg in ("-c", str(ROOT / f))]
    installed = _run(
        [
            str(venv / "bin" / "python"),
            *("-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check"),
            f"{wheel}[{CORE}]",
            *constraints,
        ]
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


@pytest.fixture(scope="session")
def user_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user app and the library example, in a directory of their own."""
    app_dir = tmp_path_factory.mktemp("user-app")
    app = (ROOT / "tests" / "user_app" / "app.py").read_text()
    (app_dir / "app.py").write_text(_for_core(app))
    shutil.copy(EXAMPLE / "ci_storage.py", app_dir / "ci_storage.py")
    if CORE == "cdktf":
        shutil.copy(EXAMPLE / "main.py", app_dir / "main.py")
    return app_dir


@pytest.mark.slow
def test_user_app_passes_mypy_strict_against_the_installed_wheel(
    user_venv: Path, user_app: Path
) -> None:
    sources = sorted(p.name for p in user_app.glob("*.py"))
    checked = _run(
        [
            sys.executable,
            *("-m", "mypy", "--strict", "--no-incremental"),
            *("--python-executable", str(user_venv / "bin" / "python")),
            *sources,
        ],
        cwd=user_app,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")},
    )
    assert checked.stdout.strip().endswith(f"no issues found in {len(sources)} source files"), (
        checked.stdout + checked.stderr
    )


@pytest.mark.slow
def test_user_app_synthesizes_from_the_installed_wheel(user_venv: Path, user_app: Path) -> None:
    python = str(user_venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PLATFORM_STORAGE_CDK"] = CORE
    located = _run(
        [python, "-c", "import platform_storage; print(platform_storage.__file__)"], cwd=user_app
    )
    assert str(user_venv) in located.stdout, located.stdout + located.stderr
    ran = _run([python, "app.py", str(user_app / "out")], cwd=user_app, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert f"platform-storage {platform_storage.__version__}: 6 identities" in ran.stdout
    assert (user_app / "out" / "stacks" / "user-app" / "cdk.tf.json").is_file()
    if CORE == "cdktf":
        example = _run([python, "main.py"], cwd=user_app, env=env)
        assert example.returncode == 0, example.stderr[-3000:]
        assert (user_app / "cdktf.out" / "stacks" / "ci-storage" / "cdk.tf.json").is_file()


def _pins() -> dict[str, str]:
    pins = {}
    for name in ("requirements.txt", "requirements-cdktn.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                package, version = line.split("==")
                pins[package.strip()] = version.strip()
    return pins


def test_readme_compatibility_table_matches_the_extras_and_the_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- compatibility:start -->")[1].split("<!-- compatibility:end -->")[0]
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|"))
        for line in table.strip().splitlines()[2:]
    }
    pins = _pins()
    (python,) = [row for row in rows if row[0] == "Python"]
    # The Python row states the supported range and the version CI runs; the interpreter
    # running this test must be in the range, whichever minor version the machine has.
    supported = SpecifierSet(project["requires-python"])
    assert python[2] in supported and re.fullmatch(r"3\.\d+", python[2]), python
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in supported
    expected = {("Python", project["requires-python"], python[2])}
    for extra, requirements in project["optional-dependencies"].items():
        for requirement in requirements:
            name, spec = re.fullmatch(r"([A-Za-z0-9_.-]+)(.*)", requirement).groups()  # type: ignore[union-attr]
            expected.add((f"{name} (extra `{extra}`)", spec, pins[name]))
    assert rows == expected
