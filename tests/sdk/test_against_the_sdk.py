"""hyperparameter_encoding against the SageMaker Python SDK itself: for the same hyperparameters,
the request this compiler renders holds what the SDK's class of that name sends.

The SDK runs in virtualenvs of its own (`make sdk`: .sdk-v2 holds sagemaker 2.x, .sdk-v3 holds
v3's ModelTrainer), never in the project's; tests/sdk/capture.py builds its estimators there and
records the CreateTrainingJob and CreateHyperParameterTuningJob requests it hands to botocore,
answering them itself, so nothing leaves the machine. Each case is then compiled from a job.yaml
here and compared:

- HyperParameters, for hand-picked and seeded random values (strings that look like JSON,
  numbers, booleans, lists, mappings, null, Unicode), under each encoding;
- the tuning request: static values, categorical values and ranges, and where the SDK is uneven
  (framework categoricals, v3's tuner) the documented difference, formula for formula;
- the distribution hyperparameters against the PyTorch estimator's distribution=;
- what the SDK adds that the compiler does not (DebugHookConfig, ProfilerConfig in a Debugger
  Region) and what both leave out of a tuning job (KeepAlivePeriodInSeconds).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from tests.compiler.jobs import MINIMAL, make_job, yaml_json
from tests.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
CAPTURE = Path(__file__).with_name("capture.py")
SDK_PYTHON = {"v2": REPO / ".sdk-v2" / "bin" / "python", "v3": REPO / ".sdk-v3" / "bin" / "python"}
# Which SDK sends each encoding: v2's generic Estimator and PyTorch estimator, v3's ModelTrainer.
SDK_OF = {"estimator": "v2", "framework": "v2", "model_trainer": "v3"}
ENCODINGS = tuple(SDK_OF)

# Keys the SDK adds for itself: the framework estimators' own settings (the compiler sets the
# program in the image, SAGEMAKER_PROGRAM), the torch_distributed instance type, and the tuner's
# note of the estimator class for attach().
SDK_OWN = {
    "sagemaker_program", "sagemaker_submit_directory", "sagemaker_container_log_level", "sagemaker_job_name",
    "sagemaker_region", "sagemaker_instance_type", "sagemaker_estimator_class_name", "sagemaker_estimator_module",
}  # fmt: skip

# ---------------------------------------------------------------------------------- the values

HAND = {
    "plain": {"s": "adam", "i": 5, "f": 0.001, "small": 1e-05, "big": 1e16, "neg": -3, "zero": -0.0, "b": True, "off": False, "n": None},
    "json-looking strings": {"t": "true", "q": "42", "fq": "0.5", "e": "1e3", "nul": "null", "nan": "NaN", "l": "[1, 2]",
                             "d": '{"a": 1}', "qq": '"x"', "pad": " 5 ", "lead": "007", "empty": "", "none": "None", "cap": "True"},
    "lists and mappings": {"l": [64, 128], "ls": ["a", "b"], "mixed": [1, "x", None, True, 2.5], "nested": {"a": [1, {"b": None}], "c": "d"},
                           "empty_list": [], "empty_map": {}, "deep": [[[["x"]]]]},
    "unicode and quotes": {"u": "日本語 ✓", "astral": "𝄞", "quote": 'say "hi"', "apos": "it's", "back": "a\\b", "ul": ["é", "𝄞"],
                           "ud": {"ключ": "значение"}},
}  # fmt: skip

_ALPHABET = "abcxyz0123456789 .,:-+_'\"\\[]{}é日✓𝄞"
_TOKENS = ["true", "false", "null", "True", "None", "NaN", "[1, 2]", '{"a": 1}', "007", " 5 ", "", "1e3", "-0", "'q'", "a=b", "#x"]


def _random_value(chooser: random.Random, depth: int = 0) -> Any:
    kind = chooser.choice(["str", "token", "int", "float", "bool", "none"] + (["list", "dict"] if depth < 3 else []))
    if kind == "str":
        return "".join(chooser.choice(_ALPHABET) for _ in range(chooser.randint(0, 8)))
    if kind == "token":
        return chooser.choice(_TOKENS)
    if kind == "int":
        return chooser.choice([0, 1, -1, 7, 10**12, -(10**18), chooser.randint(-(10**6), 10**6)])
    if kind == "float":
        return chooser.choice([0.1, 1e-07, 2.5e16, -0.0, 1.0, chooser.uniform(-1e6, 1e6), chooser.random() * 10 ** chooser.randint(-20, 20)])
    if kind == "bool":
        return chooser.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [_random_value(chooser, depth + 1) for _ in range(chooser.randint(0, 3))]
    return {f"k{i}{chooser.choice('ab日')}": _random_value(chooser, depth + 1) for i in range(chooser.randint(0, 3))}


def _random_sets(count: int, seed: int = 20240601) -> dict[str, dict[str, Any]]:
    chooser = random.Random(seed)
    return {f"random {n}": {f"h{i}": _random_value(chooser) for i in range(chooser.randint(1, 8))} for n in range(count)}


VALUE_SETS = {**HAND, **_random_sets(25)}

TUNING_HYPERPARAMETERS = {
    "opt": "sgd", "batch": 32, "flag": True, "lr": 0.1,  # tuned, with a value for plain training jobs
    "name": "resnet", "seed": 7, "rate": 0.5, "on": True, "tags": ["a", "b"], "cfg": {"k": None}, "n": None,  # static
}  # fmt: skip
TUNING_RANGES = {
    "opt": {"values": ["sgd", "adam", "42", "true"]},
    "batch": {"values": [32, 64]},
    "flag": {"values": [True, False]},
    "mix": {"values": ["x", 2.5, 7]},
    "epochs": {"min": 1, "max": 30},
    "lr": {"min": 0.0001, "max": 0.5},
}
KEEP_ALIVE = 600

DISTRIBUTIONS = {
    # (ours, the PyTorch estimator's distribution=, resources)
    "torchrun": ({"type": "torchrun"}, {"torch_distributed": {"enabled": True}}, {"instance_type": "ml.g5.xlarge", "instance_count": 2}),
    "mpi": ({"type": "mpi", "processes_per_host": 4, "mpi_options": "-x FOO=1 -verbose"},
            {"mpi": {"enabled": True, "processes_per_host": 4, "custom_mpi_options": "-x FOO=1 -verbose"}},
            {"instance_type": "ml.c5.xlarge", "instance_count": 2}),
    "mpi auto": ({"type": "mpi"}, {"mpi": {"enabled": True}}, {"instance_type": "ml.c5.xlarge", "instance_count": 2}),
    "mpi groups": ({"type": "mpi", "processes_per_host": 2, "instance_groups": ["train"]},
                   {"mpi": {"enabled": True, "processes_per_host": 2}, "instance_groups": ["train"]},
                   {"instance_groups": [["train", "ml.c5.xlarge", 2], ["data", "ml.c5.xlarge", 1]]}),
    "torchrun groups": ({"type": "torchrun", "instance_groups": ["train"]},
                        {"torch_distributed": {"enabled": True}, "instance_groups": ["train"]},
                        {"instance_groups": [["train", "ml.g5.xlarge", 2], ["data", "ml.c5.xlarge", 1]]}),
}  # fmt: skip


def _cases() -> list[dict[str, Any]]:
    cases = [{"id": f"{encoding}: {name}", "sdk": encoding, "hyperparameters": values} for name, values in VALUE_SETS.items() for encoding in ENCODINGS]
    cases += [
        {"id": f"{encoding}: tuning", "sdk": encoding, "hyperparameters": TUNING_HYPERPARAMETERS, "keep_alive": KEEP_ALIVE,
         "tuning": {"ranges": TUNING_RANGES}}
        for encoding in ENCODINGS
    ]  # fmt: skip
    for name, (_, sdk, resources) in DISTRIBUTIONS.items():
        case = {"id": f"distribution: {name}", "sdk": "framework", "hyperparameters": {"epochs": 3}, "distribution": sdk}
        if "instance_groups" in resources:
            case["instance_groups"] = resources["instance_groups"]
        else:
            case.update(resources)
        cases.append(case)
    return cases


# ---------------------------------------------------------------------------------- capturing


def _pinned(variable: str) -> dict[str, str]:
    """The Makefile's pins (SDK_V2_PINS, SDK_V3_PINS): package -> version."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    line = re.search(rf"^{variable} := (.*)$", makefile, re.M)
    assert line, variable
    return dict(pin.split("==") for pin in line[1].split())


@pytest.fixture(scope="module")
def sdk(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every case's captured requests, by case id."""
    for python in SDK_PYTHON.values():
        require_tool(python.is_file(), f"the SageMaker SDK is not installed in {python.parent.parent.name}/ (make sdk)")
    work = tmp_path_factory.mktemp("sdk")
    cases = _cases()
    results: dict[str, dict[str, Any]] = {}
    for version, python in SDK_PYTHON.items():
        mine = [case for case in cases if SDK_OF[case["sdk"]] == version]
        given, out = work / f"{version}-cases.json", work / f"{version}-requests.json"
        given.write_text(json.dumps(mine), encoding="utf-8")
        done = subprocess.run([str(python), str(CAPTURE), str(given), str(out)], capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-4000:]
        captured = json.loads(out.read_text(encoding="utf-8"))
        for package, version_pinned in _pinned(f"SDK_{version.upper()}_PINS").items():
            assert captured["versions"].get(package) == version_pinned, (package, captured["versions"])
        results.update(captured["cases"])
    for case_id, result in results.items():
        assert result["error"] is None, f"{case_id}: {result['error']}"
    return results


def _ours(tmp_path: Path, hyperparameters: dict[str, Any], encoding: str, extra: dict[str, Any] | None = None):
    lines = [f"hyperparameters: {yaml_json(hyperparameters)}", f"hyperparameter_encoding: {encoding}"]
    lines += [f"{key}: {yaml_json(value)}" for key, value in (extra or {}).items()]
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", "region: us-west-2") + "".join(line + "\n" for line in lines))
    return compile_job(job).rendered


def _users(hyperparameters: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in hyperparameters.items() if k not in SDK_OWN}


# ---------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", list(VALUE_SETS))
def test_hyperparameters_are_what_the_sdk_sends(sdk, tmp_path, name, encoding):
    captured = sdk[f"{encoding}: {name}"]["training"]
    ours = _ours(tmp_path, VALUE_SETS[name], encoding).request.body
    assert ours.get("HyperParameters", {}) == _users(captured["HyperParameters"])


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_tuning_job_as_the_sdk_sends_it_and_where_the_sdk_is_uneven(sdk, tmp_path, encoding):
    captured = sdk[f"{encoding}: tuning"]
    extra = {
        "resources": {"instance_type": "ml.m5.large", "keep_alive": KEEP_ALIVE},
        "metrics": [{"name": "loss", "regex": "loss: ([0-9.]+)"}],
        "tuning": {"objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": TUNING_RANGES},
    }
    rendered = _ours(tmp_path, TUNING_HYPERPARAMETERS, encoding, extra)
    tuned = set(TUNING_RANGES)
    ours_static = rendered.tuning_request.body["TrainingJobDefinition"]["StaticHyperParameters"]
    sdk_static = _users(captured["tuning"]["TrainingJobDefinition"]["StaticHyperParameters"])
    static = {k: v for k, v in TUNING_HYPERPARAMETERS.items() if k not in tuned}
    # Ours: the training request's values, so a trial gets what a training job would.
    assert ours_static == {k: encode(v, encoding) for k, v in static.items()}
    assert ours_static == {k: v for k, v in rendered.request.body["HyperParameters"].items() if k not in tuned}
    if encoding == "model_trainer":
        # v3's tuner writes ModelTrainer's static values with str(), unlike its training jobs.
        assert sdk_static == {k: str(v) for k, v in static.items()}
        same = [k for k, v in static.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
        assert same and {k: sdk_static[k] for k in same} == {k: ours_static[k] for k in same}
        assert all(sdk_static[k] != ours_static[k] for k in static if k not in same)
    else:
        assert ours_static == sdk_static

    def categorical(body: dict) -> dict[str, list[str]]:
        listed = body["HyperParameterTuningJobConfig"]["ParameterRanges"].get("CategoricalParameterRanges", [])
        return {r["Name"]: r["Values"] for r in listed}

    ours, theirs = categorical(rendered.tuning_request.body), categorical(captured["tuning"])
    values = {name: r["values"] for name, r in TUNING_RANGES.items() if "values" in r}
    assert ours == {name: [encode(v, encoding) for v in listed] for name, listed in values.items()}
    # The SDK's own formulas: v2's CategoricalParameter keeps str(value), which the framework
    # estimators then json.dumps; v3's tuner sends str(value).
    sdk_formula = (lambda v: json.dumps(str(v))) if encoding == "framework" else str
    assert theirs == {name: [sdk_formula(v) for v in listed] for name, listed in values.items()}
    for name, listed in values.items():
        for index, value in enumerate(listed):
            if isinstance(value, str) or encoding == "estimator":
                assert ours[name][index] == theirs[name][index], (name, value)

    def numeric(body: dict) -> dict[str, tuple[float, float, str]]:
        found = {}
        for member in ("IntegerParameterRanges", "ContinuousParameterRanges"):
            for r in body["HyperParameterTuningJobConfig"]["ParameterRanges"].get(member, []):
                found[r["Name"]] = (member, float(r["MinValue"]), float(r["MaxValue"]), r.get("ScalingType", "Auto"))
        return found

    assert numeric(rendered.tuning_request.body) == numeric(captured["tuning"])


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_warm_pool_is_kept_by_the_training_job_and_dropped_from_the_tuning_job_by_both(sdk, tmp_path, encoding):
    captured = sdk[f"{encoding}: tuning"]
    assert captured["training"]["ResourceConfig"]["KeepAlivePeriodInSeconds"] == KEEP_ALIVE
    assert "KeepAlivePeriodInSeconds" not in json.dumps(captured["tuning"]["TrainingJobDefinition"])
    extra = {
        "resources": {"instance_type": "ml.m5.large", "keep_alive": KEEP_ALIVE},
        "metrics": [{"name": "loss", "regex": "loss: ([0-9.]+)"}],
        "tuning": {"objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": TUNING_RANGES},
    }
    rendered = _ours(tmp_path, TUNING_HYPERPARAMETERS, encoding, extra)
    assert rendered.request.body["ResourceConfig"]["KeepAlivePeriodInSeconds"] == KEEP_ALIVE
    assert "KeepAlivePeriodInSeconds" not in json.dumps(rendered.tuning_request.body["TrainingJobDefinition"])


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_the_distribution_is_what_the_pytorch_estimator_sends(sdk, tmp_path, name, encoding):
    ours_distribution, _, resources = DISTRIBUTIONS[name]
    extra: dict[str, Any] = {"distribution": ours_distribution}
    if "instance_groups" in resources:
        extra["resources"] = {"instance_groups": [{"name": n, "instance_type": t, "instance_count": c} for n, t, c in resources["instance_groups"]]}
    else:
        extra["resources"] = resources
    ours = _ours(tmp_path, {"epochs": 3}, encoding, extra).request.body["HyperParameters"]
    theirs = _users(sdk[f"distribution: {name}"]["training"]["HyperParameters"])
    if "mpi_options" not in ours_distribution and ours_distribution["type"] == "mpi":
        # The SDK writes an empty string for no options; train reads both as none.
        assert theirs.pop("sagemaker_mpi_custom_mpi_options") == '""'
    distribution = {k: v for k, v in ours.items() if k.startswith("sagemaker_")}
    if name == "torchrun groups":
        # The PyTorch estimator's torch_distributed path never writes distribution=
        # {"instance_groups": ...} (its mpi path does): the compiler names the groups, so that
        # train runs torchrun on them alone, as docs/distributed.md says.
        assert distribution.pop("sagemaker_distribution_instance_groups") == '["train"]'
        assert "sagemaker_distribution_instance_groups" not in theirs
    assert distribution == {k: v for k, v in theirs.items() if k.startswith("sagemaker_")}


def test_the_v2_estimators_add_debugger_and_profiler_configs_the_compiler_does_not(sdk, tmp_path):
    """In a Debugger Region (us-west-2 here) every v2 estimator's job gets DebugHookConfig and
    ProfilerConfig unasked (the README's migration notes say so); v3's ModelTrainer adds neither,
    and neither does the compiler unless job.yaml's debugger: and profiler: say so."""
    for encoding in ("estimator", "framework"):
        captured = sdk[f"{encoding}: plain"]["training"]
        assert captured["DebugHookConfig"] == {"S3OutputPath": "s3://example-bucket/output/", "CollectionConfigurations": []}
        assert captured["ProfilerConfig"] == {"S3OutputPath": "s3://example-bucket/output/", "DisableProfiler": False}
    captured = sdk["model_trainer: plain"]["training"]
    assert "DebugHookConfig" not in captured and "ProfilerConfig" not in captured
    ours = _ours(tmp_path, HAND["plain"], "framework").request.body
    assert "DebugHookConfig" not in ours and "ProfilerConfig" not in ours


def test_the_cases_cover_every_kind_of_value():
    kinds: set[str] = set()

    def visit(value: Any, top: bool) -> None:
        kinds.add(type(value).__name__ + (" at the top" if top else ""))
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            visit(child, False)

    for values in VALUE_SETS.values():
        for value in values.values():
            visit(value, True)
    assert {f"{kind} at the top" for kind in ("str", "int", "float", "bool", "NoneType", "list", "dict")} <= kinds
    assert {"str", "int", "float", "bool", "NoneType", "list", "dict"} <= kinds
