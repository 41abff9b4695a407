"""Loading a job: read the YAML, validate against the schema, build the model, check semantics.

`check_document` checks a read document and returns the model with every finding, for the
pipeline (compiler/pipeline.py) to add the API's findings to; `load_job` returns a Job and its
warnings, or raises SpecError carrying every error at once: the schema's and, on the sections
the schema accepted, the semantic checks'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sagemaker_byoc.spec.defaults import channel_default, default, definition_default
from sagemaker_byoc.spec.diagnostics import Diagnostic, SpecError
from sagemaker_byoc.spec.durations import seconds
from sagemaker_byoc.spec.model import (
    Channel,
    Checkpoints,
    Debugger,
    Distribution,
    Experiment,
    FileSystem,
    Image,
    InstanceGroup,
    Job,
    Limits,
    Metric,
    Network,
    Output,
    ParameterRange,
    Profiler,
    Resources,
    Rule,
    TensorBoard,
    Tuning,
)
from sagemaker_byoc.spec.partial import PartialDocument, section, with_stand_ins
from sagemaker_byoc.spec.schema import refused_sections, schema_diagnostics
from sagemaker_byoc.spec.semantics import semantic_diagnostics
from sagemaker_byoc.spec.source import Source, read_source


def load_job(path: Path | str) -> tuple[Job, list[Diagnostic]]:
    """The checked job and its warnings; SpecError if anything is wrong."""
    checked = check_document(read_source(Path(path)))
    if checked.refused or any(d.severity == "error" for d in checked.findings):
        raise SpecError(checked.job.path, checked.findings)
    return checked.job, checked.findings


@dataclass(frozen=True)
class Checked:
    """A job checked by the schema and the semantic rules, with every finding, errors included,
    so that a caller can add findings of its own (the request's) and report all at once."""

    job: Job  # a section the schema refused is UNCHECKED in it (spec/partial.py)
    findings: list[Diagnostic]
    refused: frozenset[str]  # the top-level sections the schema refused
    # The models the API's rules read: the job itself, or with refused sections, the job twice
    # with other valid stand-ins for them (spec/partial.py).
    complete: tuple[Job, ...]


def check_document(source: Source) -> Checked:
    """Check a document: the schema, then the semantic rules on the sections it accepted.
    SpecError only when nothing can be checked: the document is not a mapping."""
    problems = schema_diagnostics(source)
    refused = refused_sections(source) if problems else frozenset()
    if refused is None:
        raise SpecError(source.path, problems)
    if not refused:
        job = build_job(source)
        return Checked(job, problems + semantic_diagnostics(job), refused, (job,))
    job = build_job(replace(source, data=PartialDocument(source.data, refused)))
    complete = tuple(build_job(replace(source, data=data)) for data in with_stand_ins(source.data, refused))
    return Checked(job, problems + semantic_diagnostics(job), refused, complete)


def build_job(source: Source) -> Job:
    """The model of a document, with every default filled in; a section the schema refused is
    UNCHECKED (source.data is then a PartialDocument)."""
    data = source.data

    def part(key: str, build: Callable[[], Any]) -> Any:
        return section(data, key, build)

    return Job(
        path=source.path,
        name=part("name", lambda: data["name"]),
        account=part("account", lambda: data["account"]),
        region=part("region", lambda: data["region"]),
        role=part("role", lambda: data["role"]),
        image=part("image", lambda: _image(data["image"])),
        source_dir=part("source_dir", lambda: data.get("source_dir", default("source_dir"))),
        entry_point=part("entry_point", lambda: data["entry_point"]),
        hyperparameters=part("hyperparameters", lambda: dict(data.get("hyperparameters") or {})),
        inputs=part("inputs", lambda: tuple(_channel(name, value) for name, value in (data.get("inputs") or {}).items())),
        output=part("output", lambda: _output(data["output"])),
        resources=part("resources", lambda: _resources(data.get("resources") or {})),
        distribution=part("distribution", lambda: _distribution(data.get("distribution") or {})),
        limits=part("limits", lambda: _limits(data.get("limits") or {})),
        spot=part("spot", lambda: data.get("spot", default("spot"))),
        checkpoints=part("checkpoints", lambda: _checkpoints(data.get("checkpoints"))),
        environment=part("environment", lambda: {k: _environment_value(v) for k, v in (data.get("environment") or {}).items()}),
        metrics=part("metrics", lambda: tuple(Metric(m["name"], m["regex"]) for m in data.get("metrics") or [])),
        tags=part("tags", lambda: dict(data.get("tags") or {})),
        network=part("network", lambda: _network(data.get("network") or {})),
        retry_attempts=part("retry", lambda: (data.get("retry") or {}).get("max_attempts")),
        allow_secrets=part("allow_secrets", lambda: tuple(data.get("allow_secrets", ()))),
        source=source,
        hyperparameter_encoding=part("hyperparameter_encoding", lambda: data.get("hyperparameter_encoding", default("hyperparameter_encoding"))),
        tuning=part("tuning", lambda: _tuning(data.get("tuning"))),
        tensorboard=part("tensorboard", lambda: _tensorboard(data.get("tensorboard"))),
        experiment=part("experiment", lambda: _experiment(data.get("experiment"))),
        debugger=part("debugger", lambda: _debugger(data.get("debugger"))),
        profiler=part("profiler", lambda: _profiler(data.get("profiler"))),
        request=part("request", lambda: dict(data.get("request") or {})),
        request_override=part("request_override", lambda: dict(data.get("request_override") or {})),
    )


def _image(image: dict[str, Any]) -> Image:
    base = image.get("base", default("image", "base"))
    return Image(
        base=base,
        python=image.get("python", default("image", "python")),
        cuda=image.get("cuda", default("image", "cuda") if base == "cuda" else None),
        apt=tuple(image.get("apt", ())),
        pip=tuple(image.get("pip", ())),
        requirements=image.get("requirements"),
        repository=image["repository"],
        tag=image.get("tag"),
        base_image=image.get("base_image"),
        pip_index_url=image.get("pip_index_url"),
        extra_index_urls=tuple(image.get("extra_index_urls", ())),
    )


def _channel(name: str, value: str | dict[str, Any]) -> Channel:
    spec = {"s3": value} if isinstance(value, str) else value
    return Channel(
        name=name,
        s3=spec.get("s3"),
        content_type=spec.get("content_type"),
        mode=spec.get("mode"),
        distribution=spec.get("distribution", channel_default("distribution")),
        compression=spec.get("compression", channel_default("compression")),
        record_wrapper=spec.get("record_wrapper", channel_default("record_wrapper")),
        data_type=spec.get("data_type", channel_default("data_type")),
        local=spec.get("local"),
        instance_groups=tuple(spec.get("instance_groups", ())),
        file_system=_file_system(spec),
    )


# job.yaml's key for each file system, and the API's FileSystemType.
FILE_SYSTEM_TYPES = {"fsx": "FSxLustre", "efs": "EFS"}


def _file_system(spec: dict[str, Any]) -> FileSystem | None:
    for key, api_type in FILE_SYSTEM_TYPES.items():
        if key in spec:
            mount = spec[key]
            return FileSystem(type=api_type, id=mount["id"], path=mount["path"], access=mount.get("access", definition_default("file_system", "access")))
    return None


def _tensorboard(tensorboard: dict[str, Any] | None) -> TensorBoard | None:
    if tensorboard is None:
        return None
    return TensorBoard(s3=tensorboard["s3"], local_path=tensorboard.get("local_path", default("tensorboard", "local_path")))


def _experiment(experiment: dict[str, Any] | None) -> Experiment | None:
    if experiment is None:
        return None
    return Experiment(
        name=experiment["name"], trial=experiment.get("trial"), run=experiment.get("run"), display_name=experiment.get("display_name")
    )


def _config_map(values: dict[str, str | float] | None) -> dict[str, str]:
    """Debugger parameters are strings; numbers are written as their JSON text (100, 0.5)."""
    return {name: str(value) for name, value in (values or {}).items()}


def _rules(rules: dict[str, dict[str, Any]] | None) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            name=name,
            image=rule["image"],
            parameters=_config_map(rule.get("parameters")),
            instance_type=rule.get("instance_type"),
            volume_gb=rule.get("volume_gb"),
            s3=rule.get("s3"),
            local_path=rule.get("local_path"),
        )
        for name, rule in (rules or {}).items()
    )


def _debugger(debugger: dict[str, Any] | None) -> Debugger | None:
    if debugger is None:
        return None
    return Debugger(
        s3=debugger["s3"],
        local_path=debugger.get("local_path"),
        hook_parameters=_config_map(debugger.get("hook_parameters")),
        collections={name: _config_map(parameters) for name, parameters in (debugger.get("collections") or {}).items()},
        rules=_rules(debugger.get("rules")),
    )


def _profiler(profiler: dict[str, Any] | None) -> Profiler | None:
    if profiler is None:
        return None
    return Profiler(
        s3=profiler.get("s3"),
        interval_ms=profiler.get("interval_ms"),
        parameters=_config_map(profiler.get("parameters")),
        disable=profiler.get("disable", default("profiler", "disable")),
        rules=_rules(profiler.get("rules")),
    )


def _output(output: dict[str, Any]) -> Output:
    return Output(
        s3=output["s3"],
        kms_key=output.get("kms_key"),
        compression=output.get("compression", default("output", "compression")),
    )


def _resources(resources: dict[str, Any]) -> Resources:
    groups = tuple(
        InstanceGroup(g["name"], g["instance_type"], g["instance_count"]) for g in resources.get("instance_groups", ())
    )
    # With groups, instance_type and instance_count have no default (semantics reports them if set).
    return Resources(
        instance_type=None if groups else resources.get("instance_type", default("resources", "instance_type")),
        instance_count=None if groups else resources.get("instance_count", default("resources", "instance_count")),
        instance_groups=groups,
        volume_gb=resources.get("volume_gb", default("resources", "volume_gb")),
        volume_kms_key=resources.get("volume_kms_key"),
        keep_alive=seconds(resources.get("keep_alive")),
    )


def _distribution(distribution: dict[str, Any]) -> Distribution:
    processes = distribution.get("processes_per_host", default("distribution", "processes_per_host"))
    return Distribution(
        type=distribution.get("type", default("distribution", "type")),
        processes_per_host=None if processes == "auto" else processes,
        instance_groups=tuple(distribution.get("instance_groups", ())),
        mpi_options=distribution.get("mpi_options"),
    )


def _limits(limits: dict[str, Any]) -> Limits:
    return Limits(
        max_runtime=seconds(limits.get("max_runtime", default("limits", "max_runtime"))),
        max_wait=seconds(limits.get("max_wait")),
        max_pending=seconds(limits.get("max_pending")),
    )


def _checkpoints(checkpoints: dict[str, Any] | None) -> Checkpoints | None:
    if checkpoints is None:
        return None
    return Checkpoints(
        s3=checkpoints["s3"],
        local_path=checkpoints.get("local_path", default("checkpoints", "local_path")),
    )


def _tuning(tuning: dict[str, Any] | None) -> Tuning | None:
    if tuning is None:
        return None
    return Tuning(
        objective_metric=tuning["objective"]["metric"],
        objective_type=tuning["objective"]["type"],
        strategy=tuning.get("strategy", default("tuning", "strategy")),
        max_jobs=tuning.get("max_jobs"),
        max_parallel_jobs=tuning.get("max_parallel_jobs", default("tuning", "max_parallel_jobs")),
        max_runtime=seconds(tuning.get("max_runtime")),
        early_stopping=tuning.get("early_stopping", default("tuning", "early_stopping")),
        ranges=tuple(_parameter_range(name, spec) for name, spec in tuning["ranges"].items()),
    )


def _parameter_range(name: str, spec: dict[str, Any]) -> ParameterRange:
    if "values" in spec:
        return ParameterRange(name, "Categorical", values=tuple(spec["values"]))
    bounds = (spec["min"], spec["max"])
    kind = "Integer" if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) else "Continuous"
    return ParameterRange(name, kind, min=bounds[0], max=bounds[1], scaling=spec.get("scaling", "Auto"))


def _network(network: dict[str, Any]) -> Network:
    return Network(
        subnets=tuple(network.get("subnets", ())),
        security_groups=tuple(network.get("security_groups", ())),
        isolation=network.get("isolation", False),
        encrypt_inter_container=network.get("encrypt_inter_container", False),
    )


def _environment_value(value: str | int | float | bool) -> str:
    """Environment values are strings; numbers and booleans are written as JSON text (true, 4)."""
    return value if isinstance(value, str) else json.dumps(value)
