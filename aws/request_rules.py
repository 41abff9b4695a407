"""Check a CreateTrainingJob request against the service's own constraints, before sending it.

botocore validates little on the client (required members, types, minimums), so a request that
only looks right fails later in the cloud. check_request reports every violation of:

- the constraints of botocore's service model for CreateTrainingJob (required and unknown
  members, JSON types, string lengths, numeric ranges, patterns matched against the whole value,
  enums, list lengths, map sizes and map keys), read from the committed derived file
  schemas/create_training_job.constraints.json (see aws/service_model.py);
- where the aws CLI v1's bundled model is stricter on the client (unknown members, `min`), so that
  `aws sagemaker create-training-job --cli-input-json` cannot fail client-side;
- the cross-field rules stated in the API documentation (spot and stopping conditions, input
  modes, uniqueness, mutually exclusive members).

Pure: no I/O except reading the constraints file once.
"""

import functools
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
CONSTRAINTS_PATH = SCHEMAS / "create_training_job.constraints.json"
TUNING_CONSTRAINTS_PATH = SCHEMAS / "create_hyper_parameter_tuning_job.constraints.json"

RequestPath = tuple[str | int, ...]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

MAX_SHOWN_VALUE = 60
MAX_LISTED_ENUM_VALUES = 12

TWENTY_EIGHT_DAYS = 28 * 24 * 3600
DEFAULT_MAX_RUNTIME = 24 * 3600

PROFILING_INTERVALS_MS = (100, 200, 500, 1000, 5000, 60000)
SEQUENCE_LENGTH_RANGE_K = (1, 1024)

# Families whose instances have local NVMe instance storage, from the ResourceConfig docs
# (ml.p4d, ml.g4dn, ml.g5) and the EC2 instance-store tables. VolumeKmsKeyId is refused there.
LOCAL_STORAGE_FAMILIES = frozenset(
    ("g4dn", "g5", "g6", "g6e", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "r5d", "trn1", "trn1n", "trn2")
)
# EBS-only families (the docs name ml.c5 and ml.p2): "you must define the size of EBS volume
# through VolumeSizeInGB".
EBS_ONLY_FAMILIES = frozenset(
    (
        *("c4", "c5", "c5n", "c6i", "c7i", "c7i-flex", "c8i", "c8i-flex"),
        *("m4", "m5", "m6i", "m7i", "m7i-flex", "m8i", "m8i-flex"),
        *("p2", "p3", "r5", "r6i", "r7i", "r8i", "r8i-flex", "t3"),
    )
)


@dataclass(frozen=True)
class Violation:
    path: RequestPath
    message: str


def check_request(request: dict) -> list[Violation]:
    """Every violation in request, in a stable order: model constraints first, then cross-field rules."""
    constraints = load_constraints()
    violations = list(ModelChecker(constraints).check(constraints["root"], request, (), "the request"))
    if isinstance(request, dict):
        for rule in CROSS_FIELD_RULES:
            violations.extend(rule(request))
    return violations


def check_tuning_request(request: dict) -> list[Violation]:
    """The CreateHyperParameterTuningJob model's constraints. The training job definition inside
    is derived from a training request that check_request has already passed, and the tuning
    rules a model cannot express are checked on job.yaml (spec/tuning.py)."""
    constraints = load_constraints(TUNING_CONSTRAINTS_PATH)
    return list(ModelChecker(constraints).check(constraints["root"], request, (), "the request"))


@functools.cache
def load_constraints(path: Path = CONSTRAINTS_PATH) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def cli_command(operation: str) -> str:
    """The aws CLI command of an operation: CreateTrainingJob -> create-training-job."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation).lower()


@functools.cache
def compiled_pattern(python_pattern: str) -> re.Pattern:
    return re.compile(python_pattern)


# ---------------------------------------------------------------------------------------------
# Constraints of the service model


class ModelChecker:
    def __init__(self, constraints: dict):
        self.shapes = constraints["shapes"]
        self.patterns = constraints["patterns"]
        self.ascii_patterns = constraints["ascii_patterns"]
        self.cli = constraints["cli_stricter"]
        self.awscli = constraints["sources"]["awscli"]
        self.command = cli_command(constraints["operation"])

    def check(self, shape_name: str, value: Any, path: RequestPath, label: str) -> Iterator[Violation]:
        shape = self.shapes[shape_name]
        type_error = type_mismatch(shape["type"], value)
        if type_error:
            yield Violation(path, f"{label} must be {type_error}")
            return
        checker = getattr(self, "check_" + shape["type"])
        yield from checker(shape_name, shape, value, path, label)

    def check_structure(self, name: str, shape: dict, value: dict, path: RequestPath, label: str) -> Iterator[Violation]:
        members = shape.get("members", {})
        cli = self.cli.get(name, {})
        for member in shape.get("required", []):
            if member not in value:
                yield Violation(path, f"{label} lacks the required member {member}")
        for member in cli.get("required", []):
            if member not in value and member not in shape.get("required", []):
                yield Violation(path, f"{label} lacks {member}, which the aws CLI (awscli {self.awscli}) requires")
        for member, member_value in value.items():
            member_path = path + (member,)
            if member not in members:
                yield Violation(member_path, unknown_member_message(member, label, members))
                continue
            if member in cli.get("unknown_members", []):
                yield Violation(
                    member_path,
                    f"{member} is unknown to the aws CLI's older model (awscli {self.awscli}): "
                    f"`aws sagemaker {self.command} --cli-input-json` rejects it, though boto3 accepts it",
                )
            yield from self.check(members[member], member_value, member_path, member)

    def check_list(self, name: str, shape: dict, value: list, path: RequestPath, label: str) -> Iterator[Violation]:
        yield from self.check_count(name, shape, len(value), path, label, "entries")
        for index, item in enumerate(value):
            yield from self.check(shape["member"], item, path + (index,), f"{label}[{index}]")

    def check_map(self, name: str, shape: dict, value: dict, path: RequestPath, label: str) -> Iterator[Violation]:
        yield from self.check_count(name, shape, len(value), path, label, "entries")
        for key, item in value.items():
            item_path = path + (key,)
            yield from self.check(shape["key"], key, item_path, f"{label} key")
            yield from self.check(shape["value"], item, item_path, f"{label}[{show(key)}]")

    def check_count(self, name: str, shape: dict, count: int, path: RequestPath, label: str, unit: str) -> Iterator[Violation]:
        if "min" in shape and count < shape["min"]:
            yield Violation(path, f"{label} has {count} {unit}; at least {shape['min']} required")
        if "max" in shape and count > shape["max"]:
            yield Violation(path, f"{label} has {count} {unit}; at most {shape['max']} allowed")
        cli_min = self.cli.get(name, {}).get("min")
        if cli_min is not None and count < cli_min and count >= shape.get("min", 0):
            yield Violation(path, f"{label} has {count} {unit}; the aws CLI requires at least {cli_min}")

    def pattern_of(self, java_pattern: str, value: str) -> re.Pattern:
        """The compiled translation of a pattern; for an ASCII value the one cut down to ASCII,
        which decides the same there and compiles many times faster (aws/java_regex.py)."""
        if value.isascii() and java_pattern in self.ascii_patterns:
            return compiled_pattern(self.ascii_patterns[java_pattern])
        return compiled_pattern(self.patterns[java_pattern])

    def check_string(self, name: str, shape: dict, value: str, path: RequestPath, label: str) -> Iterator[Violation]:
        shown = show(value)
        if has_lone_surrogate(value):
            yield Violation(path, f"{label} {shown} is not valid Unicode (it holds a lone surrogate)")
            return
        length = len(value)
        if "min" in shape and length < shape["min"]:
            yield Violation(path, f"{label} {shown} is {length} characters long; at least {shape['min']} required")
        if "max" in shape and length > shape["max"]:
            yield Violation(path, f"{label} {shown} is {length} characters long; at most {shape['max']} allowed")
        cli_min = self.cli.get(name, {}).get("min")
        if cli_min is not None and shape.get("min", 0) <= length < cli_min:
            yield Violation(path, f"{label} {shown} is {length} characters long; the aws CLI requires at least {cli_min}")
        if "enum" in shape and value not in shape["enum"]:
            yield Violation(path, f"{label} {shown} is not one of {describe_enum(value, shape['enum'])}")
        if "pattern" in shape and not self.pattern_of(shape["pattern"], value).fullmatch(value):
            yield Violation(path, f"{label} {shown} does not match the pattern {shape['pattern']} (the whole value must match)")

    def check_integer(self, name: str, shape: dict, value: int, path: RequestPath, label: str) -> Iterator[Violation]:
        yield from self.check_number(name, shape, value, path, label, INT32, "32-bit")

    def check_long(self, name: str, shape: dict, value: int, path: RequestPath, label: str) -> Iterator[Violation]:
        yield from self.check_number(name, shape, value, path, label, INT64, "64-bit")

    def check_float(self, name: str, shape: dict, value: float, path: RequestPath, label: str) -> Iterator[Violation]:
        yield from self.check_number(name, shape, value, path, label, None, "")

    check_double = check_float

    def check_number(self, name, shape, value, path, label, limits, width) -> Iterator[Violation]:
        if limits and not limits[0] <= value <= limits[1]:
            yield Violation(path, f"{label} {value} does not fit a {width} integer ({limits[0]}..{limits[1]})")
            return
        if "min" in shape and value < shape["min"]:
            yield Violation(path, f"{label} {value} is below the minimum {shape['min']}")
        if "max" in shape and value > shape["max"]:
            yield Violation(path, f"{label} {value} is above the maximum {shape['max']}")
        cli_min = self.cli.get(name, {}).get("min")
        if cli_min is not None and shape.get("min", value) <= value < cli_min:
            allowed = f" (botocore allows {shape['min']})" if "min" in shape else ""
            yield Violation(path, f"{label} {value} is below the aws CLI's minimum {cli_min}{allowed}")

    def check_boolean(self, name: str, shape: dict, value: bool, path: RequestPath, label: str) -> Iterator[Violation]:
        return iter(())


JSON_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "boolean": "a boolean (true or false)",
    "structure": "an object",
    "map": "an object",
    "list": "a list",
}


def type_mismatch(shape_type: str, value: Any) -> str | None:
    """None when value has the JSON type shape_type needs, else what it must be and what it is."""
    if shape_type == "string":
        ok = isinstance(value, str)
    elif shape_type in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif shape_type in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif shape_type == "boolean":
        ok = isinstance(value, bool)
    elif shape_type in ("structure", "map"):
        ok = isinstance(value, dict)
    elif shape_type == "list":
        ok = isinstance(value, list)
    else:
        raise ValueError(f"unknown shape type {shape_type}")
    if ok:
        return None
    return f"{JSON_TYPE_NAMES[shape_type]}, not {json_type_name(value)} ({show(value)})"


def json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def show(value: Any) -> str:
    """A value as it reads in JSON, shortened, with unprintable characters escaped."""
    if isinstance(value, str):
        shortened = value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"
        text = json.dumps(shortened, ensure_ascii=False)
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    text = json.dumps(value, ensure_ascii=True, default=str)
    if len(text) > MAX_SHOWN_VALUE:
        text = text[: MAX_SHOWN_VALUE - 1] + "…"
    return text


def has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def describe_enum(value: str, allowed: list[str]) -> str:
    if len(allowed) <= MAX_LISTED_ENUM_VALUES:
        return ", ".join(allowed)
    from difflib import get_close_matches  # on a mistake only

    close = get_close_matches(value, allowed, n=3)
    hint = f"; closest: {', '.join(close)}" if close else ""
    return f"the {len(allowed)} allowed values{hint}"


def member_name(member: str) -> str:
    """A member name as written, or quoted with escapes when it holds anything unprintable (a
    name from job.yaml's escape hatch can hold a line break; a diagnostic is one line)."""
    return member if member.isprintable() and member.strip() == member and member else show(member)


def unknown_member_message(member: str, label: str, members: dict) -> str:
    from difflib import get_close_matches  # on a mistake only

    close = get_close_matches(member, list(members), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{member_name(member)} is not a member of {label}{hint}"


# ---------------------------------------------------------------------------------------------
# Cross-field rules from the API documentation. Each takes the request and yields violations;
# each skips parts whose types are wrong (the model checks above already report those).


def get(container: Any, *keys: str | int) -> Any:
    """The value at keys inside nested dicts/lists, or None when any step is missing or mistyped."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(container, list) or key >= len(container):
                return None
        elif not isinstance(container, dict) or key not in container:
            return None
        container = container[key]
    return container


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def dict_items(value: Any) -> list[tuple[int, dict]]:
    """(index, entry) for each object entry of a list; entries of other types are skipped."""
    if not isinstance(value, list):
        return []
    return [(index, entry) for index, entry in enumerate(value) if isinstance(entry, dict)]


def is_serverless(request: dict) -> bool:
    return "ServerlessJobConfig" in request


def algorithm_source(request: dict) -> Iterator[Violation]:
    spec = request.get("AlgorithmSpecification")
    if spec is None:
        if not is_serverless(request):
            yield Violation(
                (),
                "the request needs AlgorithmSpecification (with TrainingImage or AlgorithmName) unless it has ServerlessJobConfig",
            )
        return
    if not isinstance(spec, dict):
        return
    if "TrainingImage" in spec and "AlgorithmName" in spec:
        yield Violation(
            ("AlgorithmSpecification", "AlgorithmName"), "AlgorithmName and TrainingImage are mutually exclusive; set only one"
        )
    elif "TrainingImage" not in spec and "AlgorithmName" not in spec and not is_serverless(request):
        yield Violation(("AlgorithmSpecification",), "AlgorithmSpecification needs either TrainingImage or AlgorithmName")


def stopping_condition(request: dict) -> Iterator[Violation]:
    runtime = get(request, "StoppingCondition", "MaxRuntimeInSeconds")
    wait = get(request, "StoppingCondition", "MaxWaitTimeInSeconds")
    spot = request.get("EnableManagedSpotTraining") is True
    if is_integer(runtime) and runtime > TWENTY_EIGHT_DAYS:
        yield Violation(
            ("StoppingCondition", "MaxRuntimeInSeconds"),
            f"MaxRuntimeInSeconds {runtime} exceeds the maximum of 28 days ({TWENTY_EIGHT_DAYS})",
        )
    if spot and wait is None:
        yield Violation(
            ("EnableManagedSpotTraining",),
            "managed spot training needs StoppingCondition.MaxWaitTimeInSeconds (at least MaxRuntimeInSeconds)",
        )
    if wait is not None and not spot:
        yield Violation(
            ("StoppingCondition", "MaxWaitTimeInSeconds"),
            "MaxWaitTimeInSeconds is only allowed when EnableManagedSpotTraining is true",
        )
    if spot and is_integer(wait):
        effective_runtime = runtime if is_integer(runtime) else DEFAULT_MAX_RUNTIME
        if wait < effective_runtime:
            source = "" if is_integer(runtime) else ", the default when MaxRuntimeInSeconds is unset"
            yield Violation(
                ("StoppingCondition", "MaxWaitTimeInSeconds"),
                f"MaxWaitTimeInSeconds {wait} must be at least MaxRuntimeInSeconds {effective_runtime}{source}",
            )


def effective_input_mode(request: dict, channel: dict) -> Any:
    """The channel's InputMode, or the job's TrainingInputMode it falls back to."""
    mode = channel.get("InputMode")
    return mode if mode is not None else get(request, "AlgorithmSpecification", "TrainingInputMode")


def channels(request: dict) -> Iterator[Violation]:
    seen: dict[str, int] = {}
    for index, channel in dict_items(request.get("InputDataConfig")):
        path = ("InputDataConfig", index)
        name = channel.get("ChannelName")
        if isinstance(name, str):
            if name in seen:
                yield Violation(
                    path + ("ChannelName",),
                    f"ChannelName {show(name)} is already used by InputDataConfig[{seen[name]}]; channel names must be unique",
                )
            else:
                seen[name] = index
        mode = effective_input_mode(request, channel)
        if not isinstance(mode, str):
            continue
        if get(channel, "DataSource", "S3DataSource", "S3DataType") == "AugmentedManifestFile" and mode != "Pipe":
            yield Violation(
                path + ("DataSource", "S3DataSource", "S3DataType"),
                f"S3DataType AugmentedManifestFile needs Pipe input mode, but this channel's input mode is {mode}",
            )
        for member in ("CompressionType", "RecordWrapperType"):
            value = channel.get(member)
            if isinstance(value, str) and value != "None" and mode != "Pipe":
                yield Violation(
                    path + (member,),
                    f"{member} {value} works only in Pipe input mode; this channel's input mode is {mode} (leave it unset or None)",
                )


def data_sources(request: dict) -> Iterator[Violation]:
    group_names = {group.get("InstanceGroupName") for _, group in dict_items(get(request, "ResourceConfig", "InstanceGroups"))}
    for index, channel in dict_items(request.get("InputDataConfig")):
        source = channel.get("DataSource")
        if not isinstance(source, dict):
            continue
        path = ("InputDataConfig", index, "DataSource")
        kinds = [kind for kind in ("S3DataSource", "FileSystemDataSource", "DatasetSource") if kind in source]
        if not kinds:
            yield Violation(path, "DataSource needs one of S3DataSource, FileSystemDataSource or DatasetSource")
        elif len(kinds) > 1:
            yield Violation(path, f"DataSource sets {' and '.join(kinds)}; set exactly one")
        names = get(source, "S3DataSource", "InstanceGroupNames")
        for name_index, name in enumerate(names if isinstance(names, list) else []):
            if isinstance(name, str) and name not in group_names:
                yield Violation(
                    path + ("S3DataSource", "InstanceGroupNames", name_index),
                    f"InstanceGroupNames entry {show(name)} names no group in ResourceConfig.InstanceGroups",
                )


def unique_values(entries: Any, member: str, path: RequestPath, what: str) -> Iterator[Violation]:
    seen: dict[Any, int] = {}
    for index, entry in dict_items(entries):
        value = entry.get(member)
        if not isinstance(value, str):
            continue
        if value in seen:
            yield Violation(path + (index, member), f"{member} {show(value)} repeats {what}[{seen[value]}]; it must be unique")
        else:
            seen[value] = index


def uniqueness(request: dict) -> Iterator[Violation]:
    yield from unique_values(request.get("Tags"), "Key", ("Tags",), "Tags")
    for rules in ("DebugRuleConfigurations", "ProfilerRuleConfigurations"):
        yield from unique_values(request.get(rules), "RuleConfigurationName", (rules,), rules)
    yield from unique_values(
        get(request, "DebugHookConfig", "CollectionConfigurations"),
        "CollectionName",
        ("DebugHookConfig", "CollectionConfigurations"),
        "CollectionConfigurations",
    )
    yield from unique_values(
        get(request, "ResourceConfig", "InstanceGroups"),
        "InstanceGroupName",
        ("ResourceConfig", "InstanceGroups"),
        "InstanceGroups",
    )


def instance_family(instance_type: Any) -> str | None:
    if not isinstance(instance_type, str) or not instance_type.startswith("ml."):
        return None
    return instance_type[3:].rsplit(".", 1)[0]


def resources(request: dict) -> Iterator[Violation]:
    config = request.get("ResourceConfig")
    if config is None:
        if not is_serverless(request):
            yield Violation(
                (), "the request needs ResourceConfig (instance type, count and volume) unless it has ServerlessJobConfig"
            )
        return
    if not isinstance(config, dict):
        return
    for member in ("SelectedInstanceType", "SelectedInstanceCount"):
        if member in config:
            yield Violation(
                ("ResourceConfig", member),
                f"{member} is read-only (set by SageMaker from InstancePreferences); CreateTrainingJob does not accept it",
            )
    if "InstancePreferences" in config:
        yield from instance_preferences(request, config)
    elif not is_serverless(request):
        if "InstanceType" not in config and "InstanceGroups" not in config:
            yield Violation(("ResourceConfig",), "ResourceConfig needs InstanceType, InstanceGroups or InstancePreferences")
        elif "InstanceType" in config and "InstanceCount" not in config:
            yield Violation(("ResourceConfig",), "ResourceConfig sets InstanceType but not InstanceCount")
    yield from volume(config)
    yield from instance_counts(config)


def instance_counts(config: dict) -> Iterator[Violation]:
    """The model allows 0 (the count is optional where InstancePreferences carry it), but a job
    or an instance group with no instance cannot train."""
    count = config.get("InstanceCount")
    if is_integer(count) and count < 1:
        yield Violation(("ResourceConfig", "InstanceCount"), f"InstanceCount {count}: a training job needs at least 1 instance")
    for index, group in dict_items(config.get("InstanceGroups")):
        count = group.get("InstanceCount")
        if is_integer(count) and count < 1:
            yield Violation(
                ("ResourceConfig", "InstanceGroups", index, "InstanceCount"),
                f"InstanceCount {count}: instance group {show(group.get('InstanceGroupName'))} needs at least 1 instance",
            )


def volume(config: dict) -> Iterator[Violation]:
    instance_type = config.get("InstanceType")
    family = instance_family(instance_type)
    if family in LOCAL_STORAGE_FAMILIES and "VolumeKmsKeyId" in config:
        yield Violation(
            ("ResourceConfig", "VolumeKmsKeyId"),
            f"VolumeKmsKeyId cannot be used with {instance_type}: its local NVMe storage is encrypted by the instance",
        )
    size = config.get("VolumeSizeInGB")
    if family in EBS_ONLY_FAMILIES and not (is_integer(size) and size >= 1):
        where = ("ResourceConfig", "VolumeSizeInGB") if "VolumeSizeInGB" in config else ("ResourceConfig",)
        yield Violation(where, f"{instance_type} has only EBS storage: set VolumeSizeInGB to at least 1")


def instance_preferences(request: dict, config: dict) -> Iterator[Violation]:
    path = ("ResourceConfig", "InstancePreferences")
    for member in ("InstanceType", "InstanceGroups", "InstancePlacementConfig"):
        if member in config:
            yield Violation(("ResourceConfig", member), f"{member} and InstancePreferences are mutually exclusive")
    if request.get("EnableManagedSpotTraining") is True:
        yield Violation(
            ("EnableManagedSpotTraining",),
            "EnableManagedSpotTraining and ResourceConfig.InstancePreferences are mutually exclusive",
        )
    preferences = dict_items(config.get("InstancePreferences"))
    yield from unique_values(config.get("InstancePreferences"), "InstanceType", path, "InstancePreferences")
    with_count = [index for index, preference in preferences if "InstanceCount" in preference]
    if with_count and len(with_count) != len(preferences):
        without = [index for index, preference in preferences if "InstanceCount" not in preference]
        yield Violation(path + (without[0],), "InstanceCount must be set on every InstancePreferences entry or on none")
    if with_count and "InstanceCount" in config:
        yield Violation(
            ("ResourceConfig", "InstanceCount"),
            "InstanceCount is set both per preference and in ResourceConfig; set it in one place",
        )
    if preferences and not with_count and "InstanceCount" not in config:
        yield Violation(("ResourceConfig",), "set InstanceCount either in ResourceConfig or on every InstancePreferences entry")
    if "TrainingPlanArn" in config:
        for index, preference in preferences:
            if "TrainingPlanArns" in preference:
                yield Violation(
                    path + (index, "TrainingPlanArns"),
                    "per-preference TrainingPlanArns and ResourceConfig.TrainingPlanArn are mutually exclusive",
                )


def documented_values(request: dict) -> Iterator[Violation]:
    interval = get(request, "ProfilerConfig", "ProfilingIntervalInMilliseconds")
    if is_integer(interval) and interval not in PROFILING_INTERVALS_MS:
        allowed = ", ".join(str(value) for value in PROFILING_INTERVALS_MS)
        yield Violation(
            ("ProfilerConfig", "ProfilingIntervalInMilliseconds"),
            f"ProfilingIntervalInMilliseconds {interval} is not one of {allowed}",
        )
    for index, placement in dict_items(get(request, "ResourceConfig", "InstancePlacementConfig", "PlacementSpecifications")):
        count = placement.get("InstanceCount")
        if is_integer(count) and count < 1:
            yield Violation(
                ("ResourceConfig", "InstancePlacementConfig", "PlacementSpecifications", index, "InstanceCount"),
                f"PlacementSpecifications InstanceCount {count} is below the documented minimum 1",
            )
    yield from serverless(request)


def serverless(request: dict) -> Iterator[Violation]:
    config = request.get("ServerlessJobConfig")
    if not isinstance(config, dict):
        return
    if config.get("JobType") == "Evaluation" and "EvaluationType" not in config:
        yield Violation(("ServerlessJobConfig",), "ServerlessJobConfig with JobType Evaluation needs EvaluationType")
    length = config.get("SequenceLength")
    if isinstance(length, str) and length.endswith("K") and length[:-1].isdigit():
        low, high = SEQUENCE_LENGTH_RANGE_K
        if not low <= int(length[:-1]) <= high:
            yield Violation(
                ("ServerlessJobConfig", "SequenceLength"), f"SequenceLength {show(length)} is outside {low}K..{high}K"
            )


CROSS_FIELD_RULES: tuple[Callable[[dict], Iterator[Violation]], ...] = (
    algorithm_source,
    stopping_condition,
    channels,
    data_sources,
    uniqueness,
    resources,
    documented_values,
)
