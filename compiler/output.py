"""Writing rendered artifacts atomically, and comparing them with what is on disk.

A compile either replaces the artifacts whole or leaves the output directory as it was:
everything is written into a temporary directory beside it first, then moved into place.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sagemaker_byoc.compiler.render import Artifact


class OutputError(Exception):
    """The output folder cannot take the artifacts; nothing was written."""


def write_artifacts(artifacts: tuple[Artifact, ...], out_dir: Path) -> None:
    import tempfile

    _check_target(artifacts, out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {parent}: {error.strerror or error}") from None
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    try:
        for artifact in artifacts:
            path = staging / artifact.name
            path.write_bytes(artifact.content)
            path.chmod(artifact.mode)
        if not out_dir.exists():
            staging.chmod(0o755)
            os.replace(staging, out_dir)  # one rename: every file appears at once
            return
        for artifact in artifacts:
            os.replace(staging / artifact.name, out_dir / artifact.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_target(artifacts: tuple[Artifact, ...], out_dir: Path) -> None:
    """Every reason the artifacts could not all be moved into out_dir, found before anything
    is written, so that a refused compile leaves the folder as it was."""
    if out_dir.is_symlink() and not out_dir.exists():
        raise OutputError(f"{out_dir} is a symbolic link to nothing")
    if not out_dir.exists():
        for ancestor in out_dir.absolute().parents:
            if ancestor.exists():
                if not ancestor.is_dir():
                    raise OutputError(f"{out_dir}: {ancestor} is not a directory")
                break
        return
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a directory")
    for artifact in artifacts:
        target = out_dir / artifact.name
        if target.is_dir() and not target.is_symlink():
            raise OutputError(f"{target} is a directory; the artifact {artifact.name} cannot replace it")


def differences(artifacts: tuple[Artifact, ...], out_dir: Path) -> list[str]:
    """Unified diffs (and mode changes) between fresh artifacts and those in out_dir."""
    found = []
    for artifact in artifacts:
        path = out_dir / artifact.name
        if not path.is_file():
            found.append(f"{path}: missing (run the compiler to create it)\n")
            continue
        on_disk = path.read_bytes()
        if on_disk != artifact.content:
            found.append(_diff(path, on_disk, artifact.content))
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o111 != artifact.mode & 0o111:
            found.append(f"{path}: mode {mode:o}, expected {artifact.mode:o}\n")
    return found


def _diff(path: Path, old: bytes, new: bytes) -> str:
    import difflib

    lines = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (fresh render)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
