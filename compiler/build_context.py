"""The build context's allow-list: `Dockerfile.dockerignore`, rendered beside the Dockerfile.

Docker's BuildKit, Podman and Buildah read `<Dockerfile>.dockerignore` beside the Dockerfile
in preference to the context's own `.dockerignore`, so the job directory needs no file of ours
and its `data/` folders and `.local/` runs never travel to the builder. The list excludes
everything, then lets in only what the Dockerfile copies, less what compiler/build_inputs.py
leaves out of the image's hash: the context holds exactly the files the tag covers.
"""

from __future__ import annotations

from compiler.build_inputs import IGNORED_DIRS, IGNORED_SUFFIXES

# Special in a .dockerignore pattern (Go's filepath.Match, as Docker and Buildah read it): a
# backslash makes them literal.
_GLOB_SPECIALS = frozenset("\\*?[]")


def dockerignore_path(path: str) -> str:
    """A context-relative path as a .dockerignore pattern that matches it literally.

    Lines are anchored with a leading `/` (stripped by the reader), so a path that starts with
    `#` or `!` is not read as a comment or an exception. Builders trim each line and split
    lines, so a character there that cannot be written (white space, a line break) becomes `?`:
    it may let in a sibling that differs only there, never leave out a file the image needs.
    """
    escaped = "".join(f"\\{c}" if c in _GLOB_SPECIALS else c for c in path)
    escaped = "".join("?" if c in "\n\r" else c for c in escaped)
    stripped = escaped.strip()
    if stripped != escaped:
        lead = len(escaped) - len(escaped.lstrip())
        trail = len(escaped) - len(escaped.rstrip())
        escaped = "?" * lead + stripped + "?" * trail
    return "/" + escaped


def render_dockerignore(header: str, copied_files: list[str], source_dir: str) -> str:
    """The allow-list for a Dockerfile that copies copied_files and the directory source_dir
    (all relative to the context, in POSIX form)."""
    lines = [
        f"# {_comment_text(header)}",
        "# Only what the Dockerfile copies goes to the builder.",
        "*",
    ]
    lines += [f"!{dockerignore_path(path)}" for path in copied_files]
    if source_dir == ".":
        lines = lines[:2]  # the whole context is the code
        code_prefix = ""
    else:
        lines.append(f"!{dockerignore_path(source_dir)}")
        code_prefix = dockerignore_path(source_dir)
    for directory in sorted(IGNORED_DIRS):
        lines.append(f"{code_prefix}/**/{directory}")
    for suffix in IGNORED_SUFFIXES:
        lines.append(f"{code_prefix}/**/*{suffix}")
    return "\n".join(lines) + "\n"


def _comment_text(text: str) -> str:
    """One line of comment: a line break would end the comment and start a pattern."""
    return "".join(" " if c in "\n\r" else c for c in text)
