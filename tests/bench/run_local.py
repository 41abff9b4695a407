"""Benchmark: wall time of `run-local` on examples/basic, and of its parts side by side.

Run with `make bench-run-local`. Prints medians of several runs measured in this one run: the
whole command, compiling alone (`validate`), and, on one run directory, the generated `train`
shim next to AWS's toolkit `train` (from `make oracle`, when installed). Asserts nothing.
"""

from __future__ import annotations

import os
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
        timed([sys.executable, "-m", "compiler", "run-local", JOB, "--workdir", str(scratch / f"run{i}")]) for i in range(ROUNDS)
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


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        floor = median_ms([timed([sys.executable, "-c", "pass"]) for _ in range(ROUNDS)])
        validate = median_ms([timed([sys.executable, "-m", "compiler", "validate", JOB]) for _ in range(ROUNDS)])
        whole = median_ms(whole_runs(scratch))
        base = (scratch / "run0").resolve()
        shim = median_ms(train_runs(base, str(base / ".run" / "train")))
        toolkit = median_ms(train_runs(base, str(ORACLE_TRAIN))) if ORACLE_TRAIN.is_file() else None
    print(f"bench-run-local: {JOB}, median of {ROUNDS} runs each, {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  python -c pass (floor)               {floor:8.1f} ms")
    print(f"  validate (compile in memory)         {validate:8.1f} ms")
    print(f"  run-local, whole command             {whole:8.1f} ms")
    print(f"  generated train on the run dir       {shim:8.1f} ms  (the script sleeps 50 ms)")
    if toolkit is None:
        print("  toolkit train                        skipped: make oracle installs it")
    else:
        print(f"  toolkit train on the same run dir    {toolkit:8.1f} ms  ({toolkit / shim:.1f}x the shim)")


if __name__ == "__main__":
    main()
