"""Benchmark: wall time of `run-local` on examples/basic, and of its parts side by side.

Run with `make bench-run-local`. Prints medians of several runs measured in this one run: the
whole command, compiling alone (`validate`), and, on one run directory, the generated `train`
shim next to AWS's toolkit `train` (from `make oracle`, when installed). Then heavy stderr, once
each: a 20 MB line without a newline and 100 MB of ordinary lines, through the shim's relay
alone (under mawk, the slowest awk with long lines, when installed) and through the whole
run-local command (its pump on top of the shim), with wall time and the peak RSS of the
largest process. Asserts nothing.
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

REPO = Path(__file__).resolve().parents[2]
JOB = "examples/basic/job.yaml"
ORACLE_TRAIN = REPO / ".oracle" / "bin" / "train"
ROUNDS = 7


def timed(command: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def whole_runs(scratch: Path) -> list[float]:
    return [
        timed([sys.executable, "-m", "sagemaker_byoc", "run-local", JOB, "--workdir", str(scratch / f"run{i}")]) for i in range(ROUNDS)
    ]


def train_runs(base: Path, train: str) -> list[float]:
    """`train` alone on a prepared run directory, as run-local starts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "SAGEMAKER_", "TRAIN"))}
    env.update(
        SAGEMAKER_BASE_DIR=str(base),
        SAGEMAKER_PROGRAM="train.py",
        SM_STUDIO_LOCAL_MODE="true",
        TRAINING_JOB_NAME="basic-example",
        TRAIN_BAKED_CODE="1",
        PYTHONUNBUFFERED="1",
    )
    samples = []
    for _ in range(ROUNDS):
        (base / "output" / "success").unlink(missing_ok=True)
        samples.append(timed([train], cwd=base / "code", env=env))
    return samples


# Heavy stderr, written by an executable entry point with coreutils, so that the writer itself
# stays small and the peak RSS is the relay's or the pump's.
STDERR_CASES = (
    ("20 MB line, no newline", "head -c 20000000 /dev/zero | tr '\\0' a >&2"),
    ("100 MB of 60-byte lines", "yes 'epoch 3 step 1200 loss 0.2500 lr 0.0001 grad-norm 1.2345' | head -c 100000000 >&2"),
)
STRESS_SCRIPT = "stress.sh"


def measured(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process) of one run, in a fresh interpreter so
    that RUSAGE_CHILDREN sees only this command's processes."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    seconds, max_rss_kb = result.stdout.split()
    return float(seconds), int(max_rss_kb) / 1024


def stress_job(scratch: Path, name: str, body: str) -> Path:
    """examples/basic with its entry point replaced by a shell script that writes body."""
    job_dir = scratch / name
    shutil.copytree(REPO / "examples" / "basic", job_dir, ignore=shutil.ignore_patterns(".local", "generated"))
    text = (job_dir / "job.yaml").read_text(encoding="utf-8")
    (job_dir / "job.yaml").write_text(text.replace("entry_point: train.py", f"entry_point: {STRESS_SCRIPT}"), encoding="utf-8")
    script = job_dir / "code" / STRESS_SCRIPT
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return job_dir / "job.yaml"


def mawk_first(scratch: Path) -> tuple[dict[str, str], str]:
    """An environment whose `awk` is mawk when installed, and the awk's name."""
    env = dict(os.environ)
    mawk = shutil.which("mawk")
    if mawk is None:
        return env, "the default awk"
    tools = scratch / "mawk-bin"
    tools.mkdir(exist_ok=True)
    (tools / "awk").unlink(missing_ok=True)
    (tools / "awk").symlink_to(mawk)
    env["PATH"] = f"{tools}:{env.get('PATH', '')}"
    return env, "mawk"


def stderr_stress(scratch: Path) -> tuple[str, list[tuple[str, tuple[float, float], tuple[float, float]]]]:
    env, awk = mawk_first(scratch)
    rows = []
    for index, (label, body) in enumerate(STDERR_CASES):
        job = stress_job(scratch, f"stress{index}", body)
        whole_dir = scratch / f"stress{index}-run"
        whole = measured([sys.executable, "-m", "sagemaker_byoc", "run-local", str(job), "--workdir", str(whole_dir)], REPO, env)
        base = whole_dir.resolve()
        shim_env = {k: v for k, v in env.items() if not k.startswith(("SM_", "SAGEMAKER_", "TRAIN"))}
        shim_env.update(
            SAGEMAKER_BASE_DIR=str(base), SAGEMAKER_PROGRAM=STRESS_SCRIPT, SM_STUDIO_LOCAL_MODE="true",
            TRAINING_JOB_NAME="stress", TRAIN_BAKED_CODE="1",
        )
        (base / "output" / "success").unlink(missing_ok=True)
        relay = measured([str(base / ".run" / "train")], base / "code", shim_env)
        rows.append((label, relay, whole))
    return awk, rows


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        floor = median_ms([timed([sys.executable, "-c", "pass"]) for _ in range(ROUNDS)])
        validate = median_ms([timed([sys.executable, "-m", "sagemaker_byoc", "validate", JOB]) for _ in range(ROUNDS)])
        whole = median_ms(whole_runs(scratch))
        base = (scratch / "run0").resolve()
        shim = median_ms(train_runs(base, str(base / ".run" / "train")))
        toolkit = median_ms(train_runs(base, str(ORACLE_TRAIN))) if ORACLE_TRAIN.is_file() else None
        awk, stress = stderr_stress(scratch)
    print(f"bench-run-local: {JOB}, median of {ROUNDS} runs each, {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  python -c pass (floor)               {floor:8.1f} ms")
    print(f"  validate (compile in memory)         {validate:8.1f} ms")
    print(f"  run-local, whole command             {whole:8.1f} ms")
    print(f"  generated train on the run dir       {shim:8.1f} ms  (the script sleeps 50 ms)")
    if toolkit is None:
        print("  toolkit train                        skipped: make oracle installs it")
    else:
        print(f"  toolkit train on the same run dir    {toolkit:8.1f} ms  ({toolkit / shim:.1f}x the shim)")
    print(f"heavy stderr, one run each: time and peak RSS of the largest process (awk: {awk})")
    print(f"  {'':28} {'shim relay (train alone)':>26}   {'run-local (pump + shim)':>26}")
    for label, (relay_s, relay_mb), (whole_s, whole_mb) in stress:
        print(f"  {label:28} {relay_s:9.2f} s {relay_mb:9.1f} MB      {whole_s:9.2f} s {whole_mb:9.1f} MB")


if __name__ == "__main__":
    main()
