"""One local run, start to finish: compile in memory, check what is needed, lay out the run
directory, run the shim (or the image with --docker), print the summary; with
--interrupt-after, interrupt the first attempt and resume in a second one.

Exit status: 0 the job succeeded, 1 it failed (its own status is in the summary), 2 invalid
input or an unusable setup, 3 skipped because the machine lacks something the job declares in
local-requires.txt.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from sagemaker_byoc.compiler.output import write_artifacts
from sagemaker_byoc.compiler.pipeline import Compiled, compile_job
from sagemaker_byoc.local import docker, requires
from sagemaker_byoc.local.config_files import CURRENT_HOST, left_out_channels, local_group_name
from sagemaker_byoc.local.layout import (
    KEEP_RUNS,
    LATEST,
    LOCAL_DIR,
    LayoutError,
    RunTree,
    absent_channel_paths,
    build_tree,
    channel_problems,
    checkpoint_target,
    claim_run,
    code_tree_problems,
    default_run_root,
    files_under,
    latest_is_not_a_link,
    missing_channels,
    new_run_dir,
    prune_runs,
)
from sagemaker_byoc.local.hints import OptMlScan, opt_ml_hint
from sagemaker_byoc.local.metrics import MetricScan
from sagemaker_byoc.local.paths import container_path, localize
from sagemaker_byoc.local.process import KILL_AFTER_TERM_S, Terminated, run_streaming
from sagemaker_byoc.local.resume import access_times_recorded, carry_checkpoints, report
from sagemaker_byoc.local.summary import Outcome, print_configuration, print_resume, print_summary, read_outcome, size_text
from sagemaker_byoc.spec import SpecError
from sagemaker_byoc.spec.model import Job
from sagemaker_byoc.spec.overrides import Override

EXIT_SUCCEEDED, EXIT_FAILED, EXIT_INVALID, EXIT_SKIPPED = 0, 1, 2, 3

# What the generated Dockerfile sets with ENV, besides SAGEMAKER_PROGRAM.
IMAGE_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
# A container starts with none of these; one left in the caller's shell must not leak in.
CONTAINER_ONLY_PREFIXES = ("SM_", "SAGEMAKER_", "TRAINING_JOB_", "TRAIN_")
KEPT_FROM_CALLER = ("SM_PYTHON",)
# Virtualenvs beside job.yaml that run the entry point when neither --python nor $SM_PYTHON
# names an interpreter, first found first.
VIRTUALENV_NAMES = (".venv", "venv")
DOCKER_BUILD_DIR = "docker"
# Channel data copied into one run above which the run says what the copy cost. Copies stay
# the default whatever their size: in SageMaker's File mode a channel is the script's private
# copy, which it may change (unzip in place, delete what it has read), and no link can give
# that here: a symbolic or hard link shares the user's files, and making them read-only would
# mean changing them.
LARGE_CHANNEL_DATA_BYTES = 32 * 1024 * 1024


class LocalRunError(Exception):
    """A problem with the setup, reported as one line; exit status 2."""


@dataclass(frozen=True)
class LocalOptions:
    job_path: Path
    overrides: list[Override] = field(default_factory=list)
    workdir: Path | None = None
    allow_missing_channels: bool = False
    link_data: bool = False
    docker: bool = False
    interrupt_after_s: float | None = None
    install_requirements: bool = False
    python: str | None = None  # the entry point's interpreter (SM_PYTHON); default python3
    verbose: bool = False  # the shim's whole banner, the environment included
    keep_runs: int | None = KEEP_RUNS  # earlier runs kept in the job's .local/; None: all
    stop_grace_s: float = KILL_AFTER_TERM_S  # after SIGTERM, how long until SIGKILL
    # What SageMaker itself puts into a tuning trial's hyperparameters (the tuned values and
    # _tuning_objective_metric), as the service writes them, over the checked request: the
    # tuning request's checks cover them (local/trials.py).
    service_hyperparameters: dict[str, str] = field(default_factory=dict)


def run_local(options: LocalOptions, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    compiled = compile_job(options.job_path, _artifact_dir(options), options.overrides)
    job, request = compiled.job, compiled.rendered.request.body
    if options.service_hyperparameters:
        request.setdefault("HyperParameters", {}).update(options.service_hyperparameters)
    _check_inputs(compiled, options.allow_missing_channels)
    _print_warnings(compiled)
    options, discovered = _choose_interpreter(job, options)
    skipped = _missing_requirements(job, options)
    if skipped:
        print(
            f"{job.path}: skipped: {'; '.join(skipped)} (listed in {requires.FILE_NAME}); "
            "install what is missing, or pass --python with an interpreter that has it",
            file=out,
        )
        return EXIT_SKIPPED
    client = _docker_client(options, compiled, out)
    run_dir = _new_run_dir(job, options)
    with claim_run(run_dir):  # no other run's pruning removes this one while it goes on
        print(f"run directory: {run_dir}", file=out, flush=True)
        try:
            prune_earlier_runs(job, options, run_dir, out)
            _note_latest(job, options, out)
            run_dir = run_dir.resolve()  # the shim runs in <run>/code: every path it gets is absolute
            _notes(job, request, options, out)
            if discovered:
                print(
                    f"note: the entry point runs with {options.python}, the virtualenv beside job.yaml "
                    "(its bin/ first on PATH); --python PATH picks another interpreter",
                    file=out,
                )
            if options.interrupt_after_s is None:
                outcome = _attempt("run", run_dir, compiled, options, client, None, out)
                status = EXIT_SUCCEEDED if outcome.exit_code == 0 else EXIT_FAILED
            else:
                status = _rehearse_interruption(run_dir, compiled, options, client, out)
        except KeyboardInterrupt as stop:
            # The first line named it, long ago: after a Ctrl-C it is what one looks at next.
            by = "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C"
            print(f"stopped by {by}; run directory: {_named_run(job, options, run_dir)}", file=out, flush=True)
            raise
        print(f"run directory: {_named_run(job, options, run_dir)}", file=out, flush=True)
        return status


def _named_run(job: Job, options: LocalOptions, run_dir: Path) -> str:
    """The run directory, and .local/latest while that still leads to it."""
    run_dir = run_dir.resolve()
    latest = default_run_root(job) / LATEST
    if options.workdir is None and latest.is_symlink() and os.readlink(latest) == run_dir.name:
        return f"{run_dir} (also {latest})"
    return str(run_dir)


def prune_earlier_runs(job: Job, options: LocalOptions, current: Path, out: TextIO) -> None:
    """Keep the job's .local/ from growing without end: runs in a --workdir are the user's."""
    if options.workdir is not None or options.keep_runs is None:
        return
    removed = prune_runs(job, options.keep_runs, current)
    if removed:
        print(f"removed {len(removed)} earlier runs from {removed[0].parent} (keeping {options.keep_runs}; --keep N or --keep all)", file=out)


def _rehearse_interruption(run_dir: Path, compiled: Compiled, options: LocalOptions, client: docker.Engine | None, out: TextIO) -> int:
    job = compiled.job
    first = _attempt("attempt 1, interrupted", run_dir / "attempt-1", compiled, options, client, options.interrupt_after_s, out)
    if first.terminated_at_s is None:
        print(
            f"attempt 1 ended after {first.duration_s:.2f} s, before the interruption: nothing to resume; "
            "give a smaller --interrupt-after",
            file=out,
        )
        return EXIT_SUCCEEDED if first.exit_code == 0 else EXIT_FAILED
    if job.checkpoints is None:
        print(
            "no checkpoints in job.yaml: SageMaker would restart this job from the beginning; add checkpoints: to resume",
            file=out,
        )
        return EXIT_SUCCEEDED if first.exit_code == 0 else EXIT_FAILED
    second_base = run_dir / "attempt-2"
    second_base.mkdir()
    previous = checkpoint_target(first.tree, job.checkpoints.local_path)
    following = checkpoint_target(RunTree(second_base), job.checkpoints.local_path)
    restored = carry_checkpoints(previous, following, RunTree(second_base).tool_dir / "restored")
    atimes = access_times_recorded(following)
    print(
        f"restarting with the checkpoint directory of attempt 1 ({len(restored)} files), as SageMaker restores it from S3",
        file=out,
        flush=True,
    )
    second = _attempt("attempt 2, restarted", second_base, compiled, options, client, None, out)
    print_resume(report(following, restored, atimes, _log_lines(second.tree.log)), out)
    return EXIT_SUCCEEDED if second.exit_code == 0 else EXIT_FAILED


def _attempt(
    label: str,
    base: Path,
    compiled: Compiled,
    options: LocalOptions,
    client: docker.Engine | None,
    terminate_after_s: float | None,
    out: TextIO,
) -> Outcome:
    job, request = compiled.job, compiled.rendered.request.body
    base.mkdir(parents=True, exist_ok=True)
    checkpoint_path = job.checkpoints.local_path if job.checkpoints else None
    checkpoint_dir = checkpoint_target(RunTree(base), checkpoint_path) if checkpoint_path else None
    if client is None:
        request, mapped = localize(request, base, checkpoint_path, checkpoint_dir)
        for item in mapped:
            print(f"note: {item.where} is {item.container}; this run passes {item.local}", file=out)
    tree = build_tree(base, job, request, _shim(compiled), options.link_data)
    print_configuration(tree, out)
    if not options.link_data:
        _note_copied_channels(tree, options, out)
    print(f"--- {label}: {job.name} ---", file=out, flush=True)
    if client is None:
        argv, env = [str(tree.shim)], _shim_environment(job, request, tree, options)
    else:
        argv, env = _docker_run(client, job, request, tree, options.verbose), dict(os.environ)
    scan, missing = MetricScan(job.metrics), OptMlScan()

    def observe(line: str) -> None:
        scan.feed(line)
        missing.feed(line)

    def on_interrupt(step: str) -> None:
        # Said the moment it happens: the wait that follows may be long, and silent otherwise.
        if step == "terminate":
            print(
                f"stopping the job (run-local got SIGTERM): SIGTERM sent to train, which passes it to the script; "
                f"waiting up to {options.stop_grace_s:g} s for it to end, then SIGKILL",
                file=out,
                flush=True,
            )
        elif step == "stop":
            print(
                f"stopping the job (Ctrl-C): SIGTERM sent to train, which passes it to the script, as StopTrainingJob does; "
                f"waiting up to {options.stop_grace_s:g} s for it to end (SageMaker waits 120 s), then SIGKILL. "
                "Press Ctrl-C again to kill it now",
                file=out,
                flush=True,
            )
        else:
            print("second Ctrl-C: SIGKILL to every process of the job", file=out, flush=True)

    finished = run_streaming(
        argv,
        env,
        tree.code_dir,
        tree.log,
        terminate_after_s,
        kill_after_term_s=options.stop_grace_s,
        observe=observe,
        on_interrupt=on_interrupt,
    )
    print(f"--- end of {label} ---", file=out, flush=True)
    metrics = scan.results()
    outcome = read_outcome(
        label,
        tree,
        finished.exit_code,
        finished.duration_s,
        checkpoint_dir,
        metrics,
        finished.terminated_at_s,
        finished.killed,
        by_user=("run-local got SIGTERM" if finished.terminated else "Ctrl-C") if finished.interrupted else "",
    )
    print_summary(outcome, out)
    # Inside the image /opt/ml is real: a missing file there is missing.
    if outcome.exit_code != 0 and client is None and missing.path is not None:
        print(opt_ml_hint(missing.path, (channel.name for channel in job.inputs)), file=out)
    if finished.interrupted:
        raise Terminated if finished.terminated else KeyboardInterrupt  # the summary is out; nothing after this attempt runs
    return outcome


def _note_copied_channels(tree: RunTree, options: LocalOptions, out: TextIO) -> None:
    """Above LARGE_CHANNEL_DATA_BYTES, what the private copies cost and how to pay less."""
    sizes = {channel.name: sum(size for _, size in files_under(channel)) for channel in sorted(tree.data_dir.iterdir())}
    total = sum(sizes.values())
    if total < LARGE_CHANNEL_DATA_BYTES:
        return
    each = ", ".join(f"{name} {size_text(size)}" for name, size in sizes.items() if size)
    keep = ""
    if options.workdir is None:  # runs in a --workdir are never pruned
        keep = f"; --keep N keeps fewer earlier runs (now {'all' if options.keep_runs is None else options.keep_runs})"
    print(
        f"note: this run copied {size_text(total)} of channel data ({each}): each run gets a private copy, which the "
        "script may change, as in SageMaker's File mode. --link-data links your files instead (a script that writes "
        f"to its channel then changes them){keep}",
        file=out,
    )


def _log_lines(log: Path) -> Iterator[str]:
    """The attempt's log, one line at a time: it may be larger than memory."""
    if not log.is_file():
        return
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            yield line.rstrip("\n")


def _shim_environment(job: Job, request: dict[str, Any], tree: RunTree, options: LocalOptions) -> dict[str, str]:
    """The container's environment as far as the script can tell: the image's ENV, the job's
    environment, the platform's TRAINING_JOB_NAME, and the base directory of this run."""
    env = {k: v for k, v in os.environ.items() if k in KEPT_FROM_CALLER or not k.startswith(CONTAINER_ONLY_PREFIXES)}
    env.update(IMAGE_ENVIRONMENT)
    env["SAGEMAKER_PROGRAM"] = job.entry_point
    env.update(request.get("Environment") or {})
    env["TRAINING_JOB_NAME"] = request["TrainingJobName"]
    env["SAGEMAKER_BASE_DIR"] = str(tree.base.resolve())
    env["SM_STUDIO_LOCAL_MODE"] = "true"
    env["TRAIN_BANNER"] = "full" if options.verbose else "brief"
    if not options.install_requirements:
        # The caller's Python stands in for the image: nothing is pip-installed into it unasked.
        env["TRAIN_BAKED_CODE"] = "1"
    if options.python:
        env["SM_PYTHON"] = options.python
        # What activating a virtualenv does: its bin/ first on PATH. SM_PYTHON alone reaches
        # only the .py entry points that train starts itself; an executable whose shebang asks
        # /usr/bin/env for python or python3, a subprocess starting `python`, pip and torchrun
        # find the interpreter by PATH, as they do in the image, where its Python comes first.
        env["PATH"] = os.pathsep.join(p for p in (str(Path(options.python).parent), env.get("PATH", "")) if p)
    elif job.distribution.type == "torchrun":
        _put_torchrun_on_path(env, "python3")
    if job.distribution.type == "torchrun" and "PET_MASTER_PORT" not in env:
        # One host: torchrun's rendezvous listens on 127.0.0.1:29500 unless told otherwise, so
        # two local runs at once would take each other's port (SageMaker runs one job an
        # instance). torchrun takes its options' defaults from PET_* variables.
        env["PET_MASTER_PORT"] = str(_free_port())
    return env


def _free_port() -> int:
    """A TCP port no one listens on now, as the kernel picks them."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _choose_interpreter(job: Job, options: LocalOptions) -> tuple[LocalOptions, bool]:
    """The options with the entry point's interpreter as an absolute path (the shim runs in the
    run's code/, where a relative one would name nothing): --python, else $SM_PYTHON, else a
    virtualenv beside job.yaml (then True), else None for python3 on PATH. --docker runs the
    image's Python: nothing to choose."""
    if options.docker:
        return options, False
    for given, named in ((options.python, "--python"), (os.environ.get("SM_PYTHON"), "$SM_PYTHON")):
        if given:
            found = shutil.which(given)
            if found is None:
                raise LocalRunError(f"{named} {given}: no such interpreter")
            return replace(options, python=os.path.abspath(found)), False
    for name in VIRTUALENV_NAMES:
        # Not resolved: a virtualenv's bin/python is a link to the base interpreter, and only
        # started by its own path does it find the virtualenv's packages.
        beside = job.directory.resolve() / name / "bin" / "python"
        if beside.is_file() and os.access(beside, os.X_OK):
            return replace(options, python=str(beside)), True
    return options, False


def _put_torchrun_on_path(env: dict[str, str], python: str) -> None:
    """A torchrun job runs the torchrun installed beside the entry point's Python (a virtualenv's
    bin/torchrun), so that the workers get the interpreter that has torch; else torchrun on PATH."""
    interpreter = shutil.which(python, path=env.get("PATH"))
    if interpreter is None:
        return
    beside = Path(interpreter).parent / "torchrun"
    if beside.is_file() and os.access(beside, os.X_OK):
        env["PATH"] = os.pathsep.join(p for p in (str(beside.parent), env.get("PATH", "")) if p)


def _docker_run(engine: docker.Engine, job: Job, request: dict[str, Any], tree: RunTree, verbose: bool) -> list[str]:
    env = dict(request.get("Environment") or {})
    env["TRAINING_JOB_NAME"] = request["TrainingJobName"]
    env["SM_STUDIO_LOCAL_MODE"] = "true"
    env["TRAIN_BANNER"] = "full" if verbose else "brief"
    mounts = []
    # input, model and output are mounted whole; a checkpoint directory elsewhere (even under
    # /opt/ml) gets its own mount.
    if job.checkpoints is not None and not _under_mounted_folder(job.checkpoints.local_path):
        mounts.append((checkpoint_target(tree, job.checkpoints.local_path), job.checkpoints.local_path))
    return engine.run_command(docker.image_tag(job.name), tree.base, env, mounts, f"{job.name}-local-{os.getpid()}")


def _under_mounted_folder(value: str) -> bool:
    path = container_path(value)
    return any(path.is_relative_to(docker.OPT_ML / folder) for folder in docker.MOUNTED_FOLDERS)


def _check_inputs(compiled: Compiled, allow_missing: bool) -> None:
    """What a local run needs beyond a valid job: SpecError with each problem, and the warnings
    of the job about other nodes (a missing local: path is a warning of the job, an error here)."""
    job = compiled.job
    problems = []
    # A channel only other instance groups receive is never laid out here: it needs nothing.
    left_out = {name for name, _ in left_out_channels(compiled.rendered.request.body)}
    if not allow_missing:
        for channel in (c for c in missing_channels(job) if c.name not in left_out):
            # A file system lives inside its VPC: nothing on this machine can fetch it.
            where = "" if channel.file_system is None else f" (its {channel.file_system.type} file system is reachable only inside its VPC)"
            problems.append(
                job.source.diagnostic(
                    ("inputs", channel.name),
                    f"channel {channel.name!r} has no local: path for local runs{where}; "
                    "add one (a directory beside job.yaml) or pass --allow-missing-channels",
                )
            )
    for channel, path in ((c, p) for c, p in absent_channel_paths(job) if c.name not in left_out):
        problems.append(
            job.source.diagnostic(
                ("inputs", channel.name, "local"), f"channel {channel.name!r}: local path {path} does not exist"
            )
        )
    for channel, problem in ((c, p) for c, p in channel_problems(job) if c.name not in left_out):
        problems.append(job.source.diagnostic(("inputs", channel.name, "local"), f"channel {channel.name!r}: {problem}"))
    for problem in code_tree_problems(job):
        problems.append(
            job.source.diagnostic(
                ("source_dir",),
                f"{job.source_dir}/{problem}: a local run copies source_dir into the run directory, and nothing in it may lead out",
            )
        )
    if problems:
        errors_at = {problem.pointer for problem in problems}
        raise SpecError(job.path, problems + [w for w in compiled.warnings if w.pointer not in errors_at])


def _missing_requirements(job: Job, options: LocalOptions) -> list[str]:
    try:
        declared = requires.read_requirements(job.directory)
    except requires.RequiresFileError as exc:
        raise LocalRunError(str(exc)) from None
    if not declared or options.docker:
        return []
    python = options.python or "python3"
    return [r.describe(python) for r in requires.missing(declared, python, dict(os.environ))]


def _docker_client(options: LocalOptions, compiled: Compiled, out: TextIO) -> docker.Engine | None:
    if not options.docker:
        return None
    try:
        engine = docker.find_engine()
    except docker.DockerUnavailable as exc:
        raise LocalRunError(str(exc)) from None
    job = compiled.job
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    argv = engine.build_command(compiled.out_dir / "Dockerfile", job.directory, docker.image_tag(job.name))
    print(f"building {docker.image_tag(job.name)}: {' '.join(argv)}", file=out, flush=True)
    built = run_streaming(argv, dict(os.environ), job.directory)
    if built.exit_code != 0:
        raise LocalRunError(f"{engine.kind} build failed with exit status {built.exit_code}")
    return engine


def _artifact_dir(options: LocalOptions) -> Path | None:
    """Where --docker writes the artifacts it builds from: inside the build context (the job's
    directory), in the git-ignored .local/."""
    return options.job_path.parent / LOCAL_DIR / DOCKER_BUILD_DIR if options.docker else None


def _new_run_dir(job: Job, options: LocalOptions) -> Path:
    try:
        return new_run_dir(job, options.workdir)
    except LayoutError as exc:
        raise LocalRunError(str(exc)) from None


def _note_latest(job: Job, options: LocalOptions, out: TextIO) -> None:
    held = latest_is_not_a_link(job) if options.workdir is None else None
    if held is not None:
        print(f"note: {held} is not a symbolic link; left as it is (runs link the last one there when they can)", file=out)


def _notes(job: Job, request: dict[str, Any], options: LocalOptions, out: TextIO) -> None:
    config = request["ResourceConfig"]
    count = sum(group["InstanceCount"] for group in config.get("InstanceGroups") or [config])
    if count > 1:
        print(f"note: the job asks for {count} instances; a local run is the single host algo-1", file=out)
    left_out = left_out_channels(request)
    for name, groups in left_out:
        named = ", ".join(repr(group) for group in groups)
        print(
            f"note: channel {name!r} goes only to instance group{'s' if len(groups) > 1 else ''} {named} (its instance_groups); "
            f"this run's host, {CURRENT_HOST}, plays group {local_group_name(request)!r}, so it gets no {name}, as in SageMaker",
            file=out,
        )
    for channel in (c for c in job.inputs if c.name not in {name for name, _ in left_out}):
        mode = channel.mode or "File"
        if mode != "File":
            print(f"note: channel {channel.name!r} uses {mode} mode in SageMaker; locally its files are plain files", file=out)
    if (job.code_path / "requirements.txt").is_file() and not options.install_requirements:
        print(
            f"note: {job.source_dir}/requirements.txt is not installed (the image installs it at build time); "
            "--install-requirements pip-installs it into the local Python first",
            file=out,
        )


def _shim(compiled: Compiled) -> bytes:
    return next(a.content for a in compiled.rendered.artifacts if a.name == "train")


def _print_warnings(compiled: Compiled) -> None:
    for warning in sorted(compiled.warnings):
        print(warning.format(compiled.job.path), file=sys.stderr)
