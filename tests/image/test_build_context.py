"""The build context that reaches the real builder holds only what the Dockerfile copies: the
rendered Dockerfile.dockerignore, read by Buildah beside the Dockerfile, lets in the shim, the
requirements files and the code (the very files the tag hash covers) and nothing else, however
much else lies in the job directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.build_inputs import code_files
from sagemaker_byoc.compiler.output import write_artifacts
from sagemaker_byoc.compiler.pipeline import compile_job
from tests.image import engine
from tests.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.parent for path in (REPO / "examples").glob("*/job.yaml"))
# Copies the whole context into an empty image, where it can be listed.
PROBE = "FROM scratch\nCOPY . /context/\n"

@pytest.fixture(autouse=True)
def _buildah() -> None:
    require_tool(shutil.which("buildah") is not None, "needs buildah (.ci/run installs it)")


def clutter(job_dir: Path, source_dir: str) -> None:
    """What a job directory gathers: runs, caches, notes, secrets."""
    code = job_dir / source_dir
    for path, text in {
        job_dir / ".local" / "20250101T000000Z" / "model" / "model.bin": "weights",
        job_dir / "notes.txt": "notes",
        job_dir / ".env": "SECRET=1",
        code / "__pycache__" / "train.cpython-311.pyc": "bytecode",
        code / "pkg" / "__pycache__" / "mod.cpython-311.pyc": "bytecode",
        code / "stray.pyc": "bytecode",
        code / ".git" / "HEAD": "ref: refs/heads/main",
        code / ".ipynb_checkpoints" / "nb.ipynb": "{}",
        code / "pkg" / "mod.py": "VALUE = 1\n",
    }.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def files_in_context(job_dir: Path, tag: str) -> set[str]:
    built = engine.build(job_dir, job_dir / "generated" / "Dockerfile", tag)
    assert built.returncode == 0, built.stderr
    container = engine.buildah("from", "--quiet", tag).stdout.strip()
    try:
        root = Path(engine.buildah("mount", container).stdout.strip()) / "context"
        return {
            (Path(directory) / name).relative_to(root).as_posix()
            for directory, _, names in os.walk(root)
            for name in names
        }
    finally:
        engine.buildah("rm", container, check=False)
        engine.buildah("rmi", tag, check=False)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_context_holds_only_what_the_dockerfile_copies(example: Path, tmp_path: Path):
    job_dir = tmp_path / "job"
    shutil.copytree(example, job_dir, ignore=shutil.ignore_patterns(".local", "__pycache__"))
    compiled = compile_job(job_dir / "job.yaml")
    clutter(job_dir, compiled.job.source_dir)
    compiled = compile_job(job_dir / "job.yaml")
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    copied = (compiled.out_dir / "Dockerfile").read_text()
    # The rendered ignore file stays where it is; only the instructions become the probe's.
    (compiled.out_dir / "Dockerfile").write_text(PROBE)

    expected = {"generated/train"}
    requirements = compiled.job.image.requirements
    if requirements:
        expected.add(Path(requirements).as_posix())
    code_root = compiled.job.code_path
    expected |= {path.relative_to(job_dir).as_posix() for path in code_files(code_root)}
    assert f"{compiled.job.source_dir}/pkg/mod.py" in expected
    assert files_in_context(job_dir, f"byoc-context-probe/{example.name}:test") == expected
    assert 'COPY ["generated/train", ' in copied


# Names the ignore rules match whatever the entry is: Docker's patterns cannot tell a folder from
# a file, so a folder named like bytecode, or a file named like a cache folder (a worktree's
# .git is a file), stays out of the image with all it holds.
LOOKALIKES = {
    "x.pyc/data.txt": "kept out with its folder",
    "pkg/old.pyo/inner.py": "VALUE = 2\n",
    "pkg/__pycache__": "a file named like the cache folder",
    ".git": "gitdir: ../.git/worktrees/code\n",
    ".ipynb_checkpoints": "a file",
    "x.pycx/data.txt": "not bytecode: kept",
    "__pycache__x": "kept",
}


def test_the_hash_covers_exactly_the_code_the_image_gets(tmp_path: Path):
    """A folder named x.pyc was hashed but left out of the image: the tag then named a change
    that no image could show. The context's code files are code_files' list, which the hash reads."""
    job_dir = tmp_path / "job"
    shutil.copytree(REPO / "examples" / "basic", job_dir, ignore=shutil.ignore_patterns(".local", "__pycache__", "generated"))
    compiled = compile_job(job_dir / "job.yaml")
    code_root = compiled.job.code_path
    for relative, text in LOOKALIKES.items():
        (code_root / relative).parent.mkdir(parents=True, exist_ok=True)
        (code_root / relative).write_text(text)
    compiled = compile_job(job_dir / "job.yaml")
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    (compiled.out_dir / "Dockerfile").write_text(PROBE)

    in_context = files_in_context(job_dir, "byoc-context-probe/lookalikes:test")
    code_prefix = code_root.relative_to(job_dir).as_posix() + "/"
    hashed = {path.relative_to(code_root).as_posix() for path in code_files(code_root)}
    assert {path.removeprefix(code_prefix) for path in in_context if path.startswith(code_prefix)} == hashed
    assert {"x.pycx/data.txt", "__pycache__x"} <= hashed and not hashed & {"x.pyc/data.txt", "pkg/__pycache__", ".git"}
    # What the image leaves out cannot move the tag; what it keeps does.
    before = compiled.rendered.image_uri
    (code_root / "x.pyc" / "data.txt").write_text("changed")
    (code_root / ".git").write_text("gitdir: elsewhere\n")
    assert compile_job(job_dir / "job.yaml").rendered.image_uri == before
    (code_root / "x.pycx" / "data.txt").write_text("changed")
    assert compile_job(job_dir / "job.yaml").rendered.image_uri != before
