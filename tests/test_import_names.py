"""Every module imports the project through its one package name, sagemaker_byoc: a bare
`spec` or `compiler` works in a checkout (the repository root is on the path) but not once
installed, and would load a second copy of each module beside the sagemaker_byoc one."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT_FOLDERS = ("spec", "compiler", "shim", "schemas")


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


def test_the_package_links_every_project_folder_in_a_checkout():
    package = REPO / "sagemaker_byoc"
    for folder in PROJECT_FOLDERS:
        assert (package / folder).is_symlink() and (package / folder).resolve() == REPO / folder
