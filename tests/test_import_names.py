"""Every module imports the project through its one package name, sagemaker_byoc: a bare
`spec` or `compiler` works in a checkout (the repository root is on the path) but not once
installed, and would load a second copy of each module beside the sagemaker_byoc one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("text", "aws", "spec", "compiler", "local", "submit", "cli")
PROJECT_FOLDERS = (*PACKAGES, "shim", "schemas")


def test_no_module_imports_a_project_folder_by_its_bare_name():
    bare = []
    for path in sorted(REPO.glob("*/**/*.py")):
        if path.relative_to(REPO).parts[0].startswith("."):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            bare += [f"{path.relative_to(REPO)}:{node.lineno}: {name}" for name in names if name.split(".")[0] in PROJECT_FOLDERS]
    assert bare == []


def test_the_package_maps_every_project_folder_without_links():
    """pyproject.toml installs each folder as a subpackage, and a checkout holds no links (they
    break where a system or a zip has none): the package's search path finds the folders."""
    package = REPO / "sagemaker_byoc"
    assert [p.name for p in package.iterdir() if p.is_symlink()] == []
    pyproject = (REPO / "pyproject.toml").read_text()
    for folder in PROJECT_FOLDERS:
        assert f'"sagemaker_byoc.{folder}" = "{folder}"' in pyproject
        assert f'    "sagemaker_byoc.{folder}",' in pyproject
    listed = subprocess.run(
        [sys.executable, "-c", "import sagemaker_byoc.spec, sagemaker_byoc.shim as s; print(sagemaker_byoc.spec.__file__); print(s.__path__[0])"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert listed == [str(REPO / "spec" / "__init__.py"), str(REPO / "shim")]


def test_every_python_folder_is_a_listed_package():
    """A new top-level folder of code is a package of the layers (and of pyproject.toml)."""
    code_folders = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"sagemaker_byoc", "tests"}
    assert code_folders == set(PACKAGES)


def test_the_version_is_pyprojects_and_the_command_says_it():
    import re

    import sagemaker_byoc

    declared = re.search(r'^version = "([^"]+)"$', (REPO / "pyproject.toml").read_text(), re.MULTILINE)[1]
    assert sagemaker_byoc.__version__ == declared
    said = subprocess.run([sys.executable, "-m", "sagemaker_byoc", "--version"], cwd=REPO, capture_output=True, text=True, check=True)
    assert said.stdout == f"sagemaker-byoc {declared}\n"
