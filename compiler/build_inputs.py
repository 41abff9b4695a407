"""What goes into the image, and the short hash of it that tags the image by default.

The hash covers the Dockerfile's instructions, the shim, the requirements files and every file
of source_dir (path, executable bit, content), so a change to any of them gives a new tag and
an unchanged job keeps its tag. Python's bytecode caches are left out: running the code
locally must not change the image's name; so are the compiler's output folder and run-local's
runs when source_dir holds them. What is left out is what the build context's ignore file
leaves out (compiler/build_context.py), name for name, folder or file
(spec/code_tree.py:ignored), so the hash covers exactly the code the image receives. Only regular files count (a link, by the file it leads to):
spec/semantics.py refuses a code tree with anything else, and hashing never opens a pipe.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from sagemaker_byoc.spec.code_tree import ignored, walk

CHUNK = 1 << 20


def code_files(root: Path, excluded: frozenset[Path] = frozenset()) -> list[Path]:
    """The regular files under root that the image receives, in a stable order; directories in
    excluded (absolute, resolved) are left out with everything under them."""
    found = []
    for directory, subdirs, files, _depth in walk(root):
        subdirs[:] = sorted(d for d in subdirs if not ignored(d) and Path(os.path.realpath(Path(directory, d))) not in excluded)
        for name in sorted(files):
            path = Path(directory, name)
            if not ignored(name) and _is_regular(path):
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def build_hash(dockerfile_body: str, shim: bytes, requirements: list[Path], code_root: Path, excluded: frozenset[Path] = frozenset()) -> str:
    """sha256 over every build input, as hex; files are read in chunks, never whole."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    def add_file(label: str, path: Path) -> None:
        digest.update(f"{label}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)

    add("Dockerfile", dockerfile_body.encode())
    add("train", shim)
    for path in requirements:
        add_file(f"requirements:{path.name}", path)
    for path in code_files(code_root, excluded):
        mode = "x" if os.access(path, os.X_OK) else "-"
        add_file(f"code:{mode}:{path.relative_to(code_root).as_posix()}", path)
    return digest.hexdigest()


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # a dangling link: reported by spec/semantics.py
        return False
