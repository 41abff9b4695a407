"""The run directory: a tree laid out like /opt/ml, filled for one local run.

    <run>/input/config/{hyperparameters,inputdataconfig,resourceconfig}.json
    <run>/input/data/<channel>/      copied (or linked) from the channel's `local:` path
    <run>/code/                      copied from source_dir
    <run>/model/  <run>/output/data/  <run>/checkpoints/ (the job's checkpoint directory)
    <run>/.run/                      this tool's own files: the shim and the captured log

By default the run directory is `<job dir>/.local/<UTC timestamp>/`; only an explicit workdir
puts it anywhere else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from sagemaker_byoc.local import config_files
from sagemaker_byoc.local.closed_copy import copy_closed_tree, tree_problems
from sagemaker_byoc.local.paths import container_path
from sagemaker_byoc.spec.code_tree import IGNORED_PATTERNS, LOCAL_RUNS_DIR, MAX_DEPTH, walk

if TYPE_CHECKING:
    from sagemaker_byoc.spec.model import Channel, Job

LOCAL_DIR = LOCAL_RUNS_DIR
TOOL_DIR = ".run"
OPT_ML = PurePosixPath("/opt/ml")
CHECKPOINT_DIR_NAME = "checkpoints"


class LayoutError(Exception):
    """The run directory cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class RunTree:
    base: Path  # plays /opt/ml

    @property
    def config_dir(self) -> Path:
        return self.base / "input" / "config"

    @property
    def data_dir(self) -> Path:
        return self.base / "input" / "data"

    @property
    def code_dir(self) -> Path:
        return self.base / "code"

    @property
    def model_dir(self) -> Path:
        return self.base / "model"

    @property
    def output_dir(self) -> Path:
        return self.base / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.output_dir / "data"

    @property
    def checkpoint_dir(self) -> Path:
        return self.base / CHECKPOINT_DIR_NAME

    @property
    def tool_dir(self) -> Path:
        return self.base / TOOL_DIR

    @property
    def shim(self) -> Path:
        return self.tool_dir / "train"

    @property
    def log(self) -> Path:
        return self.tool_dir / "log.txt"


# The job's .local/ ignores itself, so that runs (copies of the data among them) stay out of git.
LOCAL_GITIGNORE = "# Runs of sagemaker-byoc run-local, one folder each; not for version control.\n*\n"
# The folders that runs make in .local/: a UTC timestamp, -N for a second run in the same second,
# -trials for a run-local --trial.
RUN_FOLDER = re.compile(r"[0-9]{8}T[0-9]{6}Z(-[0-9]+)?(-trials)?")
# How many earlier runs a new run keeps in .local/ (run-local --keep).
KEEP_RUNS = 10
# In .local/: a symbolic link to the run started last (relative, so that the job's folder can
# move), for `tail -f .local/latest/.run/log.txt` and `ls .local/latest/model`. Pruning never
# follows it: its name is not a run's.
LATEST = "latest"


def default_run_root(job: Job) -> Path:
    return job.directory / LOCAL_DIR


def made_run_root(job: Job) -> Path:
    """The job's .local/, made when absent, with the .gitignore that keeps it out of git."""
    root = default_run_root(job)
    try:
        root.mkdir(parents=True, exist_ok=True)
        ignore = root / ".gitignore"
        if not os.path.lexists(ignore):
            ignore.write_text(LOCAL_GITIGNORE)
    except OSError as exc:
        raise LayoutError(f"cannot create {root}: {exc.strerror or exc}") from None
    return root


# In a run's .run/: locked by the process whose run it is, for as long as the run goes on.
RUNNING = "running"


def claim_run(run_dir: Path) -> BinaryIO:
    """Mark run_dir as in use while the returned file stays open: an exclusive lock, which the
    system releases when the process ends, however it ends. prune_runs passes such runs by."""
    import fcntl

    (run_dir / TOOL_DIR).mkdir(exist_ok=True)
    handle = open(run_dir / TOOL_DIR / RUNNING, "wb")  # noqa: SIM115 (held open by the caller)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def in_use(run_dir: Path) -> bool:
    """Whether another process holds run_dir's lock (claim_run)."""
    import fcntl

    try:
        handle = open(run_dir / TOOL_DIR / RUNNING, "rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def prune_runs(job: Job, keep: int, current: Path) -> list[Path]:
    """Remove all but the newest `keep` earlier runs from the job's .local/ (never `current`,
    never a run still going on, never a folder that runs do not make); the removed folders,
    oldest first."""
    root = default_run_root(job)
    if not root.is_dir():
        return []
    runs = sorted(
        entry for entry in root.iterdir()
        if RUN_FOLDER.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink() and entry.resolve() != current.resolve()
        and not in_use(entry)
    )
    removed = runs[: max(0, len(runs) - keep)]
    for run in removed:
        shutil.rmtree(run)
    return removed


def new_run_dir(job: Job, workdir: Path | None, now: float | None = None, suffix: str = "") -> Path:
    """A fresh, empty directory for this run.

    With a workdir, that directory itself (made if absent; it must be empty, so that no earlier
    run's files are mistaken for this one's). Otherwise a new timestamped directory under the
    job's .local/ (its name ending in suffix: -trials for run-local --trial), with a numeric
    suffix when two runs start in the same second.
    """
    if workdir is not None:
        return _claim_workdir(workdir)
    root = made_run_root(job)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    for attempt in range(1000):
        candidate = root / ((stamp if attempt == 0 else f"{stamp}-{attempt}") + suffix)
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        point_latest(root, candidate)
        return candidate
    raise LayoutError(f"cannot find a free run directory under {root}")


def latest_is_not_a_link(job: Job) -> Path | None:
    """The job's .local/latest when something other than a symbolic link holds the name (the
    user's own file or folder, which point_latest leaves alone)."""
    latest = default_run_root(job) / LATEST
    return latest if os.path.lexists(latest) and not latest.is_symlink() else None


def point_latest(root: Path, run: Path) -> None:
    """root/latest links to run, replaced in one step (a rename over the old link): whoever
    reads it sees the old run or the new one, never no link. Without a link there (the
    user's own file or folder of that name), nothing is done."""
    latest = root / LATEST
    if os.path.lexists(latest) and not latest.is_symlink():
        return
    # A name of this process's own, that no run folder and no other run's link can have.
    temporary = root / f".{LATEST}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.symlink(run.name, temporary)
        os.replace(temporary, latest)
    except OSError:
        # Only a convenience: a run goes on without it.
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _claim_workdir(workdir: Path) -> Path:
    if workdir.exists() and not workdir.is_dir():
        raise LayoutError(f"workdir {workdir} exists and is not a directory")
    if workdir.is_dir() and any(workdir.iterdir()):
        raise LayoutError(f"workdir {workdir} is not empty; give a new or empty directory")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LayoutError(f"cannot create workdir {workdir}: {exc.strerror}") from None
    return workdir


def missing_channels(job: Job) -> list[Channel]:
    """Channels with no `local:` path, in job order."""
    return [channel for channel in job.inputs if channel.local is None]


def absent_channel_paths(job: Job) -> list[tuple[Channel, Path]]:
    """Channels whose `local:` path does not exist."""
    return [(c, local_source(job, c)) for c in job.inputs if c.local is not None and not local_source(job, c).exists()]


def local_source(job: Job, channel: Channel) -> Path:
    assert channel.local is not None
    return job.directory / channel.local


def build_tree(base: Path, job: Job, request: dict[str, Any], shim: bytes, link_data: bool) -> RunTree:
    """Write every file and directory of the tree under base (which exists and is empty)."""
    tree = RunTree(base)
    for directory in (tree.config_dir, tree.data_dir, tree.model_dir, tree.output_data_dir, tree.tool_dir):
        directory.mkdir(parents=True, exist_ok=True)
    write_config_files(tree, request)
    # SageMaker gives a host only the channels of its instance group: none of the others' data.
    left_out = {name for name, _ in config_files.left_out_channels(request)}
    for channel in job.inputs:
        if channel.name in left_out:
            continue
        target = tree.data_dir / channel.name
        if channel.local is None:
            target.mkdir()
        else:
            populate_channel(local_source(job, channel), target, link_data, _skipping(default_run_root(job)))
    copy_closed_tree(job.code_path, tree.code_dir, code_skip(job))
    if job.checkpoints is not None:
        checkpoint_target(tree, job.checkpoints.local_path).mkdir(parents=True, exist_ok=True)
    tree.shim.write_bytes(shim)
    tree.shim.chmod(0o755)
    return tree


def code_skip(job: Job) -> Callable[[str, list[str]], set[str]]:
    # What the image leaves out of the code, a run leaves out too (.git, *.pyo, … as well).
    return _skipping(default_run_root(job), *IGNORED_PATTERNS)


def code_tree_problems(job: Job) -> list[str]:
    """Why source_dir cannot be copied into a run directory: links that lead out of it or
    nowhere, pipes, sockets, devices."""
    return list(tree_problems(job.code_path, code_skip(job)))


def channel_problems(job: Job) -> list[tuple[Channel, str]]:
    """Channels whose `local:` path is neither a directory nor a regular file, or whose
    directory holds a dangling link, a pipe, a socket or a device (copying stops there)."""
    found = []
    for channel in job.inputs:
        if channel.local is None:
            continue
        source = local_source(job, channel)
        if not source.exists():
            continue
        if not (source.is_dir() or source.is_file()):
            found.append((channel, f"local path {source} is not a directory or a regular file"))
        elif source.is_dir():
            problem = next(_unreadable_entries(source), None)
            if problem is not None:
                found.append((channel, f"local path {source}: {problem}"))
    return found


def _unreadable_entries(source: Path) -> Iterator[str]:
    """Entries a copy that follows links cannot read: dangling links and special files."""
    for current, dirs, files, depth in walk(source, follow_links=True):
        if depth == MAX_DEPTH and dirs:
            yield f"it is more than {MAX_DEPTH} folders deep ({'/'.join((Path(current) / dirs[0]).relative_to(source).parts[:3])}/…)"
            return
        for name in sorted(files + dirs):
            path = Path(current) / name
            if path.is_symlink() and not path.exists():
                yield f"{path.relative_to(source).as_posix()} is a symbolic link to {os.readlink(path)}, which does not exist"
            elif path.exists() and not (path.is_dir() or path.is_file()):
                yield f"{path.relative_to(source).as_posix()} is not a regular file or directory"


def write_config_files(tree: RunTree, request: dict[str, Any]) -> None:
    files = {
        "hyperparameters.json": config_files.hyperparameters(request),
        "inputdataconfig.json": config_files.input_data_config(request),
        "resourceconfig.json": config_files.resource_config(request),
    }
    for name, content in files.items():
        (tree.config_dir / name).write_text(json.dumps(content, ensure_ascii=False) + "\n", encoding="utf-8")


def populate_channel(source: Path, target: Path, link_data: bool, skip: Callable[[str, list[str]], set[str]]) -> None:
    """The channel directory holds the files of `local:` (a directory's contents, or one file)."""
    if link_data:
        target.symlink_to(source.resolve(), target_is_directory=source.is_dir())
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=False, ignore=skip)
    else:
        target.mkdir()
        shutil.copy2(source, target / source.name)


def _skipping(run_root: Path, *patterns: str) -> Callable[[str, list[str]], set[str]]:
    """A copytree filter that leaves out the job's .local/ (with source_dir or local: set to
    the job's own directory, copying it would copy the run into itself) and the patterns."""
    run_root = run_root.resolve()
    by_pattern = shutil.ignore_patterns(*patterns)

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(by_pattern(directory, names))
        if Path(directory).resolve() == run_root.parent and run_root.name in names:
            skipped.add(run_root.name)
        return skipped

    return ignore


def checkpoint_target(tree: RunTree, local_path: str) -> Path:
    """Where the job's checkpoint directory lives in this run: `<run>/checkpoints` for the
    usual /opt/ml/checkpoints, `<run>/<rest>` for another path under /opt/ml, and
    `<run>/checkpoints` for a path outside /opt/ml."""
    path = container_path(local_path)
    if path != OPT_ML and OPT_ML in path.parents:
        return tree.base / path.relative_to(OPT_ML)
    return tree.checkpoint_dir


def files_under(directory: Path) -> list[tuple[str, int]]:
    """(relative path, size) of every regular file under directory, sorted."""
    if not directory.is_dir():
        return []
    found = []
    for root, _dirs, names in os.walk(directory, followlinks=False):
        for name in names:
            path = Path(root) / name
            if path.is_file():
                found.append((path.relative_to(directory).as_posix(), path.stat().st_size))
    return sorted(found)
