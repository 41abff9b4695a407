"""A code tree as the image and a local run receive it: every entry and its kind, and why a
tree cannot be copied as a closed one.

A symbolic link whose target stays inside the tree is kept, made relative; one that leads out
of the tree (or nowhere) is refused, since the script could write or chmod through it, and in
the image (Docker's COPY keeps links) it would dangle. Named pipes, sockets and devices are
refused too: reading a pipe blocks for ever. spec/semantics.py reports these at source_dir's
line; local/closed_copy.py copies by the same walk.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

Skip = Callable[[str, list[str]], set[str]]

# Never code, wherever they are in source_dir: left out of the image, its tag and a local run.
# Each rule is a name, and holds for any entry so named, folder or file, with everything under
# it: the build context's ignore patterns (compiler/build_context.py) cannot tell a folder from
# a file, so the hash and a local run read them the same way (a folder x.pyc, a file .git).
IGNORED_DIRS = frozenset({"__pycache__", ".git", ".ipynb_checkpoints"})
IGNORED_SUFFIXES = (".pyc", ".pyo")


def ignored(name: str) -> bool:
    """Whether an entry of this name, file or folder, is never code."""
    return name in IGNORED_DIRS or name.endswith(IGNORED_SUFFIXES)


def requirements_named_again(code: Path, requirements: Path | None) -> bool:
    """Whether image.requirements (a path, or None) is source_dir's own requirements.txt, which
    the image installs by convention: it is then installed once (compiler/render.py; semantics warns)."""
    own = code / "requirements.txt"
    return requirements is not None and requirements.is_file() and own.is_file() and os.path.samefile(requirements, own)


# The same rules as shutil.ignore_patterns reads them (a copy's filter matches any entry's name).
IGNORED_PATTERNS = (*sorted(IGNORED_DIRS), *(f"*{suffix}" for suffix in IGNORED_SUFFIXES))
# Folders beside job.yaml that the tool writes, so never code even when source_dir holds them:
# the compiler's default output (compiler/pipeline.py) and run-local's runs (local/layout.py).
DEFAULT_OUTPUT_DIR = "generated"
LOCAL_RUNS_DIR = ".local"


# Deeper trees are refused: Python's own walks and copies (os.walk, shutil.copytree in 3.11)
# recurse once per level and fail near 1,000, and no training code needs a hundred.
MAX_DEPTH = 100


def walk(top: str | Path, follow_links: bool = False) -> Iterator[tuple[str, list[str], list[str], int]]:
    """os.walk's (directory, subdirectories, files) top-down, with each directory's depth below
    top, without recursion, so any depth is read; as with os.walk, pruning the subdirectories
    list in place skips them. Unreadable directories are passed over."""
    pending = [(str(top), 0)]
    while pending:
        directory, depth = pending.pop()
        try:
            with os.scandir(directory) as listing:
                found = list(listing)
        except OSError:
            continue
        dirs, files = [], []
        for entry in found:
            try:
                is_dir = entry.is_dir(follow_symlinks=follow_links)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
        yield directory, dirs, files, depth
        pending.extend((os.path.join(directory, name), depth + 1) for name in reversed(dirs))


def tree_problems(source: Path, skip: Skip) -> Iterator[str]:
    """Why source cannot be copied as a closed tree, one sentence per entry; nothing if it can."""
    for _directory, relative, name, kind, detail in entries(source, skip):
        where = (relative / name).as_posix()
        if kind == "too-deep":
            yield f"it is more than {MAX_DEPTH} folders deep ({'/'.join((relative / name).parts[:3])}/…)"
        elif kind == "outside-link":
            yield f"{where} is a symbolic link to {detail}, outside {source.name}/"
        elif kind == "dangling-link":
            yield f"{where} is a symbolic link to {detail}, which does not exist"
        elif kind == "special":
            yield f"{where} is {detail}, not a regular file or directory"


def entries(source: Path, skip: Skip) -> Iterator[tuple[Path, Path, str, str, str]]:
    """(directory, its path relative to source, name, kind, detail) of every entry, parents
    before children. kind: dir, file, inside-link (detail: the relative link to write),
    outside-link and dangling-link (detail: the link's text), special (detail: what it is),
    too-deep (a directory past MAX_DEPTH, whose entries are not read)."""
    root = Path(os.path.realpath(source))
    for current, dirs, files, depth in walk(source):
        directory = Path(current)
        relative = directory.relative_to(source)
        ignored = skip(current, dirs + files)
        dirs[:] = sorted(d for d in dirs if d not in ignored)
        if depth == MAX_DEPTH and dirs:
            yield directory, relative, dirs[0], "too-deep", ""
            dirs[:] = []
        names = sorted(n for n in files if n not in ignored) + list(dirs)
        for name in sorted(names):
            path = directory / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                yield directory, relative, name, *_link(path, root, relative)
            elif stat.S_ISDIR(mode):
                yield directory, relative, name, "dir", ""
            elif stat.S_ISREG(mode):
                yield directory, relative, name, "file", ""
            else:
                yield directory, relative, name, "special", _special_kind(mode)


def _link(path: Path, root: Path, relative: Path) -> tuple[str, str]:
    text = os.readlink(path)
    resolved = Path(os.path.realpath(path))
    if not resolved.exists():
        return "dangling-link", text
    if resolved != root and root not in resolved.parents:
        return "outside-link", text
    return "inside-link", os.path.relpath(resolved.relative_to(root), relative) if resolved != root else os.path.relpath(".", relative)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"
