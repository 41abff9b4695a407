"""The typed, in-memory job: what job.yaml means once loaded, checked and defaulted.

Every field here comes from one key of job.yaml (schemas/job.schema.json documents them); the
compiler renders from this model only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagemaker_byoc.spec.source import Source


@dataclass(frozen=True)
class Image:
    base: str  # "cpu" or "cuda"
    python: str  # "3.11" or "3.11.9"
    cuda: str | None  # "12.4.1" with base cuda, else None
    apt: tuple[str, ...]
    pip: tuple[str, ...]
    requirements: str | None  # relative to the job's directory
    repository: str
    tag: str | None  # None: the compiler derives one from the build inputs
    base_image: str | None  # an explicit FROM that replaces the chosen base
    pip_index_url: str | None = None  # pip's --index-url for every pip install of the image; None: PyPI
    extra_index_urls: tuple[str, ...] = ()  # pip's --extra-index-url, in order


@dataclass(frozen=True)
class FileSystem:
    """A file system mounted as a channel instead of S3 data (FileSystemDataSource)."""

    type: str  # the API's FileSystemType: "FSxLustre" or "EFS"
    id: str
    path: str  # DirectoryPath
    access: str  # "ro" or "rw"


@dataclass(frozen=True)
class Channel:
    name: str
    s3: str | None  # None with a file system (or when job.yaml gave neither: an error)
    content_type: str | None
    mode: str | None  # None: the job's TrainingInputMode (File)
    distribution: str
    compression: str
    record_wrapper: str
    data_type: str
    local: str | None  # relative to the job's directory, for local runs
    instance_groups: tuple[str, ...]  # empty: every host receives the channel
    file_system: FileSystem | None = None


@dataclass(frozen=True)
class Output:
    s3: str
    kms_key: str | None
    compression: str


@dataclass(frozen=True)
class InstanceGroup:
    name: str
    instance_type: str
    instance_count: int


@dataclass(frozen=True)
class Resources:
    instance_type: str | None  # None with instance_groups
    instance_count: int | None  # None with instance_groups
    instance_groups: tuple[InstanceGroup, ...]  # empty: one homogeneous cluster
    volume_gb: int
    volume_kms_key: str | None
    keep_alive: int | None  # seconds

    @property
    def instance_types(self) -> tuple[str, ...]:
        """Every instance type the job runs on, in order."""
        if self.instance_groups:
            return tuple(group.instance_type for group in self.instance_groups)
        return (self.instance_type,) if self.instance_type is not None else ()


@dataclass(frozen=True)
class Distribution:
    type: str  # "none", "torchrun" or "mpi"
    processes_per_host: int | None  # None: auto (GPUs, else Neuron cores, else 1)
    instance_groups: tuple[str, ...]  # empty: every host
    mpi_options: str | None


@dataclass(frozen=True)
class Limits:
    max_runtime: int  # seconds
    max_wait: int | None
    max_pending: int | None


@dataclass(frozen=True)
class Checkpoints:
    s3: str
    local_path: str


@dataclass(frozen=True)
class TensorBoard:
    s3: str
    local_path: str


@dataclass(frozen=True)
class Experiment:
    name: str
    trial: str | None
    run: str | None
    display_name: str | None


@dataclass(frozen=True)
class Rule:
    """A Debugger or profiler rule evaluated beside the job."""

    name: str
    image: str
    parameters: dict[str, str]
    instance_type: str | None
    volume_gb: int | None
    s3: str | None
    local_path: str | None


@dataclass(frozen=True)
class Debugger:
    s3: str
    local_path: str | None
    hook_parameters: dict[str, str]
    collections: dict[str, dict[str, str]]  # collection name -> its parameters
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Profiler:
    s3: str | None
    interval_ms: int | None
    parameters: dict[str, str]
    disable: bool
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Metric:
    name: str
    regex: str


@dataclass(frozen=True)
class Network:
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    isolation: bool
    encrypt_inter_container: bool


@dataclass(frozen=True)
class ParameterRange:
    """One tuned hyperparameter: Integer or Continuous bounds, or Categorical values."""

    name: str
    kind: str  # "Integer", "Continuous" or "Categorical"
    min: int | float | None = None
    max: int | float | None = None
    scaling: str = "Auto"
    values: tuple[str | int | float | bool, ...] = ()


@dataclass(frozen=True)
class Tuning:
    objective_metric: str
    objective_type: str  # "Minimize" or "Maximize"
    strategy: str
    max_jobs: int | None  # None: Grid's number of combinations
    max_parallel_jobs: int
    max_runtime: int | None  # seconds
    early_stopping: str  # "Off" or "Auto"
    ranges: tuple[ParameterRange, ...]

    @property
    def tuned_names(self) -> set[str]:
        return {r.name for r in self.ranges}


@dataclass(frozen=True)
class Job:
    path: Path  # the job.yaml, as given on the command line
    name: str
    account: str
    region: str
    role: str
    image: Image
    source_dir: str  # relative to the job's directory
    entry_point: str  # relative to source_dir
    hyperparameters: dict[str, Any]
    inputs: tuple[Channel, ...]
    output: Output
    resources: Resources
    distribution: Distribution
    limits: Limits
    spot: bool
    checkpoints: Checkpoints | None
    environment: dict[str, str]
    metrics: tuple[Metric, ...]
    tags: dict[str, str]
    network: Network
    retry_attempts: int | None
    allow_secrets: tuple[str, ...]  # names whose values are not checked for credentials
    source: Source = field(repr=False, compare=False)
    # How each hyperparameter value is written into the request (spec/hyperparameter_encoding.py).
    hyperparameter_encoding: str = "framework"
    tuning: Tuning | None = None
    tensorboard: TensorBoard | None = None
    experiment: Experiment | None = None
    debugger: Debugger | None = None
    profiler: Profiler | None = None
    # The escape hatch: request members as the API spells them, added to (request) or replacing
    # (request_override) what the other keys render.
    request: dict[str, Any] = field(default_factory=dict)
    request_override: dict[str, Any] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        """The job's directory: relative paths in job.yaml start here; the Docker build context."""
        return self.path.parent

    @property
    def code_path(self) -> Path:
        return self.directory / self.source_dir

    @property
    def registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"
