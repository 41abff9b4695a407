"""Benchmark: the toolkit's `train` against shim/train, side by side in one run.

Both launch the same no-op entry point (a copy of /bin/true) on identical fixture trees:
(a) a realistic job (20 hyperparameters, 2 channels, 2 hosts), (b) CreateTrainingJob's
maxima (100 hyperparameters of 256 + 2500 characters, 20 channels, 256 hosts). Prints medians,
the ratio, the floor (dash starting one awk), the shim's time above that floor and the peak
resident memory of the process tree (its largest process, by GNU time's %M). At the maxima
the toolkit cannot launch (E2BIG): that is reported, not treated as a crash. (c) times a
torchrun launch on algo-1 of two hosts: the shim against the toolkit's Environment and
TorchDistributedRunner, with a no-op torchrun.

Run with `make bench-shim` (needs `make oracle`).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.shim import cluster, harness, jobs
from tests.shim.harness import AWKS, Awk, Job, Shell, Tree

# Runs per configuration, by job: (a) realistic, (b) API maxima.
TOOLKIT_RUNS = {"a": 10, "b": 5}
SHIM_RUNS = {"a": 40, "b": 12}
FLOOR_RUNS = 60
E2BIG = 7


@dataclass
class Measurement:
    label: str
    times_s: list[float]
    peak_rss_kib: int | None
    exit_codes: set[int]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_s) * 1000

    @property
    def min_ms(self) -> float:
        return min(self.times_s) * 1000


def measure(label: str, argv: list[str], env: dict[str, str], cwd: Path, runs: int, warmup: int = 2) -> Measurement:
    """Wall time from spawn to reaping, then the peak RSS in separate runs."""
    times = []
    codes = set()
    for index in range(warmup + runs):
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status = os.waitpid(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if index >= warmup:
            times.append(elapsed)
            codes.add(process.returncode)
    return Measurement(label, times, peak_rss_kib(argv, env, cwd), codes)


def peak_rss_kib(argv: list[str], env: dict[str, str], cwd: Path, runs: int = 3) -> int | None:
    """The largest resident set in the process tree, by GNU time (a small parent, so a fork of
    this Python process does not count), or None without /usr/bin/time."""
    if not Path("/usr/bin/time").exists():
        return None
    peak = 0
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        for _ in range(runs):
            subprocess.run(
                ["/usr/bin/time", "-f", "%M", "-o", report.name, *argv],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            report.seek(0)
            lines = report.read().split()
            if lines and lines[-1].isdigit():
                peak = max(peak, int(lines[-1]))
    return peak


def first_run_stderr(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    completed = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    return completed.returncode, completed.stderr.decode("utf-8", "replace")


def tree_for(job: Job, root: Path) -> Tree:
    return harness.build(job, root)


def print_floor(floors: dict[str, Measurement], dash: Measurement) -> None:
    print("floor: `dash -c true` plus one `awk 'BEGIN{}'` start")
    print(f"  {'dash -c true':<34}{dash.median_ms:8.2f} ms")
    for name, measurement in floors.items():
        print(
            f"  {name + ' BEGIN{}':<34}{measurement.median_ms:8.2f} ms   floor {dash.median_ms + measurement.median_ms:6.2f} ms"
        )
    print()


def row(measurement: Measurement, toolkit: Measurement | None, floor_ms: float | None) -> str:
    ratio = ""
    if toolkit is not None and toolkit.exit_codes == {0}:
        ratio = f"{toolkit.median_ms / measurement.median_ms:8.1f}x"
    above = "" if floor_ms is None else f"{measurement.median_ms - floor_ms:+9.2f} ms"
    status = "" if measurement.exit_codes == {0} else f"  exit {sorted(measurement.exit_codes)}"
    rss = "      n/a" if measurement.peak_rss_kib is None else f"{measurement.peak_rss_kib / 1024:9.1f}"
    return (
        f"  {measurement.label:<34}{measurement.median_ms:9.2f} ms{measurement.min_ms:9.2f} ms"
        f"{rss} MiB{ratio:>11}{above:>14}{status}"
    )


def bench_job(name: str, title: str, job_factory, root: Path, floors: dict[str, float]) -> None:
    print(f"({name}) {title}")
    print(f"  {'command':<34}{'median':>12}{'min':>12}{'peak RSS':>13}{'toolkit/x':>11}{'minus floor':>14}")

    toolkit_job = job_factory()
    toolkit_tree = tree_for(toolkit_job, root / f"{name}-toolkit")
    toolkit_env = harness.environment(toolkit_tree, toolkit_job)
    toolkit = measure(
        "toolkit train (5.1.4)", [str(harness.ORACLE_TRAIN)], toolkit_env, toolkit_tree.root, TOOLKIT_RUNS[name], warmup=1
    )
    if toolkit.exit_codes == {0}:
        print(row(toolkit, None, None))
    elif toolkit.exit_codes == {E2BIG}:
        print(row(toolkit, None, None).rstrip() + "  -> cannot launch: E2BIG (errno 7, an environment string over 128 KiB)")
    else:
        print(row(toolkit, None, None).rstrip() + "  -> failed")

    combinations: list[tuple[Shell, Awk]] = [(harness.DEFAULT_SHELL, awk) for awk in AWKS if awk.available()]
    if shutil.which("busybox"):
        combinations.append((harness.shell_named("busybox sh"), harness.awk_named("busybox awk")))
    for shell, awk in combinations:
        shim_job = job_factory()
        tree = tree_for(shim_job, root / f"{name}-{shell.name}-{awk.name}".replace(" ", "_"))
        env = harness.environment(tree, shim_job, awk)
        env.update(shell.env)
        argv = harness.shim_command(shell)
        code, stderr = first_run_stderr(argv, env, tree.root)
        label = f"shim, {shell.name} + {awk.name}"
        if code != 0 or not (tree.base / "output" / "success").exists():
            print(f"  {label:<34} FAILED (exit {code}): {stderr.strip().splitlines()[-1:] if stderr.strip() else ''}")
            continue
        measurement = measure(label, argv, env, tree.root, SHIM_RUNS[name])
        shell_floor = floors["busybox sh -c true"] if shell.argv[0] == "busybox" else floors["dash -c true"]
        print(row(measurement, toolkit, shell_floor + floors[awk.name]))
    print()


TORCHRUN_RUNS = {"toolkit": 10, "shim": 40}

# The PyTorch training container's torchrun path: the toolkit's Environment and its
# TorchDistributedRunner, which spawns torchrun and waits for it.
TOOLKIT_TORCHRUN = """\
from sagemaker_training import environment, runner
environment.Environment()
runner.get(runner.TorchDistributedRunnerType).run(capture_error=False, wait=True)
"""


def torchrun_job() -> Job:
    """algo-1 of two hosts, 2 processes each, 20 hyperparameters; torchrun is a copy of
    /bin/true, so the measurement is the launcher's own cost up to torchrun's start and exit."""
    job = jobs.realistic(program="train.py", noop=True)
    job.hyperparameters = {
        **job.hyperparameters,
        "sagemaker_torch_distributed_enabled": "true",
        "sagemaker_mpi_num_of_processes_per_host": "2",
    }
    job.resourceconfig = cluster.resourceconfig("algo-1")
    return job


def bench_torchrun(root: Path) -> None:
    print("(c) torchrun launch on algo-1 of 2 hosts (2 processes each, 20 hyperparameters), torchrun a no-op")
    print(f"  {'command':<34}{'median':>12}{'min':>12}{'peak RSS':>13}{'toolkit/x':>11}")
    toolkit_job = torchrun_job()
    tree = tree_for(toolkit_job, root / "c-toolkit")
    shutil.copy2("/bin/true", tree.bin_dir / "torchrun")
    env = harness.environment(tree, toolkit_job)
    argv = [str(harness.ORACLE_PYTHON), "-c", TOOLKIT_TORCHRUN]
    code, stderr = first_run_stderr(argv, env, tree.root)
    if code != 0:
        print(f"  toolkit TorchDistributedRunner FAILED (exit {code}): {stderr.strip().splitlines()[-1:]}")
        return
    toolkit = measure("toolkit TorchDistributedRunner", argv, env, tree.root, TORCHRUN_RUNS["toolkit"], warmup=1)
    print(row(toolkit, None, None))
    shim_job = torchrun_job()
    tree = tree_for(shim_job, root / "c-shim")
    shutil.copy2("/bin/true", tree.bin_dir / "torchrun")
    env = harness.environment(tree, shim_job, harness.DEFAULT_AWK)
    argv = harness.shim_command(harness.DEFAULT_SHELL)
    code, stderr = first_run_stderr(argv, env, tree.root)
    if code != 0 or "torchrun --nnodes 2 --nproc_per_node 2" not in stderr:
        print(f"  shim FAILED (exit {code}): {stderr.strip().splitlines()[-1:]}")
        return
    label = f"shim, {harness.DEFAULT_SHELL.name} + {harness.DEFAULT_AWK.name}"
    print(row(measure(label, argv, env, tree.root, TORCHRUN_RUNS["shim"]), toolkit, None))
    print()


def main() -> int:
    if not harness.oracle_available():
        print("error: the toolkit oracle is missing; run `make oracle`", file=sys.stderr)
        return 2
    if not harness.SHIM.is_file():
        print(f"error: {harness.SHIM} does not exist", file=sys.stderr)
        return 2
    print("shim/train vs the toolkit's train: no-op entry point, DNS wait skipped (SM_STUDIO_LOCAL_MODE=true)")
    print(f"{os.cpu_count()} CPUs; toolkit {TOOLKIT_RUNS} runs, shim {SHIM_RUNS} runs per configuration; wall time spawn-to-reap")
    print()
    with tempfile.TemporaryDirectory(prefix="bench-shim-") as scratch:
        root = Path(scratch)
        plain_env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
        dash = measure("dash -c true", ["dash", "-c", "true"], plain_env, root, FLOOR_RUNS)
        floors_ms = {"dash -c true": dash.median_ms}
        if shutil.which("busybox"):
            floors_ms["busybox sh -c true"] = measure(
                "busybox sh", ["busybox", "sh", "-c", "true"], plain_env, root, FLOOR_RUNS
            ).median_ms
        awk_floors = {}
        for awk in AWKS:
            if awk.available():
                directory = harness.awk_dir(awk, root)
                awk_floors[awk.name] = measure(awk.name, [str(directory / "awk"), "BEGIN{}"], plain_env, root, FLOOR_RUNS)
                floors_ms[awk.name] = awk_floors[awk.name].median_ms
        print_floor(awk_floors, dash)
        bench_job(
            "a",
            "realistic job: 20 hyperparameters, 2 channels, 2 hosts",
            lambda: jobs.realistic(program="noop", noop=True),
            root,
            floors_ms,
        )
        bench_job(
            "b",
            "API maxima: 100 hyperparameters x (256 + 2500 characters), 20 channels, 256 hosts",
            lambda: jobs.api_maxima(program="noop", noop=True),
            root,
            floors_ms,
        )
        bench_torchrun(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
