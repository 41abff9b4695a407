"""What `train` accepts: the contract between the compiler and the shim, defined once.

`train` (shim/train) starts after the image was built and pushed and the instances started, the
most expensive moment to learn that a name cannot be used. So every rule by which it refuses a
job is here, and the compiler applies it to the requests it is about to send (each name and
value at the job.yaml line it came from, whichever key or escape hatch set it). The shim's
copies of these rules are rendered from this module into its `init_contract` function
(compiler/shim_contract.py, `make contract`; a test fails when they differ).

The compiler refuses a little more than the shim, never less: names the toolkit keeps from the
script (`sagemaker_*`, `_tuning_objective_metric`), and two names that would set one SM_*
variable (`lr` and `LR` both become SM_HP_LR; the toolkit lets the later one win in silence).
What passes here, `train` runs with the toolkit's argv and environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_byoc.spec.distribution_hyperparameters import DISTRIBUTION_HYPERPARAMETERS

# The toolkit's entry-point rule (sagemaker-training 5.1.4, process.py), which the shim applies
# too: a relative path of plain names, not starting with `-` (an option to python) or `/`.
ENTRY_POINT_PATTERN = r"[A-Za-z0-9._][A-Za-z0-9._+-]*(/[A-Za-z0-9._+-]+)*"
ENTRY_POINT_CHARACTERS = r"[A-Za-z0-9._+/-]"
# ... and no `.` or `..` segment (the program must be inside the code directory): searched for
# in the name between two slashes, as every awk reads this form alike.
DOT_SEGMENT_PATTERN = r"/\.\.?/"

# Hyperparameters the toolkit takes for itself (params.py SAGEMAKER_HYPERPARAMETERS), in its
# order; every other name starting with the prefix goes to SM_FRAMEWORK_PARAMS. Neither reaches
# the script as an argument or an SM_HP_* variable.
RESERVED_HYPERPARAMETERS = (
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_enable_cloudwatch_metrics",
    "sagemaker_region",
    "sagemaker_container_log_level",
    "sagemaker_job_name",
    "default_user_module_name",
    "_tuning_objective_metric",
    "sagemaker_s3_output",
)
RESERVED_PREFIX = "sagemaker_"

# Reserved names that no job.yaml sets by hand: a key of its own sets each (entry_point,
# distribution:), or the service does, or the toolkit drops it.
OWNED = {
    "sagemaker_program": "entry_point sets the program",
    "default_user_module_name": "the toolkit drops it",
    "_tuning_objective_metric": "SageMaker sets it in each tuning trial",
    # The toolkit uploads /opt/ml/output/intermediate there while the job runs; train does not.
    "sagemaker_s3_output": "train does not upload /opt/ml/output/intermediate while the job runs, as the toolkit does there; checkpoints: keeps files in S3",
    **dict.fromkeys(
        (
            *DISTRIBUTION_HYPERPARAMETERS,
            "sagemaker_parameter_server_enabled",
            "sagemaker_distributed_dataparallel_enabled",
            "sagemaker_pytorch_ddp_enabled",
            "sagemaker_pytorch_xla_multi_worker_enabled",
            "sagemaker_multi_worker_mirrored_strategy_enabled",
        ),
        "distribution: sets the launch",
    ),
}

# How deep a hyperparameter value may nest: the shim serialises by recursion, and mawk's
# evaluation stack holds about 120 levels.
MAX_DEPTH = 100

# The environment variable that names the entry point; the Dockerfile sets it from entry_point.
PROGRAM_VARIABLE = "SAGEMAKER_PROGRAM"

_ENTRY_POINT = re.compile(ENTRY_POINT_PATTERN)
_DOT_SEGMENT = re.compile(DOT_SEGMENT_PATTERN)
_ENTRY_POINT_CHARACTER = re.compile(ENTRY_POINT_CHARACTERS)

RequestPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Breach:
    """A name or value of a request that `train` would refuse or could not hand on as meant."""

    path: RequestPath
    message: str
    key: bool = False  # about the name at the path, not its value
    severity: str = "error"  # or "warning": train runs it, but not as the job.yaml reads


def entry_point_problem(name: str) -> str | None:
    """Why `train` would refuse this entry point, or None."""
    if not _ENTRY_POINT.fullmatch(name):
        bad = sorted({c for c in name if not _ENTRY_POINT_CHARACTER.fullmatch(c)})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            why = f"it holds {shown}"
        elif name.startswith("-"):
            why = "it starts with '-', which python would read as an option"
        elif name.startswith("/"):
            why = "it is an absolute path"
        else:
            why = "it has an empty path segment ('//' or a trailing '/')"
        return (
            f"train (as the toolkit) runs an entry point named with letters, digits and . _ + - / only, "
            f"not starting with - or /; {why}: rename the script"
        )
    if _DOT_SEGMENT.search(f"/{name}/"):
        return "the entry point must be a path inside source_dir, without '.' or '..' segments"
    return None


def is_reserved(name: str) -> bool:
    """The toolkit keeps these names from the script (shim: build_environment)."""
    return name in RESERVED_HYPERPARAMETERS or name.startswith(RESERVED_PREFIX)


def training_breaches(body: Mapping[str, Any], set_by_compiler: Callable[[RequestPath], bool]) -> list[Breach]:
    """Everything in a CreateTrainingJob request that `train` would refuse or hand on other
    than as written. `set_by_compiler` says whether a path holds a value the compiler derived
    (the distribution hyperparameters), which may use reserved names."""
    found = list(_hyperparameter_breaches(_mapping(body.get("HyperParameters")), ("HyperParameters",), set_by_compiler))
    found += _channel_breaches(body.get("InputDataConfig"), ("InputDataConfig",))
    found += _environment_breaches(_mapping(body.get("Environment")), ("Environment",))
    return found


def tuning_breaches(body: Mapping[str, Any], set_by_compiler: Callable[[RequestPath], bool]) -> list[Breach]:
    """The same for a tuning request: each trial gets the static hyperparameters and one value
    of each range under the range's name."""
    definition = _mapping(body.get("TrainingJobDefinition"))
    at: RequestPath = ("TrainingJobDefinition",)
    static = _mapping(definition.get("StaticHyperParameters"))
    ranges: dict[str, RequestPath] = {}
    categorical: list[tuple[RequestPath, Any]] = []
    for member, listed in _mapping(_mapping(body.get("HyperParameterTuningJobConfig")).get("ParameterRanges")).items():
        for index, entry in enumerate(listed if isinstance(listed, list) else ()):
            if isinstance(entry, dict) and isinstance(entry.get("Name"), str):
                path = ("HyperParameterTuningJobConfig", "ParameterRanges", member, index)
                ranges[entry["Name"]] = (*path, "Name")
                if isinstance(entry.get("Values"), list):
                    categorical += [((*path, "Values", i), v) for i, v in enumerate(entry["Values"])]
    names = [(name, (*at, "StaticHyperParameters", name)) for name in static] + list(ranges.items())
    found = list(_name_breaches(names, set_by_compiler, frozenset(ranges)))
    for name, path in names:
        if name in static:
            problem = _value_problem(name, static[name])
            if problem:
                found.append(Breach(path, problem))
            elif name in SETTINGS and not set_by_compiler(path):
                found += _setting_breaches(name, static[name], path)
    found += [Breach(p, m) for p, value in categorical if (m := _value_problem(_name_at(ranges, p), value))]
    found += _channel_breaches(definition.get("InputDataConfig"), (*at, "InputDataConfig"))
    found += _environment_breaches(_mapping(definition.get("Environment")), (*at, "Environment"))
    return found


def _hyperparameter_breaches(
    hyperparameters: Mapping[str, Any], at: RequestPath, set_by_compiler: Callable[[RequestPath], bool]
) -> Iterator[Breach]:
    yield from _name_breaches([(name, (*at, name)) for name in hyperparameters], set_by_compiler)
    for name, value in hyperparameters.items():
        problem = _value_problem(name, value)
        if problem:
            yield Breach((*at, name), problem)
        elif name in SETTINGS and not set_by_compiler((*at, name)):
            yield from _setting_breaches(name, value, (*at, name))


def _name_breaches(
    names: list[tuple[str, RequestPath]], set_by_compiler: Callable[[RequestPath], bool], tuned: frozenset[str] = frozenset()
) -> Iterator[Breach]:
    """Hyperparameter names: each becomes `--name` and SM_HP_<NAME> (Python's str.upper()).
    A tuned name is one the script must see, so no reserved name can be tuned."""
    variables: dict[str, str] = {}
    for name, path in names:
        if name == "":
            yield Breach(path, key=True, message="a hyperparameter needs a name: train would pass an empty argument and set SM_HP_")
        elif "=" in name or "\0" in name:
            held = "'='" if "=" in name else "a NUL character (U+0000)"
            yield Breach(path, key=True, message=f"hyperparameter {name!r}: a name holding {held} cannot be an environment variable (SM_HP_…): train would refuse the job")
        elif is_reserved(name):
            if name in tuned:
                yield Breach(path, key=True, message=f"{name!r} is reserved for SageMaker and the toolkit, and train keeps it from the script: it cannot be tuned")
            elif name in OWNED and not set_by_compiler(path):
                yield Breach(path, key=True, message=f"hyperparameter {name!r} is reserved: {OWNED[name]}, and train (as the toolkit) keeps it from the script")
            elif name not in OWNED and name not in SETTINGS:
                yield Breach(path, key=True, severity="warning", message=(
                    f"hyperparameter {name!r} starts with {RESERVED_PREFIX}: the script gets it only in SM_FRAMEWORK_PARAMS "
                    "and SM_TRAINING_ENV, never as an argument or SM_HP_*; rename it if the script reads it"
                ))  # fmt: skip
        else:
            variable = "SM_HP_" + name.upper()
            if variable in variables:
                yield Breach(path, key=True, message=f"hyperparameters {variables[variable]!r} and {name!r} both become {variable}, which would hold only one of them; rename one")
            variables.setdefault(variable, name)


def decoded(text: str) -> Any:
    """A value as train reads it: json.loads (Python's, with NaN and Infinity), else the text."""
    if not _read_as_json(text):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _log_level(value: Any) -> str | None:
    return None if _integer(value) else "must be an integer log level (10 DEBUG, 20 INFO, 30 WARNING…)"


def _job_name(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _region(value: Any) -> str | None:
    return None if isinstance(value, str) or not value else "must be a string"


def _process_count(value: Any) -> str | None:
    if not value:
        return None  # a false value means "not set"
    text = str(value) if _integer(value) else value if isinstance(value, str) else None
    if text is not None and re.fullmatch(r"[0-9]+", text, re.ASCII) and int(text) >= 1:
        return None
    return "must be a whole number of processes from 1 up"


def _submit_directory(value: Any) -> str | None:
    return None


# Reserved names train reads as settings (shim: build_environment, plan_mpi), each with the
# rule its value must meet there; the toolkit reads them alike.
SETTINGS: dict[str, Callable[[Any], str | None]] = {
    "sagemaker_submit_directory": _submit_directory,
    "sagemaker_container_log_level": _log_level,
    "sagemaker_job_name": _job_name,
    "sagemaker_region": _region,
    "sagemaker_enable_cloudwatch_metrics": lambda value: None,
    "sagemaker_mpi_num_processes": _process_count,
}


def _setting_breaches(name: str, text: Any, path: RequestPath) -> Iterator[Breach]:
    if not isinstance(text, str):
        return
    value = decoded(text)
    problem = SETTINGS[name](value)
    if problem:
        yield Breach(path, f"hyperparameter {name!r} {problem} (train reads it as a setting), not {text}")
    if name == "sagemaker_submit_directory" and isinstance(value, str) and value.startswith("s3://"):
        yield Breach(path, severity="warning", message=(
            f"{name}: downloading {value} needs the aws CLI in the image (install awscli), or put the code "
            "in a channel and name its folder, /opt/ml/input/data/<channel>"
        ))  # fmt: skip


def _value_problem(name: str, value: Any) -> str | None:
    """What `train` refuses in a value, as it decodes it (json.loads, else the text itself)."""
    if not isinstance(value, str):
        return None  # not a string: the API's rules refuse it
    if "\0" in value:
        return f"hyperparameter {name!r} holds {NUL_CHARACTER}"
    if not _read_as_json(value):
        return None
    depth, escaped_nul = _scan(value)
    if escaped_nul:
        return f"hyperparameter {name!r} holds {NUL_CHARACTER}"
    if depth > MAX_DEPTH:
        return f"hyperparameter {name!r} nests deeper than {MAX_DEPTH} levels, which train does not read"
    return None


NUL_CHARACTER = "a NUL character (U+0000), which no environment variable or argument can carry: train would refuse the job"

# The shim parses a value as JSON only when its first character could start JSON (what else
# json.loads would accept); any other text is the value itself.
_JSON_START = re.compile(r"[ \t\n\r]*[\[{\"0-9tfnNI-]")


def _read_as_json(text: str) -> bool:
    return _JSON_START.match(text) is not None


def _scan(text: str) -> tuple[int, bool]:
    """How deep brackets nest outside JSON strings, and whether a string holds the escape
    `\\u0000`, in one pass: the shim refuses a value at the first bracket past MAX_DEPTH or the
    first such escape, before it knows whether the rest is JSON."""
    if "[" not in text and "{" not in text and "\\u0000" not in text:
        return 0, False
    deepest = depth = 0
    in_string = escaped = False
    for index, c in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
                if c == "u" and text.startswith("0000", index + 1):
                    return deepest, True
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
    return deepest, False


def _channel_breaches(channels: Any, at: RequestPath) -> Iterator[Breach]:
    """Channel names: each is a folder under /opt/ml/input/data and SM_CHANNEL_<NAME>."""
    variables: dict[str, str] = {}
    for index, channel in enumerate(channels if isinstance(channels, list) else ()):
        name = channel.get("ChannelName") if isinstance(channel, dict) else None
        if not isinstance(name, str):
            continue
        path = (*at, index, "ChannelName")
        if name in (".", ".."):
            yield Breach(path, f"channel {name!r} would be the folder /opt/ml/input/data/{name}, outside the channels' folder; rename it")
            continue
        variable = "SM_CHANNEL_" + name.upper()
        if variable in variables:
            yield Breach(path, f"channels {variables[variable]!r} and {name!r} both become {variable}, which would point at only one of them; rename one")
        variables.setdefault(variable, name)


# The shim reads SAGEMAKER_CONTAINER_LOG_LEVEL as Python's int() does, and fails on anything else.
_LOG_LEVEL = re.compile(r"[ \t]*[-+]?[0-9]+[ \t]*", re.ASCII)


def _environment_breaches(environment: Mapping[str, Any], at: RequestPath) -> Iterator[Breach]:
    level = environment.get("SAGEMAKER_CONTAINER_LOG_LEVEL")
    if isinstance(level, str) and not _LOG_LEVEL.fullmatch(level):
        yield Breach((*at, "SAGEMAKER_CONTAINER_LOG_LEVEL"), f"SAGEMAKER_CONTAINER_LOG_LEVEL must be an integer log level (train reads it as one), not {level!r}")
    if PROGRAM_VARIABLE in environment:
        yield Breach((*at, PROGRAM_VARIABLE), f"{PROGRAM_VARIABLE} names the program train runs, which entry_point sets (the Dockerfile's ENV); set entry_point instead")


def _name_at(ranges: dict[str, RequestPath], value_path: RequestPath) -> str:
    return next((name for name, path in ranges.items() if path[:-1] == value_path[:-2]), "")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
