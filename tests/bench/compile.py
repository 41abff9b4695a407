"""Benchmark: wall time of compiling one example, and of 100 job files in one invocation.

Run with `make bench-compile`. Prints medians of several runs, measured side by side in this
one run; it asserts nothing (speed is not a test on shared machines).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "basic"
ROUNDS = 7
JOBS = 100

# Compiles every job given on the command line in one interpreter.
MANY = """
import sys
from pathlib import Path
from compiler.output import write_artifacts
from compiler.pipeline import compile_job
for job in sys.argv[1:]:
    compiled = compile_job(Path(job))
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_ms(command: list[str]) -> float:
    return statistics.median(timed(command) for _ in range(ROUNDS)) * 1000


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
        imports = median_ms([sys.executable, "-c", "import compiler.pipeline, compiler.output"])
        one = median_ms([sys.executable, "-m", "compiler", "compile", jobs[0]])
        many = median_ms([sys.executable, "-c", MANY, *jobs])
    print(f"bench-compile: median of {ROUNDS} runs each, {sys.version.split()[0]}")
    print(f"  python -c pass (floor)             {floor:8.1f} ms")
    print(f"  import the compiler                {imports:8.1f} ms")
    print(f"  compile examples/basic             {one:8.1f} ms  ({one - floor:.1f} ms over the floor)")
    print(f"  compile {JOBS} jobs, one invocation  {many:8.1f} ms  ({(many - imports) / JOBS:.2f} ms per job after imports)")


if __name__ == "__main__":
    main()
