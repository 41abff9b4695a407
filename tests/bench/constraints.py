"""Benchmark: loading the derived constraints file against loading botocore's full SageMaker model.

Run with `make bench-constraints`. Each figure is the median of several fresh interpreters (cold
imports, warm page cache), measured side by side in this one run; it asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 9

TIMED = """
import sys, time
start = time.perf_counter()
{body}
print(time.perf_counter() - start)
"""

STEPS = {
    "load schemas/create_training_job.constraints.json": (
        "import json; json.load(open('schemas/create_training_job.constraints.json', encoding='utf-8'))"
    ),
    "load botocore's sagemaker service-2.json.gz": (
        "import botocore.loaders; botocore.loaders.Loader().load_service_model('sagemaker', 'service-2')"
    ),
    "import spec (the package: loader, jsonschema, ...)": "import spec",
    "import spec.request_rules and load its constraints": ("from spec.request_rules import load_constraints; load_constraints()"),
    "check_request on a full request (first call, cold)": (
        "from spec.request_rules import check_request, load_constraints\n"
        "from tests.test_request_rules import full_request\n"
        "request = full_request(); load_constraints()\n"
        "start = time.perf_counter()\n"
        "assert check_request(request) == []"
    ),
}


def median_ms(body: str) -> float:
    runs = []
    for _ in range(ROUNDS):
        output = subprocess.run(
            [sys.executable, "-c", TIMED.format(body=body)], cwd=REPO, check=True, capture_output=True, text=True
        ).stdout
        runs.append(float(output.split()[-1]))
    return statistics.median(runs) * 1000


def in_process_ms(load) -> float:
    """Median of repeated loads in this interpreter: imports already done, only reading and parsing."""
    runs = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        load()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def load_derived() -> None:
    with (REPO / "schemas" / "create_training_job.constraints.json").open(encoding="utf-8") as handle:
        json.load(handle)


def load_full() -> None:
    import botocore.loaders

    botocore.loaders.Loader().load_service_model("sagemaker", "service-2")


def constraint_counts() -> dict[str, int]:
    constraints = json.loads((REPO / "schemas" / "create_training_job.constraints.json").read_text(encoding="utf-8"))
    shapes = constraints["shapes"].values()
    return {
        "shapes": len(constraints["shapes"]),
        "required members": sum(len(s.get("required", [])) for s in shapes),
        "min": sum("min" in s for s in shapes),
        "max": sum("max" in s for s in shapes),
        "pattern": sum("pattern" in s for s in shapes),
        "enum": sum("enum" in s for s in shapes),
        "distinct patterns": len(constraints["patterns"]),
        "cli-stricter shapes": len(constraints["cli_stricter"]),
    }


def main() -> None:
    print(f"bench-constraints: median of {ROUNDS} fresh interpreters each, {sys.version.split()[0]}")
    results = {label: median_ms(body) for label, body in STEPS.items()}
    for label, value in results.items():
        print(f"  {label:52} {value:8.2f} ms")
    derived, full = results[next(iter(STEPS))], results[list(STEPS)[1]]
    print(f"  full model / derived file: {full / derived:.0f}x")
    load_full()  # imports botocore once, outside the timing
    derived_warm, full_warm = in_process_ms(load_derived), in_process_ms(load_full)
    print(
        f"  in one interpreter, parsing only: derived {derived_warm:.2f} ms, full model {full_warm:.1f} ms "
        f"({full_warm / derived_warm:.0f}x)"
    )
    size = (REPO / "schemas" / "create_training_job.constraints.json").stat().st_size
    print(f"  derived file size: {size / 1024:.1f} KiB")
    counts = constraint_counts()
    print("  constraints: " + ", ".join(f"{name} {count}" for name, count in counts.items()))


if __name__ == "__main__":
    main()
