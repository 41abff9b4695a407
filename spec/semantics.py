"""Checks a schema cannot express: cross-field rules, files on disk, secrets, encoded sizes.

Each rule is a small function over the model that yields diagnostics at the job.yaml node
it concerns. Limits of the CreateTrainingJob API itself are checked on the rendered request
(aws/request_rules.py), not here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from sagemaker_byoc.aws.ecr import looks_like_ecr, registry_of
from sagemaker_byoc.aws.regions import botocore_version, closest_region, known_regions
from sagemaker_byoc.aws.tuning_definition import DEFINITION_MEMBERS, WARM_POOL
from sagemaker_byoc.spec import contract, hyperparameter_encoding, secrets
from sagemaker_byoc.spec.code_tree import DEFAULT_OUTPUT_DIR, LOCAL_RUNS_DIR, ignored, requirements_named_again, tree_problems
from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.distribution_hyperparameters import DISTRIBUTION_HYPERPARAMETERS
from sagemaker_byoc.spec.durations import describe
from sagemaker_byoc.spec.model import Job
from sagemaker_byoc.spec.partial import findings_of
from sagemaker_byoc.spec.tuning import tuning_diagnostics
from sagemaker_byoc.text import escape

HYPERPARAMETER_VALUE_MAX = 2500  # characters of the JSON-encoded value (API model limit)
MAX_TREE_PROBLEMS = 5  # code-tree entries reported one by one

# Instance families with NVIDIA GPUs (SageMaker training types).
_GPU_FAMILIES = re.compile(r"^ml\.(p\d|g\d)[a-z0-9-]*\.")

Rule = Callable[[Job], Iterator[Diagnostic]]


def semantic_diagnostics(job: Job) -> list[Diagnostic]:
    """Every finding of every rule, errors and warnings. A rule that reads a section the schema
    refused reports nothing: its findings would follow from an error already reported."""
    return [finding for rule in RULES for finding in findings_of(rule, job)]


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
            f"with base: cuda, python is major.minor (the pinned python-build-standalone build of {'.'.join(job.image.python.split('.')[:2])} is installed); "
            "pin a patch release with image.base_image",
        )


def image_matches_instance(job: Job) -> Iterator[Diagnostic]:
    resources = job.resources
    if resources.instance_groups:
        placed = [(("resources", "instance_groups", i, "instance_type"), g.instance_type) for i, g in enumerate(resources.instance_groups)]
    else:
        placed = [(("resources", "instance_type"), resources.instance_type)]
    gpu = {instance: bool(_GPU_FAMILIES.match(instance)) for _, instance in placed}
    if job.image.base == "cuda" and not any(gpu.values()):
        where, instance = placed[0]
        yield job.source.diagnostic(where, f"{instance} has no GPU, but image.base is cuda: the image is larger than needed", severity="warning")
    if job.image.base == "cpu":
        for where, instance in placed:
            if gpu[instance]:
                yield job.source.diagnostic(where, f"{instance} has GPUs, but image.base is cpu: the job cannot use them", severity="warning")
                break


def entry_point_runs(job: Job) -> Iterator[Diagnostic]:
    """train accepts the entry point's name (spec/contract.py: the rule is the toolkit's)."""
    problem = contract.entry_point_problem(job.entry_point)
    if problem:
        yield job.source.diagnostic(("entry_point",), f"entry_point {job.entry_point!r}: {problem}")


def files_exist(job: Job) -> Iterator[Diagnostic]:
    """source_dir, entry_point and requirements exist and stay inside their roots, with `..`
    and symbolic links resolved (the build context holds the job's directory alone), and the
    code tree is one the image can receive."""
    src = job.source
    code = job.code_path
    source_dir_at = ("source_dir",) if "source_dir" in src.data else ("entry_point",)
    if _escapes(job.source_dir) or not _inside(code, job.directory):
        yield src.diagnostic(("source_dir",), f"source_dir {job.source_dir!r} must stay inside the job's directory (links resolved)")
    elif not code.is_dir():
        yield src.diagnostic(source_dir_at, f"source directory {code} does not exist")
    elif contract.entry_point_problem(job.entry_point):
        pass  # entry_point_runs says why
    elif _escapes(job.entry_point) or not _inside(code / job.entry_point, code):
        yield src.diagnostic(("entry_point",), f"entry_point {job.entry_point!r} must be a path inside source_dir (links resolved)")
    elif not (code / job.entry_point).is_file():
        yield src.diagnostic(("entry_point",), f"entry point {code / job.entry_point} does not exist")
    else:
        problems = list(tree_problems(code, _not_code(job)))
        for problem in problems[:MAX_TREE_PROBLEMS]:
            yield src.diagnostic(source_dir_at, f"the code tree cannot go into the image: {problem}")
        if len(problems) > MAX_TREE_PROBLEMS:
            yield src.diagnostic(source_dir_at, f"… and {len(problems) - MAX_TREE_PROBLEMS} more such entries")
    requirements = job.image.requirements
    if requirements is not None:
        if _escapes(requirements) or not _inside(job.directory / requirements, job.directory):
            yield src.diagnostic(("image", "requirements"), f"requirements {requirements!r} must stay inside the job's directory (links resolved)")
        elif not (job.directory / requirements).is_file():
            yield src.diagnostic(("image", "requirements"), f"requirements file {job.directory / requirements} does not exist")


def requirements_installed_once(job: Job) -> Iterator[Diagnostic]:
    """source_dir's requirements.txt is installed by convention; image.requirements naming the
    same file would install it twice (the compiler installs it once)."""
    requirements = job.image.requirements
    if requirements_named_again(job.code_path, job.directory / requirements if requirements is not None else None):
        yield job.source.diagnostic(
            ("image", "requirements"),
            f"{requirements} is source_dir's requirements.txt, which the image installs anyway: remove image.requirements "
            "(it is installed once)",
            severity="warning",
        )


def names_fit_the_artifacts(job: Job) -> Iterator[Diagnostic]:
    """Paths that reach the Dockerfile can be written there with their meaning intact: no line
    break in an ENV value, no glob character where COPY reads a pattern (text/escape.py
    holds the rules, so the check and the rendering cannot disagree)."""
    values = []
    if contract.entry_point_problem(job.entry_point) is None:  # else entry_point_runs says why
        values.append((("entry_point",), job.entry_point, escape.dockerfile_value))
    if job.source_dir not in (".", ""):
        values.append((("source_dir",), job.source_dir, escape.dockerfile_copy))
    if job.image.requirements is not None:
        values.append((("image", "requirements"), job.image.requirements, escape.dockerfile_copy))
    for at, value, escaper in values:
        try:
            escaper(value)
        except escape.Unrepresentable as problem:
            yield job.source.diagnostic(at, f"cannot be written into the Dockerfile: {problem}")


def _inside(path: Path, root: Path) -> bool:
    resolved, base = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return resolved == base or base in resolved.parents


def _not_code(job: Job) -> Callable[[str, list[str]], set[str]]:
    """What the image never receives from source_dir: caches, the compiler's default output
    folder and run-local's runs (spec/code_tree.py names them; compiler/build_inputs.py leaves the same out of the tag)."""
    left_out = {os.path.realpath(job.directory / DEFAULT_OUTPUT_DIR), os.path.realpath(job.directory / LOCAL_RUNS_DIR)}

    def skip(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if ignored(n) or os.path.realpath(os.path.join(directory, n)) in left_out}

    return skip


def no_secrets(job: Job) -> Iterator[Diagnostic]:
    allowed = frozenset(job.allow_secrets)
    for path, message, at_key in secrets.findings(job.source.data, allowed):
        yield job.source.diagnostic(path, message, key=at_key)


def allowed_secrets_are_keys(job: Job) -> Iterator[Diagnostic]:
    keys = set(secrets.keys_of({k: v for k, v in job.source.data.items() if k != "allow_secrets"}))
    for index, name in enumerate(job.allow_secrets):
        if name not in keys:
            yield job.source.diagnostic(("allow_secrets", index), f"allow_secrets names {name!r}, which is no key of this job")


def hyperparameters_fit(job: Job) -> Iterator[Diagnostic]:
    encoding = job.hyperparameter_encoding
    how = "once JSON-encoded" if encoding == hyperparameter_encoding.FRAMEWORK else f"as hyperparameter_encoding: {encoding} sends it"
    for name, value in job.hyperparameters.items():
        encoded = hyperparameter_encoding.encode(value, encoding)
        if len(encoded) > HYPERPARAMETER_VALUE_MAX:
            yield job.source.diagnostic(
                ("hyperparameters", name),
                f"hyperparameter {name!r} is {len(encoded)} characters {how}; SageMaker allows {HYPERPARAMETER_VALUE_MAX}",
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
        elif pattern.groups > 1:
            yield job.source.diagnostic(
                where,
                f"regex of metric {metric.name!r} has {pattern.groups} capturing groups; the value is read from the first, the "
                "others only cost a reader a second look: make them non-capturing, (?:…)",
                severity="warning",
            )


# ${NAME} or $NAME: shell syntax that no one expands in a training job's environment.
_VARIABLE_REFERENCE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def environment_is_literal(job: Job) -> Iterator[Diagnostic]:
    """SageMaker passes each environment value as it is: `${PATH}` stays those seven characters."""
    for name, value in job.environment.items():
        found = _VARIABLE_REFERENCE.search(value)
        if found:
            yield job.source.diagnostic(
                ("environment", name),
                f"{name}: {found.group()} is not expanded: SageMaker sets the value as written; "
                "write the whole value, or set it in the entry point",
                severity="warning",
            )


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


# Channel keys that describe S3 data, and so mean nothing for a mounted file system.
_S3_ONLY_CHANNEL_KEYS = ("distribution", "data_type", "instance_groups")


def channels_have_one_source(job: Job) -> Iterator[Diagnostic]:
    """Each channel reads S3, FSx for Lustre or EFS: exactly one. A file system is mounted into
    the VPC, in File mode, with the S3 settings left out."""
    for channel in job.inputs:
        given = job.source.data["inputs"][channel.name]
        spec = given if isinstance(given, dict) else {"s3": given}
        at = ("inputs", channel.name)
        sources = [key for key in ("s3", "fsx", "efs") if key in spec]
        if not sources:
            yield job.source.diagnostic(at, f"channel {channel.name!r} needs one of s3, fsx or efs")
            continue
        if len(sources) > 1:
            yield job.source.diagnostic((*at, sources[1]), f"channel {channel.name!r} sets {' and '.join(sources)}; set exactly one", key=True)
            continue
        if channel.file_system is None:
            continue
        kind = sources[0]
        for key in _S3_ONLY_CHANNEL_KEYS:
            if key in spec:
                yield job.source.diagnostic((*at, key), f"{key} applies to S3 data only, not to a file system ({kind})", key=True)
        if channel.mode not in (None, "File"):
            yield job.source.diagnostic(
                (*at, "mode"), f"a file system ({kind}) is mounted, so its channel is read in File mode; {channel.mode} streams from S3 only"
            )
        if not (job.network.subnets and job.network.security_groups):
            yield job.source.diagnostic(
                (*at, kind),
                f"a file system ({kind}) is reached inside its VPC: set network.subnets and network.security_groups "
                "to subnets and security groups that can reach it",
            )


# Request members a tuning request carries over: the definition's, the tags and the
# hyperparameters (as static ones); and TrainingJobName, which no hatch may set (the compiler
# refuses it there: name sets it, and the tuning job's name), so nothing of it is left out.
_CARRIED_INTO_TUNING = frozenset((*DEFINITION_MEMBERS, "Tags", "HyperParameters", "TrainingJobName"))
# The keys whose request members the tuning API's training job definition has no place for.
_NOT_IN_TUNING_JOBS = {
    "tensorboard": "TensorBoardOutputConfig",
    "experiment": "ExperimentConfig",
    "debugger": "DebugHookConfig and DebugRuleConfigurations",
    "profiler": "ProfilerConfig and ProfilerRuleConfigurations",
}


def tuning_keeps_only_what_it_can(job: Job) -> Iterator[Diagnostic]:
    """A tuning job's training jobs are described by HyperParameterTrainingJobDefinition, which
    lacks some of CreateTrainingJob's members: say so instead of dropping them unannounced."""
    if job.tuning is None:
        return
    data = job.source.data
    left_out = [((key,), member) for key, member in _NOT_IN_TUNING_JOBS.items() if data.get(key) is not None]
    for hatch in ("request", "request_override"):
        left_out += [((hatch, member), member) for member in data.get(hatch) or {} if member not in _CARRIED_INTO_TUNING]
    for at, member in left_out:
        yield job.source.diagnostic(
            at,
            f"the tuning job's training jobs run without {member}, which the tuning API's training job definition lacks "
            "(plain training jobs still get it)",
            key=True,
            severity="warning",
        )


def tuning_keeps_no_warm_pool(job: Job) -> Iterator[Diagnostic]:
    """The definition's ResourceConfig takes no KeepAlivePeriodInSeconds (aws/tuning_definition.py):
    the tuning request leaves it out, whichever key set it."""
    if job.tuning is None:
        return
    data = job.source.data
    places = []
    if isinstance(data.get("resources"), dict) and "keep_alive" in data["resources"]:
        places.append(("resources", "keep_alive"))
    for hatch in ("request", "request_override"):
        resources = (data.get(hatch) or {}).get("ResourceConfig")
        if isinstance(resources, dict) and WARM_POOL in resources:
            places.append((hatch, "ResourceConfig", WARM_POOL))
    for at in places:
        yield job.source.diagnostic(
            at,
            "the tuning job's training jobs keep no warm pool: the tuning API takes no KeepAlivePeriodInSeconds, and a "
            "tuning job reuses its instances between its training jobs by itself (plain training jobs still keep theirs)",
            key=True,
            severity="warning",
        )


def hatch_keeps_the_shim(job: Job) -> Iterator[Diagnostic]:
    """SageMaker starts the image as `train` on the PATH, which is the shim; an entrypoint given
    through the escape hatch replaces that start, so the shim's environment, arguments and
    failure reports are gone unless the entrypoint runs `train` itself."""
    for hatch in ("request", "request_override"):
        spec = (job.source.data.get(hatch) or {}).get("AlgorithmSpecification")
        if not isinstance(spec, dict):
            continue
        for member in ("ContainerEntrypoint", "ContainerArguments"):
            if member in spec:
                yield job.source.diagnostic(
                    (hatch, "AlgorithmSpecification", member),
                    f"{member} changes how SageMaker starts the image, otherwise as `train` (the shim); make sure it still runs train",
                    key=True,
                    severity="warning",
                )


def channel_local_paths_inside(job: Job) -> Iterator[Diagnostic]:
    for channel in job.inputs:
        if channel.local is not None and PurePosixPath(channel.local).is_absolute():
            continue  # an absolute path is the user's explicit choice
        if channel.local is not None and _escapes(channel.local):
            yield job.source.diagnostic(("inputs", channel.name, "local"), "local must stay inside the job's directory, or be an absolute path")


def instance_groups_replace_type_and_count(job: Job) -> Iterator[Diagnostic]:
    resources = job.source.data.get("resources") or {}
    if "instance_groups" not in resources:
        return
    for key in ("instance_type", "instance_count"):
        if key in resources:
            yield job.source.diagnostic(
                ("resources", key), f"{key} cannot be set beside instance_groups: each group has its own", key=True
            )
    seen: set[str] = set()
    for index, group in enumerate(job.resources.instance_groups):
        if group.name in seen:
            yield job.source.diagnostic(("resources", "instance_groups", index, "name"), f"instance group {group.name!r} is defined twice")
        seen.add(group.name)


def named_instance_groups_exist(job: Job) -> Iterator[Diagnostic]:
    defined = [group.name for group in job.resources.instance_groups]
    uses = [(("distribution", "instance_groups"), job.distribution.instance_groups)]
    uses += [(("inputs", channel.name, "instance_groups"), channel.instance_groups) for channel in job.inputs]
    for where, names in uses:
        if names and not defined:
            yield job.source.diagnostic(where, "instance_groups needs resources.instance_groups (a heterogeneous cluster)")
            continue
        for index, name in enumerate(names):
            if name not in defined:
                yield job.source.diagnostic(
                    (*where, index), f"no instance group {name!r} in resources.instance_groups (defined: {', '.join(defined)})"
                )


def distribution_is_consistent(job: Job) -> Iterator[Diagnostic]:
    distribution, src = job.distribution, job.source
    given = src.data.get("distribution") or {}
    if distribution.type == "none":
        for key in ("processes_per_host", "instance_groups", "mpi_options"):
            if key in given:
                yield src.diagnostic(("distribution", key), f"{key} applies only with distribution.type torchrun or mpi", key=True)
        return
    if distribution.type != "mpi" and "mpi_options" in given:
        yield src.diagnostic(("distribution", "mpi_options"), "mpi_options applies only with distribution.type mpi", key=True)
    if distribution.type == "torchrun" and not job.entry_point.endswith(".py"):
        yield src.diagnostic(("entry_point",), f"torchrun runs Python scripts only; {job.entry_point!r} is not a .py file")
    for name in sorted(DISTRIBUTION_HYPERPARAMETERS & job.hyperparameters.keys()):
        yield src.diagnostic(
            ("hyperparameters", name), f"{name!r} is written from the distribution section; set it there", key=True
        )


def region_is_known(job: Job) -> Iterator[Diagnostic]:
    """A Region the schema's shape accepts but botocore does not list: usually a typo, but
    possibly a Region newer than this botocore, so a warning."""
    if job.region not in known_regions():
        close = closest_region(job.region)
        hint = f"did you mean {close!r}? " if close else ""
        yield job.source.diagnostic(
            ("region",), f"{job.region!r} is no Region that botocore {botocore_version()} knows; {hint}(a newer botocore may know it)", severity="warning"
        )


def base_image_registry_can_be_logged_in_to(job: Job) -> Iterator[Diagnostic]:
    """build_and_push.sh logs in to the ECR registry of a base it can name (aws/ecr.py): a host
    that looks like ECR but is no registry host it knows gets no login, and the build's pull
    would fail for want of one."""
    base = job.image.base_image
    if base is not None and looks_like_ecr(base) and registry_of(base) is None:
        yield job.source.diagnostic(
            ("image", "base_image"),
            "the base image's host looks like ECR, but is no registry named <account>.dkr.ecr.<region>.amazonaws.com "
            "(.amazonaws.com.cn in China): build_and_push.sh cannot log in to it; check the host, or log in to it yourself "
            "(aws ecr get-login-password | docker login) before running build_and_push.sh",
            severity="warning",
        )


def image_tag_is_not_moving(job: Job) -> Iterator[Diagnostic]:
    if job.image.tag == "latest":
        yield job.source.diagnostic(
            ("image", "tag"),
            "tag 'latest' moves with every push: a job may run another image than the one compiled from this job.yaml; "
            "leave tag out (a hash of the build inputs) or name a version",
            severity="warning",
        )


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def hyperparameters_are_not_quoted_numbers(job: Job) -> Iterator[Diagnostic]:
    """A quoted number or boolean is sent as a string: the request carries "\"0.01\"", and the
    toolkit's JSON decoding gives the script the string in SM_HPS and SM_TRAINING_ENV. Under the
    encodings that send a string as it is, the opposite: see strings_sent_as_they_are."""
    if job.hyperparameter_encoding != hyperparameter_encoding.FRAMEWORK:
        yield from strings_sent_as_they_are(job)
        return
    for name, value in job.hyperparameters.items():
        if not isinstance(value, str):
            continue
        if _JSON_NUMBER.fullmatch(value):
            argument = str(json.loads(value))
            same = "the same text either way" if argument == value else f"{value} as written, {argument} as a number"
            yield job.source.diagnostic(
                ("hyperparameters", name),
                f"{json.dumps(value)} is a string: SM_HPS gives the script the string, not a number (its command-line argument is "
                f"{same}); to send a number, write {name}: {value} without quotes",
                severity="warning",
            )
        elif value in ("true", "false"):
            yield job.source.diagnostic(
                ("hyperparameters", name),
                f"{json.dumps(value)} is a string: SM_HPS gives the script the string, not a boolean (its command-line argument is "
                f"{value}; a boolean's is {value.capitalize()}); to send a boolean, write {name}: {value} without quotes",
                severity="warning",
            )


def strings_sent_as_they_are(job: Job) -> Iterator[Diagnostic]:
    """Under hyperparameter_encoding: estimator or model_trainer a string is sent as it is, and
    train (as the toolkit) decodes it as JSON: "true" reaches the script as a boolean, its
    argument True. Warned where the script's argument would differ from the text written."""
    encoding = job.hyperparameter_encoding
    for name, value in job.hyperparameters.items():
        if not isinstance(value, str):
            continue
        decoded = contract.decoded(value)
        argument = _argument(decoded)
        if decoded is value or argument == value:
            continue
        shown = "an empty string" if argument == "" else argument
        yield job.source.diagnostic(
            ("hyperparameters", name),
            f"{json.dumps(value)} is sent as it is (hyperparameter_encoding: {encoding}), and train decodes it as JSON: "
            f"the script gets {_kind(decoded)}, its argument {shown}, not the text; hyperparameter_encoding: framework "
            "sends it as a string",
            severity="warning",
        )


def _argument(value: object) -> str:
    """The command-line argument of a decoded value (the toolkit's to_cmd_args)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    return "a list" if isinstance(value, list) else "a mapping"


def channel_local_paths_exist(job: Job) -> Iterator[Diagnostic]:
    """run-local copies each channel's local: path; validate and compile warn when one is
    missing (run-local refuses to start)."""
    for channel in job.inputs:
        if channel.local is not None and not (job.directory / channel.local).exists():
            yield job.source.diagnostic(
                ("inputs", channel.name, "local"),
                f"channel {channel.name!r}: local path {job.directory / channel.local} does not exist; run-local needs it",
                severity="warning",
            )


RULES: tuple[Rule, ...] = (
    spot_needs_max_wait,
    cuda_only_with_cuda_base,
    image_matches_instance,
    entry_point_runs,
    files_exist,
    names_fit_the_artifacts,
    requirements_installed_once,
    no_secrets,
    allowed_secrets_are_keys,
    hyperparameters_fit,
    metric_regexes_compile,
    metric_names_unique,
    environment_is_literal,
    vpc_is_complete,
    channels_have_one_source,
    tuning_keeps_only_what_it_can,
    tuning_keeps_no_warm_pool,
    hatch_keeps_the_shim,
    channel_local_paths_inside,
    instance_groups_replace_type_and_count,
    named_instance_groups_exist,
    distribution_is_consistent,
    tuning_diagnostics,
    region_is_known,
    image_tag_is_not_moving,
    base_image_registry_can_be_logged_in_to,
    hyperparameters_are_not_quoted_numbers,
    channel_local_paths_exist,
)


def _escapes(relative: str) -> bool:
    path = PurePosixPath(relative)
    return path.is_absolute() or ".." in path.parts

