"""Checks a schema cannot express: cross-field rules, files on disk, secrets, encoded sizes.

Each rule is a small function over the model that yields diagnostics at the job.yaml node
it concerns. Limits of the CreateTrainingJob API itself are checked on the rendered request
(spec/request_rules.py), not here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from spec.diagnostics import Diagnostic
from spec.durations import describe
from spec.model import Job
from spec.tuning import tuning_diagnostics

HYPERPARAMETER_VALUE_MAX = 2500  # characters of the JSON-encoded value (API model limit)

# Instance families with NVIDIA GPUs (SageMaker training types).
_GPU_FAMILIES = re.compile(r"^ml\.(p\d|g\d)[a-z0-9-]*\.")

# Words that make a name secret-looking, matched against the words of a key (split on _ - . and
# camelCase), so that max_tokens or tokenizer do not count but api_key and dbPassword do.
_SECRET_WORDS = {"secret", "password", "passwd", "pwd", "token", "credential", "credentials", "apikey", "passphrase"}
_SECRET_PAIRS = {("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"), ("auth", "token")}
_SECRET_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key ID"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
)

Rule = Callable[[Job], Iterator[Diagnostic]]


def semantic_diagnostics(job: Job) -> list[Diagnostic]:
    """Every finding of every rule, errors and warnings."""
    return [finding for rule in RULES for finding in rule(job)]


def spot_needs_max_wait(job: Job) -> Iterator[Diagnostic]:
    src, limits = job.source, job.limits
    if job.spot and limits.max_wait is None:
        yield src.diagnostic(("spot",), "spot training needs limits.max_wait (at least limits.max_runtime)")
    elif job.spot and limits.max_wait < limits.max_runtime:
        yield src.diagnostic(
            ("limits", "max_wait"),
            f"max_wait ({describe(limits.max_wait)}) must be at least max_runtime ({describe(limits.max_runtime)}) with spot training",
        )
    elif not job.spot and limits.max_wait is not None:
        yield src.diagnostic(("limits", "max_wait"), "max_wait applies only with spot: true", severity="warning")


def cuda_only_with_cuda_base(job: Job) -> Iterator[Diagnostic]:
    image = job.source.data["image"]
    if "cuda" in image and job.image.base != "cuda":
        yield job.source.diagnostic(("image", "cuda"), "cuda is set but image.base is cpu; set base: cuda or remove cuda", key=True)
    if job.image.base == "cuda" and job.image.base_image is None and job.image.python.count(".") == 2:
        yield job.source.diagnostic(
            ("image", "python"),
            f"with base: cuda, python is major.minor (the newest {'.'.join(job.image.python.split('.')[:2])} release of the distribution is installed); "
            "pin a patch release with image.base_image",
        )


def image_matches_instance(job: Job) -> Iterator[Diagnostic]:
    instance = job.resources.instance_type
    gpu_instance = bool(_GPU_FAMILIES.match(instance))
    where = ("resources", "instance_type")
    if job.image.base == "cuda" and not gpu_instance:
        yield job.source.diagnostic(where, f"{instance} has no GPU, but image.base is cuda: the image is larger than needed", severity="warning")
    if job.image.base == "cpu" and gpu_instance:
        yield job.source.diagnostic(where, f"{instance} has GPUs, but image.base is cpu: the job cannot use them", severity="warning")


def files_exist(job: Job) -> Iterator[Diagnostic]:
    src = job.source
    code = job.code_path
    if _escapes(job.source_dir):
        yield src.diagnostic(("source_dir",), f"source_dir {job.source_dir!r} must stay inside the job's directory")
    elif not code.is_dir():
        yield src.diagnostic(("source_dir",) if "source_dir" in src.data else ("entry_point",), f"source directory {code} does not exist")
    elif _escapes(job.entry_point):
        yield src.diagnostic(("entry_point",), f"entry_point {job.entry_point!r} must be a path inside source_dir")
    elif not (code / job.entry_point).is_file():
        yield src.diagnostic(("entry_point",), f"entry point {code / job.entry_point} does not exist")
    requirements = job.image.requirements
    if requirements is not None:
        if _escapes(requirements):
            yield src.diagnostic(("image", "requirements"), f"requirements {requirements!r} must stay inside the job's directory")
        elif not (job.directory / requirements).is_file():
            yield src.diagnostic(("image", "requirements"), f"requirements file {job.directory / requirements} does not exist")


def no_secrets(job: Job) -> Iterator[Diagnostic]:
    for section, values in (("environment", job.environment), ("hyperparameters", job.hyperparameters)):
        for name, value in values.items():
            text = value if isinstance(value, str) else json.dumps(value)
            if _secret_name(name) and text not in ("", "null"):
                yield job.source.diagnostic(
                    (section, name),
                    f"{name!r} looks like a secret: keep credentials out of job.yaml (the job's role, or AWS Secrets Manager, can provide them)",
                    key=True,
                )
                continue
            for pattern, what in _SECRET_VALUES:
                if pattern.search(text):
                    yield job.source.diagnostic((section, name), f"the value of {name!r} looks like {what}: keep credentials out of job.yaml")
                    break


def hyperparameters_fit(job: Job) -> Iterator[Diagnostic]:
    for name, value in job.hyperparameters.items():
        encoded = json.dumps(value)
        if len(encoded) > HYPERPARAMETER_VALUE_MAX:
            yield job.source.diagnostic(
                ("hyperparameters", name),
                f"hyperparameter {name!r} is {len(encoded)} characters once JSON-encoded; SageMaker allows {HYPERPARAMETER_VALUE_MAX}",
            )


def metric_regexes_compile(job: Job) -> Iterator[Diagnostic]:
    for index, metric in enumerate(job.metrics):
        where = ("metrics", index, "regex")
        try:
            pattern = re.compile(metric.regex)
        except re.error as exc:
            yield job.source.diagnostic(where, f"regex of metric {metric.name!r} does not compile: {exc}")
            continue
        if pattern.groups < 1:
            yield job.source.diagnostic(where, f"regex of metric {metric.name!r} needs a capturing group around the value, e.g. 'loss: ([0-9.]+)'")


def metric_names_unique(job: Job) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, metric in enumerate(job.metrics):
        if metric.name in seen:
            yield job.source.diagnostic(("metrics", index, "name"), f"metric {metric.name!r} is defined twice")
        seen.add(metric.name)


def vpc_is_complete(job: Job) -> Iterator[Diagnostic]:
    network = job.network
    if bool(network.subnets) != bool(network.security_groups):
        missing = "security_groups" if network.subnets else "subnets"
        yield job.source.diagnostic(("network",), f"a VPC needs both subnets and security_groups; {missing} is empty")


def channel_local_paths_inside(job: Job) -> Iterator[Diagnostic]:
    for channel in job.inputs:
        if channel.local is not None and PurePosixPath(channel.local).is_absolute():
            continue  # an absolute path is the user's explicit choice
        if channel.local is not None and _escapes(channel.local):
            yield job.source.diagnostic(("inputs", channel.name, "local"), "local must stay inside the job's directory, or be an absolute path")


RULES: tuple[Rule, ...] = (
    spot_needs_max_wait,
    cuda_only_with_cuda_base,
    image_matches_instance,
    files_exist,
    no_secrets,
    hyperparameters_fit,
    metric_regexes_compile,
    metric_names_unique,
    vpc_is_complete,
    channel_local_paths_inside,
    tuning_diagnostics,
)


def _escapes(relative: str) -> bool:
    path = PurePosixPath(relative)
    return path.is_absolute() or ".." in path.parts


def _secret_name(name: str) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]
    return any(w in _SECRET_WORDS for w in words) or any(pair in _SECRET_PAIRS for pair in zip(words, words[1:]))
