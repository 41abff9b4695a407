"""hyperparameter_encoding: the SageMaker Python SDK's three ways of writing a hyperparameter
value into the request, by the SDK's names. The expected strings here are what the SDK sent in
captured requests (tests/sdk checks them against the SDK itself); train decodes each with
json.loads, else keeps the text."""

from __future__ import annotations

import json

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError
from sagemaker_byoc.spec.hyperparameter_encoding import ENCODINGS, encode
from sagemaker_byoc.spec.overrides import parse_overrides
from tests.compiler.jobs import make_job, run_compiler, with_lines

HYPERPARAMETERS = """\
hyperparameters:
  s: adam
  i: 5
  f: 0.001
  small: 1.0e-5
  b: true
  l: [64, 128]
  ls: [a, b]
  d: {a: 1, b: x}
  n: null
  num: "42"
"""

# What the SDK sent for these values (sagemaker 2.257.7's Estimator and PyTorch, sagemaker-train
# 1.27.0's ModelTrainer).
SENT = {
    "framework": {
        "s": '"adam"', "i": "5", "f": "0.001", "small": "1e-05", "b": "true", "l": "[64, 128]", "ls": '["a", "b"]',
        "d": '{"a": 1, "b": "x"}', "n": "null", "num": '"42"',
    },
    "estimator": {
        "s": "adam", "i": "5", "f": "0.001", "small": "1e-05", "b": "True", "l": "[64, 128]", "ls": "['a', 'b']",
        "d": "{'a': 1, 'b': 'x'}", "n": "None", "num": "42",
    },
    "model_trainer": {
        "s": "adam", "i": "5", "f": "0.001", "small": "1e-05", "b": "true", "l": "[64, 128]", "ls": '["a", "b"]',
        "d": '{"a": 1, "b": "x"}', "n": "null", "num": "42",
    },
}  # fmt: skip


def encoded_job(tmp_path, encoding: str | None, *extra: str):
    lines = [HYPERPARAMETERS.rstrip("\n")]
    if encoding is not None:
        lines.append(f"hyperparameter_encoding: {encoding}")
    return make_job(tmp_path, with_lines(*lines, *extra))


def test_the_encodings_are_the_sdks_three():
    assert set(ENCODINGS) == {"framework", "estimator", "model_trainer"}


@pytest.mark.parametrize("encoding", ["framework", "estimator", "model_trainer"])
def test_each_encoding_writes_what_the_sdk_of_its_name_sends(tmp_path, encoding):
    body = compile_job(encoded_job(tmp_path, encoding)).rendered.request.body
    assert body["HyperParameters"] == SENT[encoding]


def test_without_the_key_values_are_json_encoded_as_before(tmp_path):
    body = compile_job(encoded_job(tmp_path, None)).rendered.request.body
    assert body["HyperParameters"] == SENT["framework"]


def test_an_unknown_encoding_is_refused_at_its_line(tmp_path):
    job = encoded_job(tmp_path, "json")
    with pytest.raises(SpecError) as refused:
        compile_job(job)
    line = job.read_text().splitlines().index("hyperparameter_encoding: json") + 1
    shown = str(refused.value)
    assert f"job.yaml:{line}:" in shown and "hyperparameter_encoding" in shown and "model_trainer" in shown, shown


@pytest.mark.parametrize("encoding", ["estimator", "model_trainer"])
def test_the_distribution_is_json_whatever_the_encoding(tmp_path, encoding):
    """Only the SDK's framework estimators take a distribution, and they write it JSON-encoded."""
    job = encoded_job(tmp_path, encoding, "distribution: {type: mpi, processes_per_host: 2, mpi_options: -x FOO=1}")
    body = compile_job(job).rendered.request.body
    assert {k: v for k, v in body["HyperParameters"].items() if k.startswith("sagemaker_")} == {
        "sagemaker_mpi_enabled": "true",
        "sagemaker_mpi_num_of_processes_per_host": "2",
        "sagemaker_mpi_custom_mpi_options": '"-x FOO=1"',
    }


@pytest.mark.parametrize("encoding", ["framework", "estimator", "model_trainer"])
def test_an_override_is_encoded_as_the_job_says(tmp_path, encoding):
    job = encoded_job(tmp_path, encoding)
    overrides = parse_overrides(["b=false", "s=sgd", "l=[1, 2]"], new=["extra=null"])
    body = compile_job(job, overrides=overrides).rendered.request.body
    for name, value in {"b": False, "s": "sgd", "l": [1, 2], "extra": None}.items():
        assert body["HyperParameters"][name] == encode(value, encoding), name


TUNING = """\
metrics: [{name: loss, regex: "loss: ([0-9.]+)"}]
tuning:
  objective: {metric: loss, type: Minimize}
  max_jobs: 2
  ranges:
    s: {values: [sgd, 32, true]}
    i: {min: 1, max: 3}
"""


@pytest.mark.parametrize("encoding", ["framework", "estimator", "model_trainer"])
def test_a_trial_gets_its_static_and_categorical_values_as_the_training_job_would(tmp_path, encoding):
    job = encoded_job(tmp_path, encoding, TUNING.rstrip("\n"))
    rendered = compile_job(job).rendered
    definition = rendered.tuning_request.body["TrainingJobDefinition"]
    expected_static = {k: v for k, v in SENT[encoding].items() if k not in ("s", "i")}
    assert definition["StaticHyperParameters"] == expected_static
    ranges = rendered.tuning_request.body["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["CategoricalParameterRanges"] == [{"Name": "s", "Values": [encode(v, encoding) for v in ("sgd", 32, True)]}]
    assert ranges["IntegerParameterRanges"] == [{"Name": "i", "MinValue": "1", "MaxValue": "3", "ScalingType": "Auto"}]


def test_a_categorical_value_listed_twice_once_encoded_is_refused(tmp_path):
    """Under estimator, 1 and "1" are both sent as 1: the tuning job would list it twice."""
    job = make_job(tmp_path, with_lines(
        "hyperparameters: {x: 1}", "hyperparameter_encoding: estimator", 'metrics: [{name: loss, regex: "loss: ([0-9.]+)"}]',
        "tuning: {objective: {metric: loss, type: Minimize}, max_jobs: 2, ranges: {x: {values: [1, '1']}}}",
    ))  # fmt: skip
    with pytest.raises(SpecError) as refused:
        compile_job(job)
    assert "x: the value 1 is listed twice" in str(refused.value)


def test_the_length_limit_counts_the_value_as_encoded(tmp_path):
    text = "x" * 2499  # 2501 characters with JSON's quotes, 2499 as it is
    framework = make_job(tmp_path / "f", with_lines(f"hyperparameters: {{t: {text}}}"))
    with pytest.raises(SpecError) as refused:
        compile_job(framework)
    assert "2501 characters once JSON-encoded" in str(refused.value)
    plain = make_job(tmp_path / "m", with_lines(f"hyperparameters: {{t: {text}}}", "hyperparameter_encoding: model_trainer"))
    assert compile_job(plain).rendered.request.body["HyperParameters"]["t"] == text
    longer = make_job(tmp_path / "e", with_lines(f"hyperparameters: {{t: [{text}]}}", "hyperparameter_encoding: estimator"))
    with pytest.raises(SpecError) as refused:
        compile_job(longer)
    assert "'t' is 2503 characters as hyperparameter_encoding: estimator sends it; SageMaker allows 2500" in str(refused.value)


def warnings_of(job) -> list[str]:
    result = run_compiler("validate", job)
    assert result.returncode == 0, result.stderr
    return [line.split(": warning: ", 1)[1] for line in result.stderr.splitlines() if ": warning: " in line]


@pytest.mark.parametrize("encoding", ["estimator", "model_trainer"])
def test_a_string_that_train_decodes_into_another_argument_is_a_warning(tmp_path, encoding):
    """Sent as it is, "true" is decoded by train (and the toolkit) into a boolean: the script's
    argument is True. A quoted number whose argument is its text is no surprise, so no warning."""
    job = make_job(tmp_path, with_lines("hyperparameters: {q: 'true', n: 'null', e: '1e3', lr: '0.01', s: adam}", f"hyperparameter_encoding: {encoding}"))
    assert warnings_of(job) == [
        f'"true" is sent as it is (hyperparameter_encoding: {encoding}), and train decodes it as JSON: the script gets the '
        "boolean true, its argument True, not the text; hyperparameter_encoding: framework sends it as a string (at /hyperparameters/q)",
        f'"null" is sent as it is (hyperparameter_encoding: {encoding}), and train decodes it as JSON: the script gets '
        "null, its argument an empty string, not the text; hyperparameter_encoding: framework sends it as a string (at /hyperparameters/n)",
        f'"1e3" is sent as it is (hyperparameter_encoding: {encoding}), and train decodes it as JSON: the script gets the '
        "number 1000.0, its argument 1000.0, not the text; hyperparameter_encoding: framework sends it as a string (at /hyperparameters/e)",
    ]


@pytest.mark.parametrize("encoding", ["framework", "estimator", "model_trainer"])
def test_explain_names_the_encoding_on_each_hyperparameter(tmp_path, encoding):
    job = encoded_job(tmp_path, encoding)
    shown = run_compiler("explain", job)
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.startswith("HyperParameters.")]
    assert len(lines) == len(SENT[encoding])
    for line in lines:
        assert line.endswith(f"; {ENCODINGS[encoding]} (hyperparameter_encoding: {encoding})"), line
    plain = make_job(tmp_path / "plain", with_lines("hyperparameters: {s: adam}"))
    (line,) = [line for line in run_compiler("explain", plain).stdout.splitlines() if line.startswith("HyperParameters.")]
    assert line.endswith(f"; {ENCODINGS['framework']} (hyperparameter_encoding: framework, the default)"), line


def test_the_escape_hatch_values_are_sent_as_written(tmp_path):
    """request: HyperParameters are the API's strings already: no encoding touches them."""
    job = make_job(tmp_path, with_lines("hyperparameter_encoding: estimator", 'request: {HyperParameters: {raw: "\\"x\\""}}'))
    assert compile_job(job).rendered.request.body["HyperParameters"] == {"raw": '"x"'}


def test_encode_is_the_sdks_own_formula():
    for value in ("adam", "", "42", 5, -0.0, 1e16, True, None, [1, "a", None], {"k": [True, 1.5]}):
        assert encode(value, "framework") == json.dumps(value)
        assert encode(value, "estimator") == str(value)
        assert encode(value, "model_trainer") == (value if isinstance(value, str) else json.dumps(value))
