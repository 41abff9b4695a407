"""Checks of a job's `tuning:` section that a schema cannot express.

The rules come from the CreateHyperParameterTuningJob API reference and botocore's model
documentation: ranges are searched between bounds, logarithmic scales need positive bounds,
a grid enumerates categories only, Hyperband stops jobs early by itself, and a tuning job takes
at most 30 tuned and 100 hyperparameters in all (the service adds one of its own,
`_tuning_objective_metric`, that counts too). The API's lengths and counts are checked on the
rendered request (aws/request_rules.py).
"""

from __future__ import annotations

import math
from typing import Iterator

from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from sagemaker_byoc.spec.model import Job, Tuning

MAX_TUNED = 30  # ParameterRanges: "the sum of the number of hyperparameters for all the ranges"
MAX_HYPERPARAMETERS = 100  # static + tuned, the service's own included
SERVICE_HYPERPARAMETERS = ("_tuning_objective_metric",)  # added by the service to every job


def tuning_diagnostics(job: Job) -> Iterator[Diagnostic]:
    if job.tuning is None:
        return
    for rule in (_objective_is_a_metric, _bounds, _counts, _strategy, _parallelism):
        yield from rule(job, job.tuning)


def grid_size(tuning: Tuning) -> int:
    """How many combinations a grid over the categorical ranges has."""
    return math.prod(len(r.values) for r in tuning.ranges)


def _objective_is_a_metric(job: Job, tuning: Tuning) -> Iterator[Diagnostic]:
    names = [m.name for m in job.metrics]
    if tuning.objective_metric in names:
        return
    if not names:
        hint = "; add it to metrics with a regex that captures its value"
    else:
        from difflib import get_close_matches  # on a mistake only

        close = get_close_matches(tuning.objective_metric, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (metrics: {', '.join(names)})"
    yield job.source.diagnostic(
        ("tuning", "objective", "metric"),
        f"objective metric {tuning.objective_metric!r} is not one of metrics[].name{hint}",
    )


def _bounds(job: Job, tuning: Tuning) -> Iterator[Diagnostic]:
    for r in tuning.ranges:
        at = ("tuning", "ranges", r.name)
        if r.kind == "Categorical":
            # As the request lists them, in the job's encoding: under estimator, 1 and "1" are one value.
            encoded = [encode(v, job.hyperparameter_encoding) for v in r.values]
            repeated = sorted({v for v in encoded if encoded.count(v) > 1})
            if repeated:
                yield job.source.diagnostic((*at, "values"), f"{r.name}: the value {repeated[0]} is listed twice")
            continue
        if not r.min < r.max:
            yield job.source.diagnostic((*at, "max"), f"{r.name}: max ({r.max}) must be greater than min ({r.min})")
        if r.scaling == "Logarithmic" and r.min <= 0:
            yield job.source.diagnostic((*at, "scaling"), f"{r.name}: Logarithmic scaling needs bounds greater than 0 (min is {r.min})")
        if r.scaling == "ReverseLogarithmic":
            if r.kind == "Integer":
                yield job.source.diagnostic(
                    (*at, "scaling"),
                    f"{r.name}: ReverseLogarithmic scaling is for continuous ranges; write a bound as a float (e.g. {r.min}.0)",
                )
            elif not (0 <= r.min and r.max < 1):
                yield job.source.diagnostic(
                    (*at, "scaling"), f"{r.name}: ReverseLogarithmic scaling needs the range within 0 <= x < 1 (here {r.min} to {r.max})"
                )


def _counts(job: Job, tuning: Tuning) -> Iterator[Diagnostic]:
    tuned = tuning.tuned_names
    if len(tuned) > MAX_TUNED:
        yield job.source.diagnostic(("tuning", "ranges"), f"{len(tuned)} tuned hyperparameters; a tuning job takes at most {MAX_TUNED}")
    static = [name for name in job.hyperparameters if name not in tuned]
    total = len(static) + len(tuned) + len(SERVICE_HYPERPARAMETERS)
    if total > MAX_HYPERPARAMETERS:
        yield job.source.diagnostic(
            ("tuning", "ranges"),
            f"{len(static)} static and {len(tuned)} tuned hyperparameters, with the service's "
            f"{', '.join(SERVICE_HYPERPARAMETERS)}, make {total}; a tuning job takes at most {MAX_HYPERPARAMETERS}",
        )


def _strategy(job: Job, tuning: Tuning) -> Iterator[Diagnostic]:
    if tuning.strategy == "Grid":
        numeric = [r for r in tuning.ranges if r.kind != "Categorical"]
        for r in numeric:
            yield job.source.diagnostic(
                ("tuning", "ranges", r.name), f"{r.name}: the Grid strategy searches categorical ranges only; list its values instead"
            )
        if not numeric and tuning.max_jobs is not None and tuning.max_jobs != grid_size(tuning):
            yield job.source.diagnostic(
                ("tuning", "max_jobs"),
                f"with the Grid strategy, max_jobs must be omitted or equal the number of combinations ({grid_size(tuning)})",
            )
    elif tuning.max_jobs is None:
        yield job.source.diagnostic(("tuning",), f"the {tuning.strategy} strategy needs max_jobs (only Grid derives it)", key=True)
    if tuning.strategy == "Hyperband" and tuning.early_stopping != "Off":
        yield job.source.diagnostic(
            ("tuning", "early_stopping"), "the Hyperband strategy stops jobs early by itself: early_stopping must be Off"
        )


def _parallelism(job: Job, tuning: Tuning) -> Iterator[Diagnostic]:
    jobs = tuning.max_jobs if tuning.max_jobs is not None else grid_size(tuning)
    if 0 < jobs < tuning.max_parallel_jobs:
        yield job.source.diagnostic(
            ("tuning", "max_parallel_jobs"),
            f"max_parallel_jobs ({tuning.max_parallel_jobs}) is more than the {jobs} training jobs the tuning job runs",
            severity="warning",
        )
