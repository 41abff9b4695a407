"""Benchmark: the headline numbers, side by side in one run, with the goals beside them.

- `compile examples/basic` and `--help` against a bare interpreter
  (`python -c "import json, re, pathlib"`), as ratios;
- the `train` shim against the toolkit's `train`, on the realistic fixture (20 hyperparameters,
  2 channels, 2 hosts) and at the API maxima, with dash and mawk.

Run with `make bench` (needs `make oracle`). Every measurement is a median of runs that
alternate between the commands compared, so that a machine busy for a moment slows all of
them alike; it asserts nothing (speed is not a test on shared machines).
`make bench-compile`, `make bench-shim` and the others go into detail.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.shim import harness, jobs

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "basic" / "job.yaml"
PYTHON_ROUNDS = 21
SHIM_ROUNDS = 31
TOOLKIT_ROUNDS = 11


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def alternating(commands: dict[str, tuple[list[str], Path, dict[str, str] | None]], rounds: dict[str, int]) -> dict[str, float]:
    """Median milliseconds of each command, the commands taking turns round by round (after one
    warm-up run each)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, (argv, cwd, env) in commands.items():
        timed(argv, cwd, env)
    for round_number in range(max(rounds.values())):
        for name, (argv, cwd, env) in commands.items():
            if round_number < rounds[name]:
                times[name].append(timed(argv, cwd, env))
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def line(what: str, median_ms: float, ratio: str, goal: str, met: bool | None) -> str:
    verdict = "" if met is None else ("met" if met else "NOT met")
    return f"  {what:<44}{median_ms:9.1f} ms  {ratio:>12}  {goal:<24}{verdict}"


def python_part(scratch: Path) -> list[str]:
    job_dir = scratch / "basic"
    shutil.copytree(EXAMPLE.parent, job_dir, ignore=shutil.ignore_patterns("generated", ".local"))
    python = sys.executable
    # As users run it: the warm-up run writes the bytecode caches that later runs load.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    medians = alternating(
        {
            "bare": ([python, "-c", "import json, re, pathlib"], REPO, env),
            "help": ([python, "-m", "sagemaker_byoc", "--help"], REPO, env),
            "compile": ([python, "-m", "sagemaker_byoc", "compile", str(job_dir / "job.yaml")], REPO, env),
        },
        {"bare": PYTHON_ROUNDS, "help": PYTHON_ROUNDS, "compile": PYTHON_ROUNDS},
    )
    bare = medians["bare"]
    return [
        "the command line, against a bare interpreter",
        line('python -c "import json, re, pathlib"', bare, "1.0x", "", None),
        line("sagemaker-byoc --help", medians["help"], f"{medians['help'] / bare:.2f}x", "<= 3x", medians["help"] <= 3 * bare),
        line("sagemaker-byoc compile examples/basic", medians["compile"], f"{medians['compile'] / bare:.2f}x", "<= 6x (about 150 ms)",
             medians["compile"] <= 6 * bare),
    ]


def shim_part(scratch: Path) -> list[str]:
    rows = ["train: the shim (dash + mawk) against the toolkit's train (5.1.4), a no-op entry point"]
    for key, title, factory, goal in (
        ("realistic", "realistic: 20 hyperparameters, 2 channels, 2 hosts", jobs.realistic, ">= 50x faster"),
        ("maxima", "API maxima: 100 x 2756 characters, 20 channels, 256 hosts", jobs.api_maxima, "<= 100 ms"),
    ):
        toolkit_job, shim_job = factory(program="noop", noop=True), factory(program="noop", noop=True)
        toolkit_tree = harness.build(toolkit_job, scratch / f"{key}-toolkit")
        shim_tree = harness.build(shim_job, scratch / f"{key}-shim")
        shim_env = {**harness.environment(shim_tree, shim_job, harness.DEFAULT_AWK), **dict(harness.DEFAULT_SHELL.env)}
        medians = alternating(
            {
                "toolkit": ([str(harness.ORACLE_TRAIN)], toolkit_tree.root, harness.environment(toolkit_tree, toolkit_job)),
                "shim": (harness.shim_command(harness.DEFAULT_SHELL), shim_tree.root, shim_env),
            },
            {"toolkit": TOOLKIT_ROUNDS, "shim": SHIM_ROUNDS},
        )
        rows.append(f"  {title}")
        rows.append(line("toolkit train", medians["toolkit"], "", "", None))
        if key == "realistic":
            ratio = medians["toolkit"] / medians["shim"]
            rows.append(line("shim", medians["shim"], f"{ratio:.1f}x faster", goal, ratio >= 50))
        else:
            rows.append(line("shim (the toolkit fails here: E2BIG)", medians["shim"], "", goal, medians["shim"] <= 100))
    size = harness.SHIM.stat().st_size
    rows.append(f"  shim/train's size: {size:,} bytes ({size / 1024:.1f} KiB)")
    return rows


def main() -> int:
    print(f"make bench: medians of alternating runs on {os.cpu_count()} CPUs, wall time spawn to exit")
    print()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for row in python_part(Path(scratch)):
            print(row)
        print()
        if not harness.oracle_available():
            print("train: skipped, the toolkit oracle is missing; run `make oracle`")
            return 0
        for row in shim_part(Path(scratch)):
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
