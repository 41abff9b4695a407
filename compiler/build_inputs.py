"""What goes into the image, and the short hash of it that tags the image by default.

The hash covers the Dockerfile's instructions, the shim, the requirements files and every file
of source_dir (path, executable bit, content), so a change to any of them gives a new tag and
an unchanged job keeps its tag. Python's bytecode caches are left out: running the code
locally must not change the image's name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

IGNORED_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints"}
IGNORED_SUFFIXES = (".pyc", ".pyo")


def code_files(root: Path) -> list[Path]:
    """The files under root that the image receives, in a stable order."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in IGNORED_DIRS)
        for name in sorted(files):
            if not name.endswith(IGNORED_SUFFIXES):
                found.append(Path(directory, name))
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def build_hash(dockerfile_body: str, shim: bytes, requirements: list[Path], code_root: Path) -> str:
    """sha256 over every build input, as hex."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("Dockerfile", dockerfile_body.encode())
    add("train", shim)
    for path in requirements:
        add(f"requirements:{path.name}", path.read_bytes())
    for path in code_files(code_root):
        mode = "x" if os.access(path, os.X_OK) else "-"
        add(f"code:{mode}:{path.relative_to(code_root).as_posix()}", path.read_bytes())
    return digest.hexdigest()
