"""run-local --trial N: a tuning job rehearsed on this machine.

Each trial is an ordinary local run whose tuned hyperparameters are drawn from the job's ranges
(seeded, so a rehearsal can be repeated) and passed as the service passes them, with
`_tuning_objective_metric` beside them. The objective metric's regex is applied to each trial's
log, so a metric that is never printed, or a regex that never matches, shows up before a tuning
job spends money on it. Exit status: 0 when every trial succeeded and reported the objective,
1 otherwise, 2 for a setup problem.
"""

from __future__ import annotations

import json
import math
import random
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local.layout import LayoutError, claim_run, new_run_dir
from sagemaker_byoc.local.metrics import extract
from sagemaker_byoc.local.session import EXIT_FAILED, EXIT_SUCCEEDED, LocalOptions, LocalRunError, prune_earlier_runs, run_local
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from sagemaker_byoc.spec.model import Job, Metric, ParameterRange, Tuning

SERVICE_OBJECTIVE_KEY = "_tuning_objective_metric"


@dataclass(frozen=True)
class Trial:
    number: int
    values: dict[str, Any]
    exit_code: int
    objective: float | None


def draw(parameter: ParameterRange, chooser: random.Random) -> Any:
    """One value inside a range, searched on the range's scale."""
    if parameter.kind == "Categorical":
        return chooser.choice(parameter.values)
    if parameter.kind == "Integer":
        return chooser.randint(parameter.min, parameter.max)
    low, high = float(parameter.min), float(parameter.max)
    if parameter.scaling == "Logarithmic":
        return math.exp(chooser.uniform(math.log(low), math.log(high)))
    if parameter.scaling == "ReverseLogarithmic":
        return 1 - math.exp(chooser.uniform(math.log(1 - high), math.log(1 - low)))
    return chooser.uniform(low, high)


def run_trials(options: LocalOptions, count: int, seed: int, out: TextIO) -> int:
    job = compile_job(options.job_path, overrides=options.overrides).job
    tuning = job.tuning
    if tuning is None:
        raise LocalRunError(f"{options.job_path}: --trial needs a tuning: section")
    objective = next(m for m in job.metrics if m.name == tuning.objective_metric)
    try:
        # A folder of its own, even for two --trial runs started in the same second.
        root = options.workdir or new_run_dir(job, None, suffix="-trials")
    except LayoutError as exc:
        raise LocalRunError(str(exc)) from None
    with claim_run(root) if options.workdir is None else nullcontext():
        prune_earlier_runs(job, options, root, out)
        return _run_trials(job, tuning, objective, root, options, count, seed, out)


def _run_trials(job: Job, tuning: Tuning, objective: Metric, root: Path, options: LocalOptions, count: int, seed: int, out: TextIO) -> int:
    chooser = random.Random(seed)
    trials = []
    for number in range(1, count + 1):
        values = {r.name: draw(r, chooser) for r in tuning.ranges}
        print(f"--- trial {number} of {count}: {describe(values)} ---", file=out, flush=True)
        workdir = root / f"trial-{number}"
        # The service puts each tuned value over the static hyperparameters of the same name
        # (job.yaml's or the escape hatch's), as the tuning request lists it, and adds a key of
        # its own, as it is.
        service = {r.name: as_the_service_sends(r, values[r.name], job.hyperparameter_encoding) for r in tuning.ranges}
        service[SERVICE_OBJECTIVE_KEY] = tuning.objective_metric
        exit_code = run_local(replace(options, workdir=workdir, service_hyperparameters=service), out)
        trials.append(Trial(number, values, exit_code, objective_value(objective, workdir)))
    return report(trials, tuning, out)


def as_the_service_sends(parameter: ParameterRange, value: Any, encoding: str) -> str:
    """A categorical value as the tuning request lists it (in the job's hyperparameter_encoding,
    compiler/tuning_request.py); a number drawn from a range as its decimal text."""
    if parameter.kind == "Categorical":
        return encode(value, encoding)
    return json.dumps(value)


def objective_value(objective: Metric, workdir: Path) -> float | None:
    """The objective's last value in a trial's log, as SageMaker reads the final metric."""
    log = workdir / ".run" / "log.txt"
    if not log.is_file():
        return None
    with log.open(encoding="utf-8", errors="replace") as lines:
        return extract((objective,), lines)[0].last


def report(trials: list[Trial], tuning: Tuning, out: TextIO) -> int:
    print(f"trials (objective {tuning.objective_metric}, {tuning.objective_type}):", file=out)
    for trial in trials:
        result = f"{trial.objective:g}" if trial.objective is not None else "no value"
        failed = "" if trial.exit_code == 0 else f" (exit status {trial.exit_code})"
        print(f"  trial {trial.number}: {describe(trial.values)} -> {result}{failed}", file=out)
    scored = [t for t in trials if t.exit_code == 0 and t.objective is not None]
    if scored:
        pick = min if tuning.objective_type == "Minimize" else max
        best = pick(scored, key=lambda t: t.objective)
        print(f"best: trial {best.number}, {tuning.objective_metric} {best.objective:g}: {describe(best.values)}", file=out)
    else:
        print(
            f"no trial reported {tuning.objective_metric}: check that the script prints it and that its regex in metrics "
            "captures the value",
            file=out,
        )
    return EXIT_SUCCEEDED if len(scored) == len(trials) else EXIT_FAILED


def describe(values: dict[str, Any]) -> str:
    return " ".join(f"{name}={value:.6g}" if isinstance(value, float) else f"{name}={json.dumps(value)}" for name, value in values.items())
