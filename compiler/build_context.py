"""The build context's allow-list: `Dockerfile.dockerignore`, rendered beside the Dockerfile.

Docker's BuildKit, Podman and Buildah read `<Dockerfile>.dockerignore` beside the Dockerfile
in preference to the context's own `.dockerignore`, so the job directory needs no file of ours
and its `data/` folders and `.local/` runs never travel to the builder. The list excludes
everything, then lets in only what the Dockerfile copies, less what compiler/build_inputs.py
leaves out of the image's hash: the context holds exactly the files the tag covers.
"""

from __future__ import annotations

from sagemaker_byoc.spec.code_tree import IGNORED_DIRS, IGNORED_SUFFIXES
from sagemaker_byoc.text import escape


def render_dockerignore(header: str, copied_files: list[str], source_dir: str, left_out: list[str] = ()) -> str:
    """The allow-list for a Dockerfile that copies copied_files and the directory source_dir,
    less the directories left_out that lie inside it (the output folder, run-local's runs),
    all relative to the context, in POSIX form. A copied file inside a left-out directory (the
    shim, in the output folder) is let in again."""
    lines = [
        f"# {escape.comment(header)}",
        "# Only what the Dockerfile copies goes to the builder.",
        "*",
    ]
    lines += [f"!{escape.dockerignore_literal(path)}" for path in copied_files]
    if source_dir == ".":
        lines = lines[:2]  # the whole context is the code
        code_prefix = ""
    else:
        lines.append(f"!{escape.dockerignore_literal(source_dir)}")
        code_prefix = escape.dockerignore_literal(source_dir)
    for directory in sorted(IGNORED_DIRS):
        lines.append(f"{code_prefix}/**/{directory}")
    for suffix in IGNORED_SUFFIXES:
        lines.append(f"{code_prefix}/**/*{suffix}")
    for directory in left_out:
        lines.append(str(escape.dockerignore_literal(directory)))
    lines += [f"!{escape.dockerignore_literal(path)}" for path in copied_files if any(path.startswith(d + "/") for d in left_out)]
    return "\n".join(lines) + "\n"

