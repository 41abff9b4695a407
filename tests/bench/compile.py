"""Benchmark: wall time of compiling one example, and of 100 job files in one invocation; and
the time and peak memory of refusing a "billion laughs" alias bomb of under 600 bytes.

Run with `make bench-compile`. Prints medians of several runs, measured side by side in this
one run; it asserts nothing (speed is not a test on shared machines).
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
# Nine levels of nine aliases: 9**10 strings once expanded, refused at the expansion limit.
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefghi", "bcdefghij")
)
EXAMPLE = REPO / "examples" / "basic"
ROUNDS = 7
JOBS = 100

# Compiles every job given on the command line in one interpreter.
MANY = """
import sys
from pathlib import Path
from sagemaker_byoc.compiler.output import write_artifacts
from sagemaker_byoc.compiler.pipeline import compile_job
for job in sys.argv[1:]:
    compiled = compile_job(Path(job))
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
"""


# As users run it: the first run writes the bytecode caches that later runs load.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_ms(command: list[str]) -> float:
    return statistics.median(timed(command) for _ in range(ROUNDS)) * 1000


def refusal_ms_and_peak_kib(command: list[str]) -> tuple[float, int]:
    """Median wall time and largest resident set of a command that must exit 2."""
    times, peak = [], 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 2:
            raise SystemExit(f"expected exit 2 from {command}, got {os.waitstatus_to_exitcode(status)}")
        peak = max(peak, usage.ru_maxrss)
    return statistics.median(times) * 1000, peak


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        jobs = []
        for index in range(JOBS):
            copy = Path(scratch) / f"job{index:03}"
            shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("generated", ".local"))
            text = (copy / "job.yaml").read_text().replace("name: basic-example", f"name: basic-{index}")
            (copy / "job.yaml").write_text(text)
            jobs.append(str(copy / "job.yaml"))
        floor = median_ms([sys.executable, "-c", "pass"])
        imports = median_ms([sys.executable, "-c", "import sagemaker_byoc.compiler.pipeline, sagemaker_byoc.compiler.output"])
        one = median_ms([sys.executable, "-m", "sagemaker_byoc", "compile", jobs[0]])
        many = median_ms([sys.executable, "-c", MANY, *jobs])
        bomb = Path(scratch) / "bomb" / "job.yaml"
        bomb.parent.mkdir()
        bomb.write_text(ALIAS_BOMB)
        bomb_ms, bomb_kib = refusal_ms_and_peak_kib([sys.executable, "-m", "sagemaker_byoc", "validate", str(bomb)])
        long_values = {}
        for size in (40_000, 1_000_000):
            job = Path(scratch) / f"long{size}" / "job.yaml"
            shutil.copytree(EXAMPLE, job.parent, ignore=shutil.ignore_patterns("generated", ".local"))
            # Every string is scanned for credentials: a scheme-like run and many `://` in one value.
            job.write_text(job.read_text() + f"environment:\n  NOTE: {'a' * size}\n  URLS: 'x{'a://' * (size // 4)}'\n")
            long_values[size] = refusal_ms_and_peak_kib([sys.executable, "-m", "sagemaker_byoc", "validate", str(job)])
        missing = str(Path(scratch) / "missing.yaml")
        _, valid_kib = refusal_ms_and_peak_kib([sys.executable, "-m", "sagemaker_byoc", "validate", missing])
    print(f"bench-compile: median of {ROUNDS} runs each, {sys.version.split()[0]}")
    print(f"  python -c pass (floor)             {floor:8.1f} ms")
    print(f"  import the compiler                {imports:8.1f} ms")
    print(f"  compile examples/basic             {one:8.1f} ms  ({one - floor:.1f} ms over the floor)")
    print(f"  compile {JOBS} jobs, one invocation  {many:8.1f} ms  ({(many - imports) / JOBS:.2f} ms per job after imports)")
    print(
        f"  refuse a {len(ALIAS_BOMB)}-byte alias bomb       {bomb_ms:8.1f} ms  peak {bomb_kib / 1024:.1f} MiB "
        f"(a missing file: {valid_kib / 1024:.1f} MiB)"
    )
    for size, (ms, kib) in long_values.items():
        print(f"  refuse two {size:>9,}-char values {ms:8.1f} ms  peak {kib / 1024:.1f} MiB (time grows with the length, not its square)")


if __name__ == "__main__":
    main()
