"""Layout guards: the `constructs` library is the real one, and nothing shadows it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def test_import_constructs_resolves_to_the_installed_library() -> None:
    import constructs

    location = Path(constructs.__file__).resolve()
    assert "site-packages" in location.parts
    assert hasattr(constructs, "Construct")


def test_no_top_level_constructs_package_shadows_the_library() -> None:
    assert not (ROOT / "constructs").exists()
    assert not (ROOT / "constructs.py").exists()


def test_cdk_and_provider_are_imported_only_by_the_seam() -> None:
    seam = ROOT / "platform_storage" / "cdk.py"
    offenders = []
    for path in sorted((ROOT / "platform_storage").rglob("*.py")):
        if path == seam:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {
                    "cdktf",
                    "cdktf_cdktf_provider_aws",
                    "constructs",
                    "jsii",
                }:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
