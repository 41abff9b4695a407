"""The tuning request: rendered from the training request, valid for botocore, every mistake
reported at its job.yaml line, and the derived constraints in step with the installed models."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_byoc.aws import service_model
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.compiler.render import TUNING_REQUEST_FILE
from sagemaker_byoc.compiler.tuning_request import plain_decimal, tuning_job_name
from sagemaker_byoc.spec import SpecError
from tests.compiler.jobs import REPO, make_job, run_compiler, with_lines

EXAMPLE = REPO / "examples" / "tuning" / "job.yaml"

METRICS = """\
metrics:
  - {name: "validation:loss", regex: "validation_loss=([0-9.]+)"}
  - {name: "train:loss", regex: "train_loss=([0-9.]+)"}
hyperparameters: {lr: 0.01, epochs: 3, optimizer: sgd, batch: 8}
"""


def tuning_job(tmp_path, tuning: str, extra: str = METRICS):
    return make_job(tmp_path, with_lines(extra.rstrip("\n"), tuning.rstrip("\n")))


def errors(job_path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        compile_job(job_path)
    return [d.format(job_path) for d in caught.value.diagnostics if d.severity == "error"]


def input_shape(operation: str):
    return botocore.session.get_session().get_service_model("sagemaker").operation_model(operation).input_shape


def test_example_request_passes_botocore_validation():
    compiled = compile_job(EXAMPLE)
    body = compiled.rendered.tuning_request.body
    report = ParamValidator().validate(body, input_shape("CreateHyperParameterTuningJob"))
    assert not report.has_errors(), report.generate_report()


def test_definition_mirrors_the_training_request():
    rendered = compile_job(EXAMPLE).rendered
    training, tuning = rendered.request.body, rendered.tuning_request.body
    definition = tuning["TrainingJobDefinition"]
    for member in ("AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig", "StoppingCondition"):
        assert definition[member] == training[member], member
    tuned = {"lr", "epochs", "optimizer"}
    assert definition["StaticHyperParameters"] == {k: v for k, v in training["HyperParameters"].items() if k not in tuned}
    assert definition["StaticHyperParameters"] == {"batch-size": "8"}
    assert tuning["HyperParameterTuningJobName"] == "tuning-example"
    ranges = tuning["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["ContinuousParameterRanges"] == [{"Name": "lr", "MinValue": "0.0001", "MaxValue": "0.5", "ScalingType": "Logarithmic"}]
    assert ranges["IntegerParameterRanges"] == [{"Name": "epochs", "MinValue": "1", "MaxValue": "30", "ScalingType": "Auto"}]
    assert ranges["CategoricalParameterRanges"] == [{"Name": "optimizer", "Values": ['"sgd"', '"momentum"']}]


def test_tags_move_to_the_tuning_job_and_the_definition_has_no_name(tmp_path):
    job = tuning_job(tmp_path, "tuning: {objective: {metric: 'validation:loss', type: Minimize}, max_jobs: 4, ranges: {lr: {min: 0.001, max: 0.1}}}",
                     METRICS + "tags: {team: vision}\n")
    body = compile_job(job).rendered.tuning_request.body
    assert body["Tags"] == [{"Key": "team", "Value": "vision"}]
    assert "TrainingJobName" not in body["TrainingJobDefinition"] and "Tags" not in body["TrainingJobDefinition"]


def test_compile_writes_the_tuning_request_only_with_tuning(tmp_path):
    plain = make_job(tmp_path / "plain")
    assert run_compiler("compile", plain).returncode == 0
    assert not (tmp_path / "plain" / "generated" / TUNING_REQUEST_FILE).exists()
    tuned = tuning_job(tmp_path / "tuned", "tuning: {objective: {metric: 'validation:loss', type: Maximize}, max_jobs: 2, ranges: {epochs: {min: 1, max: 9}}}")
    assert run_compiler("compile", tuned).returncode == 0
    written = json.loads((tmp_path / "tuned" / "generated" / TUNING_REQUEST_FILE).read_text())
    assert written["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] == {"MetricName": "validation:loss", "Type": "Maximize"}


def test_grid_without_max_jobs_leaves_the_count_to_the_service(tmp_path):
    job = tuning_job(tmp_path, "tuning: {objective: {metric: 'validation:loss', type: Minimize}, strategy: Grid, ranges: {optimizer: {values: [sgd, adam]}, batch: {values: [8, 16, 32]}}}")
    limits = compile_job(job).rendered.tuning_request.body["HyperParameterTuningJobConfig"]["ResourceLimits"]
    assert limits == {"MaxParallelTrainingJobs": 1}
    ranges = compile_job(job).rendered.tuning_request.body["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["CategoricalParameterRanges"][1] == {"Name": "batch", "Values": ["8", "16", "32"]}


BAD = [
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:los', type: Minimize}\n  max_jobs: 4\n  ranges: {lr: {min: 0.001, max: 0.1}}",
        ":16:23: error: objective metric 'validation:los' is not one of metrics[].name; did you mean 'validation:loss'?", id="objective-metric",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 4\n  ranges:\n    lr: {min: 0.1, max: 0.1}",
        ":19:25: error: lr: max (0.1) must be greater than min (0.1)", id="min-not-below-max",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 4\n  ranges:\n    lr: {min: 0, max: 0.1, scaling: Logarithmic}",
        ":19:37: error: lr: Logarithmic scaling needs bounds greater than 0 (min is 0)", id="logarithmic-zero",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 4\n  ranges:\n    lr: {min: 0.5, max: 1.0, scaling: ReverseLogarithmic}",
        ":19:39: error: lr: ReverseLogarithmic scaling needs the range within 0 <= x < 1 (here 0.5 to 1.0)", id="reverse-logarithmic-range",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 4\n  ranges:\n    epochs: {min: 0, max: 1, scaling: ReverseLogarithmic}",
        ":19:39: error: epochs: ReverseLogarithmic scaling is for continuous ranges", id="reverse-logarithmic-integer",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 4\n  ranges:\n    sagemaker_program: {values: [a.py, b.py]}",
        ":19:5: error: 'sagemaker_program' is reserved for SageMaker", id="reserved-name",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  strategy: Grid\n  ranges:\n    lr: {min: 0.001, max: 0.1}",
        ":19:9: error: lr: the Grid strategy searches categorical ranges only", id="grid-numeric",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  strategy: Grid\n  max_jobs: 5\n  ranges:\n    optimizer: {values: [sgd, adam]}\n    batch: {values: [8, 16]}",
        ":18:13: error: with the Grid strategy, max_jobs must be omitted or equal the number of combinations (4)", id="grid-max-jobs",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  strategy: Hyperband\n  max_jobs: 5\n  early_stopping: Auto\n  ranges: {lr: {min: 0.001, max: 0.1}}",
        ":19:19: error: the Hyperband strategy stops jobs early by itself: early_stopping must be Off", id="hyperband-early-stopping",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  ranges: {lr: {min: 0.001, max: 0.1}}",
        ":15:1: error: the Bayesian strategy needs max_jobs (only Grid derives it)", id="max-jobs-missing",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 3\n  ranges:\n    optimizer: {values: [sgd, sgd]}",
        ":19:25: error: optimizer: the value \"sgd\" is listed twice", id="categorical-repeated",
    ),
    pytest.param(
        "tuning:\n  objective: {metric: 'validation:loss', type: Minimize}\n  max_jobs: 3\n  ranges:\n    optimizer: {values: [sgd, '" + "x" * 255 + "']}",
        ':19:31: error: in the tuning request: Values[1] "\\"xxxxxxxx', id="categorical-value-too-long",
    ),
]


@pytest.mark.parametrize(("tuning", "expected"), BAD)
def test_mistakes_are_reported_at_their_line(tmp_path, tuning, expected):
    job = tuning_job(tmp_path, tuning)
    found = errors(job)
    assert any(expected in line for line in found), found
    result = run_compiler("compile", job)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "generated").exists()


def test_too_many_tuned_and_static_hyperparameters(tmp_path):
    statics = ", ".join(f"s{i}: {i}" for i in range(70))
    ranges = ", ".join(f"t{i}: {{min: 0, max: 9}}" for i in range(31))
    text = METRICS.replace("hyperparameters: {lr: 0.01, epochs: 3, optimizer: sgd, batch: 8}", f"hyperparameters: {{{statics}}}")
    found = errors(tuning_job(tmp_path, f"tuning:\n  objective: {{metric: 'validation:loss', type: Minimize}}\n  max_jobs: 4\n  ranges: {{{ranges}}}", text))
    assert [line.split("job.yaml", 1)[1] for line in found] == [
        ":18:11: error: 31 tuned hyperparameters; a tuning job takes at most 30 (at /tuning/ranges)",
        ":18:11: error: 70 static and 31 tuned hyperparameters, with the service's _tuning_objective_metric, make 102; "
        "a tuning job takes at most 100 (at /tuning/ranges)",
    ]
    assert any("70 static and 31 tuned hyperparameters, with the service's _tuning_objective_metric, make 102" in line for line in found), found


def test_an_environment_the_tuning_api_cannot_take_is_reported_once(tmp_path):
    env = ", ".join(f"V{i}: x" for i in range(49))
    found = errors(tuning_job(tmp_path, "tuning: {objective: {metric: 'validation:loss', type: Minimize}, max_jobs: 2, ranges: {lr: {min: 0.001, max: 0.1}}}",
                              METRICS + f"environment: {{{env}}}\n"))
    assert [line for line in found if "in the tuning request" in line] == [
        f"{tmp_path / 'job.yaml'}:15:14: error: in the tuning request: Environment has 49 entries; at most 48 allowed (at /environment)"
    ]


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-(10**30), max_value=10**30)))
@settings(max_examples=500)
def test_bounds_are_plain_decimals_of_the_same_value(value):
    text = plain_decimal(value)
    assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text), text
    assert Decimal(text) == Decimal(repr(value)) if isinstance(value, float) else int(text) == value


@given(st.from_regex(r"\A[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\Z"))
def test_tuning_job_name_fits_the_api(name):
    derived = tuning_job_name(name)
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}", derived) and name.startswith(derived)


def test_derived_tuning_constraints_match_the_installed_models():
    path = service_model.CONSTRAINTS_PATHS[service_model.TUNING_OPERATION]
    derived = service_model.render(service_model.derive_installed(service_model.TUNING_OPERATION))
    assert path.read_text(encoding="utf-8") == derived, f"{path.name} is stale: run `make constraints`"


def test_the_rendered_request_writes_bounds_as_plain_decimals(tmp_path):
    """What is sent, not only the helper: 1e-05 and 1e+16 (Python's float text) would reach
    SageMaker as such."""
    job = tuning_job(tmp_path, "tuning: {objective: {metric: 'validation:loss', type: Minimize}, max_jobs: 2, "
                               "ranges: {lr: {min: 0.00001, max: 1.0e+16, scaling: Logarithmic}}}")
    written = run_compiler("compile", job)
    assert written.returncode == 0, written.stderr
    text = (tmp_path / "generated" / TUNING_REQUEST_FILE).read_text()
    [bounds] = json.loads(text)["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"]
    assert (bounds["MinValue"], bounds["MaxValue"]) == ("0.00001", "10000000000000000.0")
    assert "e-05" not in text and "e+16" not in text


@pytest.mark.parametrize(
    ("given", "at"),
    [
        ("resources: {instance_type: ml.m5.large, keep_alive: 10m}", "/resources/keep_alive"),
        ("request: {ResourceConfig: {KeepAlivePeriodInSeconds: 600}}", "/request/ResourceConfig/KeepAlivePeriodInSeconds"),
    ],
)
def test_a_warm_pool_is_for_the_training_job_only(tmp_path, given, at):
    """botocore's model: HyperParameterTuningResourceConfig "supports the capabilities of
    ResourceConfig with the exception of KeepAlivePeriodInSeconds. Hyperparameter tuning jobs use
    warm pools by default, which reuse clusters between training jobs." The SDK drops it from the
    tuning request (v2 and v3 alike, tests/sdk); so does the compiler, with a warning at its line."""
    job = tuning_job(tmp_path, "tuning: {objective: {metric: 'validation:loss', type: Minimize}, max_jobs: 2, ranges: {lr: {min: 0.001, max: 0.1}}}",
                     METRICS + given + "\n")
    compiled = compile_job(job)
    assert compiled.rendered.request.body["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 600
    definition = compiled.rendered.tuning_request.body["TrainingJobDefinition"]
    assert "KeepAlivePeriodInSeconds" not in definition["ResourceConfig"]
    assert definition["ResourceConfig"]["InstanceType"] == compiled.rendered.request.body["ResourceConfig"]["InstanceType"]
    line = next(n for n, text in enumerate(job.read_text().splitlines(), 1) if text.startswith(given.split(":")[0]))
    assert [(d.pointer, d.line, d.message) for d in compiled.warnings] == [(at, line, (
        "the tuning job's training jobs keep no warm pool: the tuning API takes no KeepAlivePeriodInSeconds, and a tuning job "
        "reuses its instances between its training jobs by itself (plain training jobs still keep theirs)"
    ))]
