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


# The modules allowed to load the CDK; everything else (configuration, plan, rules, analysis,
# renderers, CLI) must work without it, so bad input is refused before the CDK loads.
CDK_MODULES = ("platform_storage.constructs", "platform_storage.stacks")
CDK_SINGLES = {"platform_storage.app", "platform_storage.cdk", "platform_storage.rules.validation"}
# One construct or concern per module; past this a module holds two.
MAX_MODULE_LINES = 450


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "platform_storage").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports when it is imported (module-level imports, and
    `from package import submodule` as an import of the submodule)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    imported.add(full if full in modules else node.module)
        graph[name] = {m for m in imported if m in modules}
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in graph[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_package_modules_import_no_cycle() -> None:
    graph = _import_graph()
    cycles = sorted(name for name in graph if name in _reachable(graph, name))
    assert cycles == []


def test_only_construct_and_stack_modules_reach_the_cdk() -> None:
    graph = _import_graph()
    loads_cdk = {
        name
        for name in graph
        if "platform_storage.cdk" in _reachable(graph, name) or name == "platform_storage.cdk"
    }
    allowed = {name for name in graph if name.startswith(CDK_MODULES) or name in CDK_SINGLES}
    assert loads_cdk - allowed == set()


def test_no_module_holds_more_than_one_concern_by_size() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
