"""The CreateTrainingJob request, built as data from the job model.

Alongside the request, `origins` maps each request path to the job.yaml node it came from, so a
violation found in the request can be reported at the line of job.yaml that caused it, and
`rules` says how a value was derived where it is not that node's value as written (`explain`
shows both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sagemaker_byoc.spec.distribution_hyperparameters import (
    DISTRIBUTION_INSTANCE_GROUPS,
    MPI_CUSTOM_OPTIONS,
    MPI_ENABLED,
    MPI_PROCESSES_PER_HOST,
    TORCH_DISTRIBUTED_ENABLED,
)
from sagemaker_byoc.spec.hyperparameter_encoding import DEFAULT, ENCODINGS, FRAMEWORK, encode
from sagemaker_byoc.spec.model import Channel, Job, Rule

RequestPath = tuple[str | int, ...]
SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class HatchRefusal:
    """An entry of request or request_override that was not applied: `at` is its job.yaml node;
    `rendered_from` the job.yaml node that renders the same request field (a collision under
    request), or None when request_override found nothing rendered to replace."""

    at: SpecPath
    rendered_from: SpecPath | None
    # Why neither hatch may set this field at all, where that is the reason (the pipeline words
    # the other refusals from rendered_from).
    reason: str | None = None


@dataclass
class Request:
    body: dict[str, Any] = field(default_factory=dict)
    origins: dict[RequestPath, SpecPath] = field(default_factory=dict)
    rules: dict[RequestPath, str] = field(default_factory=dict)
    hatch_refusals: list[HatchRefusal] = field(default_factory=list)

    def set(self, path: RequestPath, value: Any, origin: SpecPath, rule: str | None = None) -> None:
        """Place a value at a request path, creating the structures on the way."""
        node: Any = self.body
        for key, following in zip(path, path[1:]):
            if isinstance(node, list):
                while len(node) <= key:
                    node.append({} if isinstance(following, str) else [])
            elif key not in node:
                node[key] = {} if isinstance(following, str) else []
            node = node[key]
        if isinstance(node, list):
            while len(node) <= path[-1]:
                node.append(None)
        node[path[-1]] = value
        self.origins[path] = origin
        if rule is not None:
            self.rules[path] = rule

    def place(self, path: RequestPath, value: Any, origin: SpecPath) -> None:
        """Set a whole subtree, recording an origin for each of its nodes, so that a violation
        deep inside it is reported at its own line."""
        self.set(path, value, origin)
        for key, item in value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ():
            self.place((*path, key), item, (*origin, key))

    def lookup(self, path: RequestPath) -> Any:
        """The value at a path of mapping keys, or _ABSENT (the escape hatch merges mappings
        only, so its paths never index a list)."""
        node: Any = self.body
        for key in path:
            if not (isinstance(node, dict) and key in node):
                return _ABSENT
            node = node[key]
        return node

    def origin(self, path: RequestPath) -> SpecPath:
        """The job.yaml node behind a request path (the closest one recorded)."""
        while path and path not in self.origins:
            path = path[:-1]
        return self.origins.get(path, ())


_ABSENT = object()


def encode_hyperparameter(value: Any, encoding: str = DEFAULT) -> str:
    """A value as job.yaml's hyperparameter_encoding writes it (spec/hyperparameter_encoding.py):
    by default JSON-encoded, as the SageMaker SDK's framework estimators do ('adam' becomes
    '"adam"'); the toolkit and the shim decode it with json.loads, else keep the text."""
    return encode(value, encoding)


# The distribution's hyperparameters: only the SDK's framework estimators take a distribution,
# and they write it JSON-encoded, whatever the job's hyperparameter_encoding.
DISTRIBUTION_ENCODED = "JSON-encoded, as the SDK's framework estimators write a distribution"


def encoding_rule(job: Job) -> str:
    """explain's words for how the job's hyperparameters were encoded."""
    given = "hyperparameter_encoding" in job.source.data
    chosen = job.hyperparameter_encoding
    return f"{ENCODINGS[chosen]} (hyperparameter_encoding: {chosen}{'' if given else ', the default'})"
IN_SECONDS = "a duration, in seconds"

# The job.yaml section behind each top-level request member, for violations of the member as a
# whole (a missing required field inside it, say).
_SECTIONS: dict[str, SpecPath] = {
    "AlgorithmSpecification": ("image",),
    "HyperParameters": ("hyperparameters",),
    "InputDataConfig": ("inputs",),
    "OutputDataConfig": ("output",),
    "ResourceConfig": ("resources",),
    "StoppingCondition": ("limits",),
    "CheckpointConfig": ("checkpoints",),
    "Environment": ("environment",),
    "Tags": ("tags",),
    "VpcConfig": ("network",),
    "RetryStrategy": ("retry",),
    "TensorBoardOutputConfig": ("tensorboard",),
    "ExperimentConfig": ("experiment",),
    "DebugHookConfig": ("debugger",),
    "DebugRuleConfigurations": ("debugger", "rules"),
    "ProfilerConfig": ("profiler",),
    "ProfilerRuleConfigurations": ("profiler", "rules"),
}


def build_request(job: Job, image_uri: str) -> Request:
    request = Request()
    request.origins.update({(member,): section for member, section in _SECTIONS.items()})
    request.set(("TrainingJobName",), job.name, ("name",), "submit appends -<UTC timestamp> to make it unique")
    request.set(("RoleArn",), job.role, ("role",))
    _algorithm(request, job, image_uri)
    rule = encoding_rule(job)
    for name, value in job.hyperparameters.items():
        request.set(("HyperParameters", name), encode_hyperparameter(value, job.hyperparameter_encoding), ("hyperparameters", name), rule)
    _distribution(request, job)
    for index, channel in enumerate(job.inputs):
        _channel(request, index, channel)
    _output(request, job)
    _resources(request, job)
    _stopping(request, job)
    if job.spot:
        request.set(("EnableManagedSpotTraining",), True, ("spot",))
    if job.checkpoints is not None:
        request.set(("CheckpointConfig", "S3Uri"), job.checkpoints.s3, ("checkpoints", "s3"))
        request.set(("CheckpointConfig", "LocalPath"), job.checkpoints.local_path, ("checkpoints", "local_path"))
    for name, value in job.environment.items():
        request.set(("Environment", name), value, ("environment", name))
    for index, (key, value) in enumerate(job.tags.items()):
        request.set(("Tags", index, "Key"), key, ("tags", key))
        request.set(("Tags", index, "Value"), value, ("tags", key))
    _network(request, job)
    if job.retry_attempts is not None:
        request.set(("RetryStrategy", "MaximumRetryAttempts"), job.retry_attempts, ("retry", "max_attempts"))
    _tensorboard(request, job)
    _experiment(request, job)
    _debugger(request, job)
    _profiler(request, job)
    # The escape hatch last, over everything the keys rendered: replacements first, so that an
    # addition can never be mistaken for something to replace.
    for member, value in job.request_override.items():
        _override(request, (member,), value, ("request_override", member))
    for member, value in job.request.items():
        _add(request, (member,), value, ("request", member))
    return request


def _algorithm(request: Request, job: Job, image_uri: str) -> None:
    if job.image.tag:
        origin, rule = ("image", "tag"), "<account>.dkr.ecr.<region>.amazonaws.com/<image.repository>:<image.tag>"
    else:
        origin, rule = ("image", "repository"), "<account>.dkr.ecr.<region>.amazonaws.com/<image.repository>:<hash of every build input>"
    request.set(("AlgorithmSpecification", "TrainingImage"), image_uri, origin, rule)
    request.set(("AlgorithmSpecification", "TrainingInputMode"), "File", (), "always File; a channel's mode overrides it")
    for index, metric in enumerate(job.metrics):
        request.set(("AlgorithmSpecification", "MetricDefinitions", index, "Name"), metric.name, ("metrics", index, "name"))
        request.set(("AlgorithmSpecification", "MetricDefinitions", index, "Regex"), metric.regex, ("metrics", index, "regex"))


def _channel(request: Request, index: int, channel: Channel) -> None:
    base: RequestPath = ("InputDataConfig", index)
    spec: SpecPath = ("inputs", channel.name)
    s3 = (*base, "DataSource", "S3DataSource")
    request.set((*base, "ChannelName"), channel.name, spec)
    request.origins[base] = spec
    if channel.file_system is not None:
        _file_system(request, base, spec, channel)
    elif channel.s3 is not None:
        request.set((*s3, "S3DataType"), channel.data_type, (*spec, "data_type"))
        request.set((*s3, "S3Uri"), channel.s3, (*spec, "s3"))
        request.set((*s3, "S3DataDistributionType"), channel.distribution, (*spec, "distribution"))
    if channel.content_type is not None:
        request.set((*base, "ContentType"), channel.content_type, (*spec, "content_type"))
    if channel.compression != "None":
        request.set((*base, "CompressionType"), channel.compression, (*spec, "compression"))
    if channel.record_wrapper != "None":
        request.set((*base, "RecordWrapperType"), channel.record_wrapper, (*spec, "record_wrapper"))
    if channel.mode is not None:
        request.set((*base, "InputMode"), channel.mode, (*spec, "mode"))
    for group_index, group in enumerate(channel.instance_groups):
        request.set((*s3, "InstanceGroupNames", group_index), group, (*spec, "instance_groups", group_index))


def _distribution(request: Request, job: Job) -> None:
    """The distribution under the SDK's hyperparameter names, JSON-encoded as the SDK's PyTorch
    estimator writes its distribution= (tests/sdk), whatever the job's hyperparameter_encoding."""
    distribution = job.distribution
    if distribution.type == "none":
        return
    spec: SpecPath = ("distribution",)
    enabled = TORCH_DISTRIBUTED_ENABLED if distribution.type == "torchrun" else MPI_ENABLED
    request.set(("HyperParameters", enabled), encode_hyperparameter(True, FRAMEWORK), (*spec, "type"), "the SageMaker SDK's name for this distribution type")
    if distribution.processes_per_host is not None:
        count = encode_hyperparameter(distribution.processes_per_host, FRAMEWORK)
        request.set(("HyperParameters", MPI_PROCESSES_PER_HOST), count, (*spec, "processes_per_host"), DISTRIBUTION_ENCODED)
    if distribution.mpi_options is not None:
        options = encode_hyperparameter(distribution.mpi_options, FRAMEWORK)
        request.set(("HyperParameters", MPI_CUSTOM_OPTIONS), options, (*spec, "mpi_options"), DISTRIBUTION_ENCODED)
    if distribution.instance_groups:
        groups = encode_hyperparameter(list(distribution.instance_groups), FRAMEWORK)
        request.set(("HyperParameters", DISTRIBUTION_INSTANCE_GROUPS), groups, (*spec, "instance_groups"), DISTRIBUTION_ENCODED)


def _output(request: Request, job: Job) -> None:
    request.set(("OutputDataConfig", "S3OutputPath"), job.output.s3, ("output", "s3"))
    if job.output.kms_key is not None:
        request.set(("OutputDataConfig", "KmsKeyId"), job.output.kms_key, ("output", "kms_key"))
    if job.output.compression != "GZIP":
        request.set(("OutputDataConfig", "CompressionType"), job.output.compression, ("output", "compression"))


def _resources(request: Request, job: Job) -> None:
    resources = job.resources
    if resources.instance_groups:
        for index, group in enumerate(resources.instance_groups):
            base: RequestPath = ("ResourceConfig", "InstanceGroups", index)
            spec: SpecPath = ("resources", "instance_groups", index)
            request.set((*base, "InstanceType"), group.instance_type, (*spec, "instance_type"))
            request.set((*base, "InstanceCount"), group.instance_count, (*spec, "instance_count"))
            request.set((*base, "InstanceGroupName"), group.name, (*spec, "name"))
    else:
        request.set(("ResourceConfig", "InstanceType"), resources.instance_type, ("resources", "instance_type"))
        request.set(("ResourceConfig", "InstanceCount"), resources.instance_count, ("resources", "instance_count"))
    request.set(("ResourceConfig", "VolumeSizeInGB"), resources.volume_gb, ("resources", "volume_gb"))
    if resources.volume_kms_key is not None:
        request.set(("ResourceConfig", "VolumeKmsKeyId"), resources.volume_kms_key, ("resources", "volume_kms_key"))
    if resources.keep_alive is not None:
        request.set(("ResourceConfig", "KeepAlivePeriodInSeconds"), resources.keep_alive, ("resources", "keep_alive"), IN_SECONDS)


def _stopping(request: Request, job: Job) -> None:
    limits = job.limits
    request.set(("StoppingCondition", "MaxRuntimeInSeconds"), limits.max_runtime, ("limits", "max_runtime"), IN_SECONDS)
    if job.spot and limits.max_wait is not None:
        request.set(("StoppingCondition", "MaxWaitTimeInSeconds"), limits.max_wait, ("limits", "max_wait"), IN_SECONDS)
    if limits.max_pending is not None:
        request.set(("StoppingCondition", "MaxPendingTimeInSeconds"), limits.max_pending, ("limits", "max_pending"), IN_SECONDS)


def _network(request: Request, job: Job) -> None:
    network = job.network
    for index, group in enumerate(network.security_groups):
        request.set(("VpcConfig", "SecurityGroupIds", index), group, ("network", "security_groups", index))
    for index, subnet in enumerate(network.subnets):
        request.set(("VpcConfig", "Subnets", index), subnet, ("network", "subnets", index))
    if network.isolation:
        request.set(("EnableNetworkIsolation",), True, ("network", "isolation"))
    if network.encrypt_inter_container:
        request.set(("EnableInterContainerTrafficEncryption",), True, ("network", "encrypt_inter_container"))


def _file_system(request: Request, base: RequestPath, spec: SpecPath, channel: Channel) -> None:
    mount = channel.file_system
    assert mount is not None
    key = "fsx" if mount.type == "FSxLustre" else "efs"
    source = (*base, "DataSource", "FileSystemDataSource")
    request.set((*source, "FileSystemId"), mount.id, (*spec, key, "id"))
    request.set((*source, "FileSystemType"), mount.type, (*spec, key))
    request.set((*source, "FileSystemAccessMode"), mount.access, (*spec, key, "access"))
    request.set((*source, "DirectoryPath"), mount.path, (*spec, key, "path"))


def _tensorboard(request: Request, job: Job) -> None:
    if job.tensorboard is None:
        return
    request.set(("TensorBoardOutputConfig", "S3OutputPath"), job.tensorboard.s3, ("tensorboard", "s3"))
    request.set(("TensorBoardOutputConfig", "LocalPath"), job.tensorboard.local_path, ("tensorboard", "local_path"))


def _experiment(request: Request, job: Job) -> None:
    experiment = job.experiment
    if experiment is None:
        return
    _set_given(request, ("ExperimentConfig",), ("experiment",), (
        ("ExperimentName", experiment.name, "name"),
        ("TrialName", experiment.trial, "trial"),
        ("RunName", experiment.run, "run"),
        ("TrialComponentDisplayName", experiment.display_name, "display_name"),
    ))


def _debugger(request: Request, job: Job) -> None:
    debugger = job.debugger
    if debugger is None:
        return
    hook: RequestPath = ("DebugHookConfig",)
    request.set((*hook, "S3OutputPath"), debugger.s3, ("debugger", "s3"))
    if debugger.local_path is not None:
        request.set((*hook, "LocalPath"), debugger.local_path, ("debugger", "local_path"))
    for name, value in debugger.hook_parameters.items():
        request.set((*hook, "HookParameters", name), value, ("debugger", "hook_parameters", name))
    for index, (name, parameters) in enumerate(debugger.collections.items()):
        collection = (*hook, "CollectionConfigurations", index)
        spec: SpecPath = ("debugger", "collections", name)
        request.set((*collection, "CollectionName"), name, spec)
        for key, value in parameters.items():
            request.set((*collection, "CollectionParameters", key), value, (*spec, key))
    _rules(request, "DebugRuleConfigurations", debugger.rules, ("debugger", "rules"))


def _profiler(request: Request, job: Job) -> None:
    profiler = job.profiler
    if profiler is None:
        return
    config: RequestPath = ("ProfilerConfig",)
    if profiler.s3 is not None:
        request.set((*config, "S3OutputPath"), profiler.s3, ("profiler", "s3"))
    if profiler.interval_ms is not None:
        request.set((*config, "ProfilingIntervalInMilliseconds"), profiler.interval_ms, ("profiler", "interval_ms"))
    for name, value in profiler.parameters.items():
        request.set((*config, "ProfilingParameters", name), value, ("profiler", "parameters", name))
    if profiler.disable:
        request.set((*config, "DisableProfiler"), True, ("profiler", "disable"))
    _rules(request, "ProfilerRuleConfigurations", profiler.rules, ("profiler", "rules"))


def _set_given(request: Request, base: RequestPath, spec: SpecPath, members: tuple[tuple[str, Any, str], ...]) -> None:
    """Each (request member, value, job.yaml key) whose value job.yaml gives (not None)."""
    for member, value, key in members:
        if value is not None:
            request.set((*base, member), value, (*spec, key))


def _rules(request: Request, member: str, rules: tuple[Rule, ...], spec: SpecPath) -> None:
    for index, rule in enumerate(rules):
        base: RequestPath = (member, index)
        at: SpecPath = (*spec, rule.name)
        request.set((*base, "RuleConfigurationName"), rule.name, at)
        request.set((*base, "RuleEvaluatorImage"), rule.image, (*at, "image"))
        _set_given(request, base, at, (
            ("InstanceType", rule.instance_type, "instance_type"),
            ("VolumeSizeInGB", rule.volume_gb, "volume_gb"),
            ("S3OutputPath", rule.s3, "s3"),
            ("LocalPath", rule.local_path, "local_path"),
        ))
        for name, value in rule.parameters.items():
            request.set((*base, "RuleParameters", name), value, (*at, "parameters", name))


# The escape hatch. Mappings merge member by member; anything else (a string, a number, a list)
# is one value: request adds only where nothing is rendered, request_override replaces only what
# is rendered. Whatever is refused is kept in hatch_refusals for the pipeline to report.

# Fields neither hatch may set. submit names every job it starts name-<UTC timestamp> (and the
# tuning job likewise), so a replaced TrainingJobName would compile, show in the request, and be
# dropped at submit without a word; name: already takes any valid TrainingJobName.
_NOT_IN_THE_HATCH: dict[RequestPath, str] = {
    ("TrainingJobName",): (
        "is rendered from name, which submit makes unique with -<UTC timestamp> for every job it starts "
        "(the tuning job's name too); set name instead"
    ),
}


def _refused_outright(request: Request, path: RequestPath, spec: SpecPath) -> bool:
    reason = _NOT_IN_THE_HATCH.get(path)
    if reason is not None:
        request.hatch_refusals.append(HatchRefusal(spec, request.origin(path), reason))
    return reason is not None


def _add(request: Request, path: RequestPath, value: Any, spec: SpecPath) -> None:
    if _refused_outright(request, path, spec):
        return
    existing = request.lookup(path)
    if existing is _ABSENT:
        request.place(path, value, spec)
    elif isinstance(existing, dict) and isinstance(value, dict):
        for key, item in value.items():
            _add(request, (*path, key), item, (*spec, key))
    else:
        request.hatch_refusals.append(HatchRefusal(spec, request.origin(path)))


def _override(request: Request, path: RequestPath, value: Any, spec: SpecPath) -> None:
    if _refused_outright(request, path, spec):
        return
    existing = request.lookup(path)
    if existing is _ABSENT:
        request.hatch_refusals.append(HatchRefusal(spec, None))
    elif isinstance(existing, dict) and isinstance(value, dict):
        for key, item in value.items():
            _override(request, (*path, key), item, (*spec, key))
    else:
        # place records an origin for every node of the new value, so no violation inside it
        # can be traced to the value it replaced.
        request.place(path, value, spec)
