"""The CreateHyperParameterTuningJob request, built from the job's training request.

The training job definition is the CreateTrainingJob request itself, member for member, so the
two can never drift apart: what the tuning API has no place for (the job name, the tags, which
move to the tuning job) is left out, and the hyperparameters become the static ones, less the
tuned names. Origins carry over, so a violation is still reported at its job.yaml line. The
definition's ResourceConfig has no warm pool (KeepAlivePeriodInSeconds): the tuning API takes
none.
"""

from __future__ import annotations

import copy

from sagemaker_byoc.aws.tuning_definition import DEFINITION_MEMBERS, TUNING_JOB_NAME_MAX, WARM_POOL
from sagemaker_byoc.compiler.request import Request, RequestPath, encode_hyperparameter
from sagemaker_byoc.spec.model import Job, ParameterRange, Tuning

RANGE_MEMBERS = {"Integer": "IntegerParameterRanges", "Continuous": "ContinuousParameterRanges", "Categorical": "CategoricalParameterRanges"}


def tuning_job_name(name: str, limit: int = TUNING_JOB_NAME_MAX) -> str:
    """The job's name cut to the tuning API's 32 characters, never ending in a hyphen."""
    return name[:limit].rstrip("-")


def plain_decimal(value: int | float) -> str:
    """A bound as a plain decimal string: 0.0001, never 1e-04."""
    if isinstance(value, int):
        return str(value)
    from decimal import Decimal  # with a tuning: section only

    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def build_tuning_request(job: Job, training: Request) -> Request:
    tuning = job.tuning
    assert tuning is not None
    request = Request()
    request.origins[("HyperParameterTuningJobConfig",)] = ("tuning",)
    request.origins[("TrainingJobDefinition",)] = ()
    request.set(("HyperParameterTuningJobName",), tuning_job_name(job.name), ("name",))
    _config(request, tuning, job.hyperparameter_encoding)
    definition: RequestPath = ("TrainingJobDefinition",)
    for member in DEFINITION_MEMBERS:
        if member in training.body:
            _copy(training, (member,), request, (*definition, member))
    _without_warm_pool(request, (*definition, "ResourceConfig"))
    for name, value in training.body.get("HyperParameters", {}).items():
        if name not in tuning.tuned_names:
            request.set((*definition, "StaticHyperParameters", name), value, training.origin(("HyperParameters", name)))
    if "Tags" in training.body:
        _copy(training, ("Tags",), request, ("Tags",))
    return request


def _without_warm_pool(request: Request, resources: RequestPath) -> None:
    """The tuning API takes no KeepAlivePeriodInSeconds (botocore's model: "Hyperparameter
    tuning jobs use warm pools by default, which reuse clusters between training jobs"); the
    SDK leaves it out too. spec/semantics.py warns at the line that set it."""
    config = request.lookup(resources)
    if isinstance(config, dict) and config.pop(WARM_POOL, None) is not None:
        request.origins.pop((*resources, WARM_POOL), None)
        request.rules.pop((*resources, WARM_POOL), None)


def _config(request: Request, tuning: Tuning, encoding: str) -> None:
    config: RequestPath = ("HyperParameterTuningJobConfig",)
    request.set((*config, "Strategy"), tuning.strategy, ("tuning", "strategy"))
    objective = (*config, "HyperParameterTuningJobObjective")
    request.set((*objective, "Type"), tuning.objective_type, ("tuning", "objective", "type"))
    request.set((*objective, "MetricName"), tuning.objective_metric, ("tuning", "objective", "metric"))
    limits = (*config, "ResourceLimits")
    if tuning.max_jobs is not None:
        request.set((*limits, "MaxNumberOfTrainingJobs"), tuning.max_jobs, ("tuning", "max_jobs"))
    request.set((*limits, "MaxParallelTrainingJobs"), tuning.max_parallel_jobs, ("tuning", "max_parallel_jobs"))
    if tuning.max_runtime is not None:
        request.set((*limits, "MaxRuntimeInSeconds"), tuning.max_runtime, ("tuning", "max_runtime"))
    request.set((*config, "TrainingJobEarlyStoppingType"), tuning.early_stopping, ("tuning", "early_stopping"))
    request.origins[(*config, "ParameterRanges")] = ("tuning", "ranges")
    counts = dict.fromkeys(RANGE_MEMBERS.values(), 0)
    for r in tuning.ranges:
        member = RANGE_MEMBERS[r.kind]
        _range(request, (*config, "ParameterRanges", member, counts[member]), r, encoding)
        counts[member] += 1


def _range(request: Request, at: RequestPath, r: ParameterRange, encoding: str) -> None:
    spec = ("tuning", "ranges", r.name)
    request.set((*at, "Name"), r.name, spec)
    if r.kind == "Categorical":
        # In the job's encoding, as the static values: a trial gets what a training job would.
        for index, value in enumerate(r.values):
            request.set((*at, "Values", index), encode_hyperparameter(value, encoding), (*spec, "values", index))
        return
    request.set((*at, "MinValue"), plain_decimal(r.min), (*spec, "min"))
    request.set((*at, "MaxValue"), plain_decimal(r.max), (*spec, "max"))
    request.set((*at, "ScalingType"), r.scaling, (*spec, "scaling") if r.scaling != "Auto" else spec)


def _copy(source: Request, source_path: RequestPath, target: Request, target_path: RequestPath) -> None:
    """A member of one request, and the origins recorded under it, placed in another."""
    value = source.body[source_path[0]]
    target.set(target_path, copy.deepcopy(value), source.origin(source_path))
    depth = len(source_path)
    for path, origin in source.origins.items():
        if path[:depth] == source_path:
            target.origins[target_path + path[depth:]] = origin
