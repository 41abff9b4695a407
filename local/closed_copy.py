"""Copying a tree into the run directory so that nothing in the copy leads out of it.

A symbolic link whose target stays inside the copied tree is copied as a link, made relative
so that it points into the copy; one that leads out of the tree (or nowhere) is refused, since
the script could write or chmod through it, and in the image (Docker's COPY keeps links) it
would dangle. Named pipes, sockets and devices are refused too: copying a pipe blocks for ever.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sagemaker_byoc.spec.code_tree import Skip, entries, tree_problems

__all__ = ["copy_closed_tree", "tree_problems"]


def copy_closed_tree(source: Path, target: Path, skip: Skip) -> None:
    """Copy source to target (which must not exist); refuses as tree_problems says."""
    problems = list(tree_problems(source, skip))
    if problems:
        raise ValueError(problems[0])
    target.mkdir()
    shutil.copystat(source, target)
    for directory, relative, name, kind, detail in entries(source, skip):
        destination = target / relative / name
        if kind == "dir":
            destination.mkdir()
            shutil.copystat(directory / name, destination, follow_symlinks=False)
        elif kind == "inside-link":
            destination.symlink_to(detail)
        else:
            shutil.copy2(directory / name, destination, follow_symlinks=False)
