"""run-local stays in its run directory: the code tree is copied without links that lead out,
container paths are resolved before they are mapped, and unusable inputs are reported at
their job.yaml line before anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.local.closed_copy import copy_closed_tree, tree_problems
from sagemaker_byoc.local.layout import RunTree, checkpoint_target
from sagemaker_byoc.local.paths import local_path

from .jobs import job_document, run_cli, run_in_process, write_job

SHELL_ENTRY = "#!/bin/sh\necho ran\n"


def _line_of(job: Path, key: str) -> int:
    """1-based line of the first line of job.yaml that names key."""
    return next(i for i, line in enumerate(job.read_text().splitlines(), 1) if f'"{key}"' in line)


def test_an_entry_point_linked_out_of_source_dir_is_refused_at_its_line_and_nothing_changes(tmp_path: Path):
    outside = tmp_path / "outside.sh"
    outside.write_text(SHELL_ENTRY)
    outside.chmod(0o644)
    job = write_job(tmp_path / "job", job_document(entry_point="run.sh"), script=SHELL_ENTRY)
    entry = tmp_path / "job" / "code" / "run.sh"
    entry.unlink()
    entry.symlink_to(outside)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--workdir", str(run_dir))
    assert result.returncode == 2
    # Refused by the job's own checks, before any run directory exists.
    assert f"{job}:{_line_of(job, 'entry_point')}:" in result.stderr
    assert "entry_point 'run.sh' must be a path inside source_dir (links resolved)" in result.stderr
    assert not run_dir.exists()
    assert "Traceback" not in result.stderr
    assert outside.stat().st_mode & 0o777 == 0o644, "the outside file is not made executable"
    assert not run_dir.exists(), "nothing written"


def test_a_directory_linked_out_of_source_dir_is_refused(tmp_path: Path):
    (tmp_path / "elsewhere").mkdir()
    job = write_job(tmp_path / "job")
    (tmp_path / "job" / "code" / "lib").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "the code tree cannot go into the image: lib is a symbolic link to" in result.stderr


def test_dangling_links_and_pipes_are_refused_by_the_copy_without_hanging(tmp_path: Path):
    """Checked on the tree alone: compiling such a tree is the compiler's own concern."""
    source = tmp_path / "code"
    source.mkdir()
    (source / "train.py").write_text("")
    (source / "gone").symlink_to(tmp_path / "does-not-exist")
    os.mkfifo(source / "pipe")
    problems = list(tree_problems(source, lambda directory, names: set()))
    assert problems == [
        f"gone is a symbolic link to {tmp_path / 'does-not-exist'}, which does not exist",
        "pipe is a named pipe, not a regular file or directory",
    ]
    with pytest.raises(ValueError, match="gone is a symbolic link"):
        copy_closed_tree(source, tmp_path / "copy", lambda directory, names: set())
    assert not (tmp_path / "copy").exists()


def test_links_inside_source_dir_are_copied_as_links_into_the_copy(tmp_path: Path):
    job = write_job(tmp_path / "job")
    code = tmp_path / "job" / "code"
    (code / "lib").mkdir()
    (code / "lib" / "data.txt").write_text("inside")
    (code / "relative").symlink_to("lib/data.txt")
    (code / "absolute").symlink_to(code / "lib" / "data.txt")  # names the source tree itself
    (code / "lib" / "up").symlink_to("..", target_is_directory=True)
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir))
    assert status == 0, output
    copied = run_dir / "code"
    assert os.readlink(copied / "relative") == "lib/data.txt"
    assert os.readlink(copied / "absolute") == "lib/data.txt", "made relative: it points into the copy"
    assert os.readlink(copied / "lib" / "up") == ".."
    assert (copied / "absolute").resolve() == (copied / "lib" / "data.txt").resolve()
    (copied / "absolute").write_text("changed through the link")
    assert (code / "lib" / "data.txt").read_text() == "inside", "the source is untouched"


def test_the_copy_keeps_the_modes_of_every_directory_and_file(tmp_path: Path):
    """The image's COPY keeps modes; the local copy must too, the tree's top included (a script
    may rely on a directory it cannot list, or a file's time). Directories get their times set
    before their entries are written, so only the files' times are compared."""
    source = tmp_path / "code"
    (source / "lib").mkdir(parents=True)
    (source / "lib" / "run.sh").write_text(SHELL_ENTRY)
    (source / "lib" / "run.sh").chmod(0o750)
    (source / "lib").chmod(0o710)
    source.chmod(0o705)
    os.utime(source / "lib" / "run.sh", (1_000_000_000, 1_000_000_000))
    copy = tmp_path / "copy"
    copy_closed_tree(source, copy, lambda directory, names: set())
    for relative in ("lib/run.sh", "lib", "."):
        original, copied = (source / relative).stat(), (copy / relative).stat()
        assert copied.st_mode == original.st_mode, relative
    assert (copy / "lib" / "run.sh").stat().st_mtime == (source / "lib" / "run.sh").stat().st_mtime


def test_a_checkpoint_path_that_climbs_out_of_opt_ml_stays_in_the_run_directory(tmp_path: Path):
    """/opt/ml/../../<dir> is <dir> in a container, outside /opt/ml: locally the run's
    checkpoints/ stands in for it. An interruption rehearsal then resumes without a traceback."""
    target = tmp_path / "outside-checkpoints"
    climbing = "/opt/ml/../.." + str(target)
    document = job_document(
        checkpoints={"s3": "s3://example-bucket/checkpoints/", "local_path": climbing},
        hyperparameters={"checkpoint-dir": climbing},
    )
    script = (
        "import os, sys, time\n"
        "directory = sys.argv[sys.argv.index('--checkpoint-dir') + 1]\n"
        "os.makedirs(directory, exist_ok=True)\n"
        "open(os.path.join(directory, 'state'), 'w').write('1')\n"
        "print('checkpoint dir', directory, flush=True)\n"
        "time.sleep(30)\n"
    )
    job = write_job(tmp_path / "job", document, script=script)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--workdir", str(run_dir), "--interrupt-after", "3")
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode in (0, 1), result.stderr
    assert not target.exists(), "nothing created outside the run directory"
    assert (run_dir / "attempt-1" / "checkpoints" / "state").read_text() == "1"
    assert f"checkpoint dir {run_dir.resolve() / 'attempt-1' / 'checkpoints'}" in result.stdout


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ("/opt/ml/../../tmp/x", None),
        ("/opt/ml/input/../model", "model"),
        ("/opt/ml/./checkpoints/", "checkpoints"),
        ("/opt/ml/..", None),
    ],
)
def test_container_paths_are_resolved_before_they_are_mapped(container: str, expected: str | None):
    base = Path("/runs/r1")
    mapped = local_path(container, base, None, None)
    assert mapped == (None if expected is None else str(base / expected))


def test_the_checkpoint_directory_never_leaves_the_run_directory():
    tree = RunTree(Path("/runs/r1"))
    assert checkpoint_target(tree, "/opt/ml/../../../../tmp/x") == tree.checkpoint_dir
    assert checkpoint_target(tree, "/opt/ml/checkpoints/../state") == tree.base / "state"


def test_a_channel_holding_a_pipe_is_reported_at_its_local_line(tmp_path: Path):
    job = write_job(tmp_path / "job")
    os.mkfifo(tmp_path / "job" / "data" / "train" / "stream")
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), timeout=60)
    assert result.returncode == 2
    assert f"{job}:{_line_of(job, 'local')}:" in result.stderr
    assert "stream is not a regular file or directory" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_channel_whose_local_path_is_a_pipe_is_reported(tmp_path: Path):
    document = job_document(inputs={"train": {"s3": "s3://example-bucket/train/", "local": "feed"}})
    job = write_job(tmp_path / "job", document)
    (tmp_path / "job" / "feed" / "part-0.csv").unlink()
    (tmp_path / "job" / "feed").rmdir()
    os.mkfifo(tmp_path / "job" / "feed")
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), timeout=60)
    assert result.returncode == 2
    assert "is not a directory or a regular file" in result.stderr
    assert json.loads(job.read_text())["inputs"]["train"]["local"] == "feed"


@pytest.fixture
def deep_folders():
    """Makes levels nested folders under a folder, one at a time (os.makedirs recurses per
    level), and removes them deepest first at the end: pytest's own clean-up of old temporary
    folders (shutil.rmtree, recursive in Python 3.11) would fail on them."""
    made: list[Path] = []

    def make(top: Path, levels: int) -> Path:
        path = top
        for _ in range(levels):
            path = path / "d"
            path.mkdir()
            made.append(path)
        (path / "deepest.txt").write_text("x\n")
        return path

    yield make
    for folder in reversed(made):
        for entry in folder.iterdir():
            if not entry.is_dir() or entry.is_symlink():
                entry.unlink()
        folder.rmdir()


@pytest.mark.parametrize("levels", [1100, 101])
def test_a_code_tree_too_deep_to_copy_is_refused_at_its_line_without_a_traceback(tmp_path: Path, levels: int, deep_folders):
    """About 1,000 levels ended in a RecursionError traceback (Python 3.11's os.walk recurses)."""
    job = write_job(tmp_path / "job")
    deep_folders(tmp_path / "job" / "code", levels)
    result = run_cli("validate", str(job), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the code tree cannot go into the image: it is more than 100 folders deep (d/d/d/…)" in result.stderr


def test_a_code_tree_of_a_hundred_levels_is_fine(tmp_path: Path, deep_folders):
    job = write_job(tmp_path / "job")
    deep_folders(tmp_path / "job" / "code", 100)
    result = run_cli("validate", str(job), timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_channel_too_deep_to_copy_is_reported_before_the_run(tmp_path: Path, deep_folders):
    job = write_job(tmp_path / "job")
    deep_folders(tmp_path / "job" / "data" / "train", 1100)
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "it is more than 100 folders deep (d/d/d/…)" in result.stderr
    assert not (tmp_path / "run").exists()
