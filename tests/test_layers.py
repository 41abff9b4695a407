"""The layers of ARCHITECTURE.md: each package imports only those below it, no imports form a
cycle, and every module imports on its own. import-linter checks the contracts of
pyproject.toml (`make lint` runs it too); the tests here also show that a violating import
breaks them, so the contracts cannot pass by looking at nothing."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_import_names import PACKAGES

REPO = Path(__file__).resolve().parents[1]


def project_modules() -> list[str]:
    """Every module of the import package, by its installed name."""
    names = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            names.append("sagemaker_byoc." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imports_of(module: str) -> set[str]:
    """The project modules a module imports, at its top and inside its functions alike."""
    parts = module.split(".")[1:]
    path = REPO.joinpath(*parts).with_suffix(".py")
    is_package = not path.is_file()
    if is_package:
        path = REPO.joinpath(*parts, "__init__.py")
    known = set(project_modules())
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                node_module = ".".join(base + ([node.module] if node.module else []))
            else:
                node_module = node.module or ""
            found |= {f"{node_module}.{alias.name}" if f"{node_module}.{alias.name}" in known else node_module for alias in node.names}
    return {name for name in found if name in known and name != module}


def test_the_import_graph_among_the_project_modules_has_no_cycle():
    graph = {module: imports_of(module) for module in project_modules()}
    assert sum(map(len, graph.values())) > 100  # the graph was read
    state: dict[str, str] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                cycles.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_spec_imports_nothing_of_the_renderer_or_the_commands():
    above = ("sagemaker_byoc.compiler", "sagemaker_byoc.local", "sagemaker_byoc.submit", "sagemaker_byoc.cli")
    offending = {
        module: sorted(i for i in imports_of(module) if i.startswith(above))
        for module in project_modules() if module.startswith(("sagemaker_byoc.spec", "sagemaker_byoc.aws", "sagemaker_byoc.text"))
    }
    assert {m: i for m, i in offending.items() if i} == {}


def test_every_module_imports_on_its_own():
    """Each module is imported with none of the project's modules loaded before it, as in a
    fresh interpreter: an import cycle hidden by the command line's import order fails here.
    (The project's modules are forgotten between imports; third-party ones may stay, since
    they cannot close a cycle of ours.)"""
    program = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('sagemaker_byoc.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ': ' + traceback.format_exc().splitlines()[-1])\n"
        "print('\\n'.join(failed))\n"
    )
    modules = project_modules()
    result = subprocess.run([sys.executable, "-c", program, *modules], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
    assert len(modules) > 60


def stage_package(root: Path) -> Path:
    """The import package as pip lays it out, which import-linter reads (as `make lint` does)."""
    package = root / "sagemaker_byoc"
    package.mkdir(parents=True)
    for path in (REPO / "sagemaker_byoc").glob("*.py"):
        shutil.copy(path, package)
    for name in PACKAGES:
        shutil.copytree(REPO / name, package / name, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--no-cache", str(REPO / "pyproject.toml")],
        cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}, capture_output=True, text=True,
    )


def test_import_linter_keeps_every_contract(tmp_path):
    stage_package(tmp_path)
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        ("spec/defaults.py", "from sagemaker_byoc.compiler import render", "sagemaker_byoc.spec.defaults -> sagemaker_byoc.compiler.render"),
        ("text/escape.py", "from sagemaker_byoc.aws import regions", "sagemaker_byoc.text.escape -> sagemaker_byoc.aws.regions"),
        ("local/paths.py", "from sagemaker_byoc.submit import watch", "sagemaker_byoc.local.paths -> sagemaker_byoc.submit.watch"),
        ("local/paths.py", "from sagemaker_byoc.local import session", ".paths -> .session"),
    ],
)
def test_a_violating_import_breaks_a_contract_and_is_named(tmp_path, module, added, broken):
    package = stage_package(tmp_path)
    target = package / module
    target.write_text(target.read_text() + f"\n\ndef _late():\n    {added}\n")  # inside a function counts too
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())
