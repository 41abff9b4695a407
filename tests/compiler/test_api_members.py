"""tensorboard, experiment, debugger, profiler, FSx for Lustre and EFS channels, and the
request/request_override escape hatch: what each renders, what each refuses and where, and that
the rendered request passes botocore's validator and the aws CLI's (older, stricter) one."""

from __future__ import annotations

import json

import botocore.session
import botocore.validate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.aws.request_rules import load_constraints
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError
from tests.compiler.jobs import make_job, run_compiler, with_lines, yaml_json
from tests.test_cli_model_parity import run_cli

RULES_IMAGE = "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
VPC = "network: {subnets: [subnet-0abc], security_groups: [sg-0abc]}"

EVERYTHING = with_lines(
    "inputs:",
    "  train: {fsx: {id: fs-0123456789abcdef0, path: /abcdefgh/train}, local: data}",
    "  shared: {efs: {id: fs-01234567, path: /datasets, access: rw}}",
    "  val: s3://bucket/val/",
    VPC,
    "tensorboard: {s3: 's3://bucket/tb/'}",
    "experiment: {name: mnist, trial: baseline, run: lr-0001, display_name: first-try}",
    "debugger:",
    "  s3: s3://bucket/debug/",
    "  local_path: /opt/ml/output/tensors",
    "  hook_parameters: {save_interval: 100, include_regex: 'relu.*'}",
    "  collections: {losses: {save_interval: 50}, weights: null}",
    "  rules:",
    f"    LossNotDecreasing: {{image: {RULES_IMAGE}, parameters: {{rule_to_invoke: LossNotDecreasing, tolerance: 0.5}}}}",
    f"    Custom: {{image: {RULES_IMAGE}, instance_type: ml.t3.medium, volume_gb: 30, s3: 's3://bucket/rules/', local_path: /opt/ml/processing/output/rule}}",
    "profiler:",
    "  s3: s3://bucket/profile/",
    "  interval_ms: 500",
    "  parameters: {DataloaderProfilingConfig: '{\"StartStep\": 5}'}",
    "  rules:",
    f"    ProfilerReport: {{image: {RULES_IMAGE}, parameters: {{rule_to_invoke: ProfilerReport}}}}",
    "request:",
    "  InfraCheckConfig: {EnableInfraCheck: true}",
    "  AlgorithmSpecification: {EnableSageMakerMetricsTimeSeries: true}",
    "request_override:",
    "  ResourceConfig: {VolumeSizeInGB: 50}",
)


def request_of(tmp_path, text):
    return compile_job(make_job(tmp_path, text)).rendered.request.body


def errors_of(tmp_path, text) -> list[tuple[str, str, int, int]]:
    """(pointer, message, line, column) of every error compiling text gives."""
    with pytest.raises(SpecError) as raised:
        compile_job(make_job(tmp_path, text))
    return [(d.pointer, d.message, d.line, d.col) for d in raised.value.errors]


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.fixture(scope="module")
def input_shape():
    return botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTrainingJob").input_shape


def test_every_new_member_is_rendered(tmp_path):
    request = request_of(tmp_path, EVERYTHING)
    assert request["InputDataConfig"][:2] == [
        {"ChannelName": "train", "DataSource": {"FileSystemDataSource": {
            "FileSystemId": "fs-0123456789abcdef0", "FileSystemType": "FSxLustre", "FileSystemAccessMode": "ro", "DirectoryPath": "/abcdefgh/train"}}},
        {"ChannelName": "shared", "DataSource": {"FileSystemDataSource": {
            "FileSystemId": "fs-01234567", "FileSystemType": "EFS", "FileSystemAccessMode": "rw", "DirectoryPath": "/datasets"}}},
    ]
    assert request["TensorBoardOutputConfig"] == {"S3OutputPath": "s3://bucket/tb/", "LocalPath": "/opt/ml/output/tensorboard"}
    assert request["ExperimentConfig"] == {
        "ExperimentName": "mnist", "TrialName": "baseline", "RunName": "lr-0001", "TrialComponentDisplayName": "first-try",
    }
    assert request["DebugHookConfig"] == {
        "S3OutputPath": "s3://bucket/debug/",
        "LocalPath": "/opt/ml/output/tensors",
        "HookParameters": {"save_interval": "100", "include_regex": "relu.*"},
        "CollectionConfigurations": [
            {"CollectionName": "losses", "CollectionParameters": {"save_interval": "50"}},
            {"CollectionName": "weights"},
        ],
    }
    assert request["DebugRuleConfigurations"] == [
        {"RuleConfigurationName": "LossNotDecreasing", "RuleEvaluatorImage": RULES_IMAGE,
         "RuleParameters": {"rule_to_invoke": "LossNotDecreasing", "tolerance": "0.5"}},
        {"RuleConfigurationName": "Custom", "RuleEvaluatorImage": RULES_IMAGE, "InstanceType": "ml.t3.medium", "VolumeSizeInGB": 30,
         "S3OutputPath": "s3://bucket/rules/", "LocalPath": "/opt/ml/processing/output/rule"},
    ]
    assert request["ProfilerConfig"] == {
        "S3OutputPath": "s3://bucket/profile/",
        "ProfilingIntervalInMilliseconds": 500,
        "ProfilingParameters": {"DataloaderProfilingConfig": '{"StartStep": 5}'},
    }
    assert request["ProfilerRuleConfigurations"] == [
        {"RuleConfigurationName": "ProfilerReport", "RuleEvaluatorImage": RULES_IMAGE, "RuleParameters": {"rule_to_invoke": "ProfilerReport"}},
    ]
    assert request["InfraCheckConfig"] == {"EnableInfraCheck": True}
    assert request["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] is True
    assert request["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    assert request["ResourceConfig"]["VolumeSizeInGB"] == 50


def test_the_smallest_forms(tmp_path):
    request = request_of(tmp_path, with_lines(
        "experiment: {name: mnist}", "debugger: {s3: 's3://bucket/debug/'}", "profiler: {disable: true}", "tensorboard: {s3: 's3://bkt/tb', local_path: /tb}",
    ))
    assert request["ExperimentConfig"] == {"ExperimentName": "mnist"}
    assert request["DebugHookConfig"] == {"S3OutputPath": "s3://bucket/debug/"}
    assert "DebugRuleConfigurations" not in request and "ProfilerRuleConfigurations" not in request
    assert request["ProfilerConfig"] == {"DisableProfiler": True}
    assert request["TensorBoardOutputConfig"] == {"S3OutputPath": "s3://bkt/tb", "LocalPath": "/tb"}


def test_nothing_new_is_rendered_unless_asked(tmp_path):
    request = request_of(tmp_path, with_lines("profiler: {}"))
    assert "ProfilerConfig" not in request
    for member in ("TensorBoardOutputConfig", "ExperimentConfig", "DebugHookConfig", "InfraCheckConfig"):
        assert member not in request


def test_the_request_passes_botocore_and_the_aws_cli(tmp_path, input_shape):
    request = request_of(tmp_path, EVERYTHING)
    botocore.validate.validate_parameters(request, input_shape)
    result = run_cli(request, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "lines, pointer, fragment",
    [
        (["inputs: {d: {fsx: {id: fs-12, path: /fsx}}}", VPC], "/inputs/d/fsx/id", "a file system ID"),
        (["inputs: {d: {efs: {id: fs-01234567, path: data}}}", VPC], "/inputs/d/efs/path", "an absolute path"),
        (["inputs: {d: {efs: {id: fs-01234567, path: /d, access: rx}}}", VPC], "/inputs/d/efs/access", "is not one of ro, rw"),
        (["inputs: {d: {efs: {path: /d}}}", VPC], "/inputs/d/efs", "missing required key 'id'"),
        (["experiment: {name: my_experiment}"], "/experiment/name", "letters, digits and hyphens"),
        (["experiment: {trial: t}"], "/experiment", "missing required key 'name'"),
        (["experiment: {name: e, run: " + "r" * 121 + "}"], "/experiment/run", "1 to 120 characters"),
        (["tensorboard: {local_path: /tb}"], "/tensorboard", "missing required key 's3'"),
        (["tensorboard: {s3: 's3://bucket/tb/', local_path: tb}"], "/tensorboard/local_path", "an absolute path"),
        (["debugger: {collections: {losses: {}}}"], "/debugger", "missing required key 's3'"),
        (["debugger: {s3: 's3://bucket/d/', hook_parameters: {save_interval: true}}"], "/debugger/hook_parameters/save_interval", "expected a string or a number"),
        (["debugger: {s3: 's3://bucket/d/', rules: {R: {parameters: {}}}}"], "/debugger/rules/R", "missing required key 'image'"),
        (["profiler: {interval_ms: 300}"], "/profiler/interval_ms", "300 is not one of 100, 200, 500, 1000, 5000, 60000"),
        (["profiler: {rules: {R: {image: x, volume_gb: 0}}}"], "/profiler/rules/R/volume_gb", "at least 1"),
        (["request: {infraCheckConfig: {EnableInfraCheck: true}}"], "/request/infraCheckConfig", "a CreateTrainingJob member"),
        (["request: [InfraCheckConfig]"], "/request", "expected a mapping"),
    ],
)
def test_the_schema_refuses_at_the_line(tmp_path, lines, pointer, fragment):
    text = with_lines(*lines)
    errors = errors_of(tmp_path, text)
    assert any(p == pointer and fragment in m for p, m, _, _ in errors), errors
    assert all(line == line_of(text, lines[0].split(":")[0]) for p, _, line, _ in errors if p == pointer)


def test_debugger_values_longer_than_the_api_allows_are_refused_at_their_line(tmp_path):
    text = with_lines("debugger: {s3: 's3://bucket/d/', hook_parameters: {k: " + "v" * 257 + "}}")
    assert [(p, line) for p, _, line, _ in errors_of(tmp_path, text)] == [("/debugger/hook_parameters/k", 11)]


def test_more_than_twenty_collections_are_refused(tmp_path):
    collections = ", ".join(f"c{i}: null" for i in range(21))
    errors = errors_of(tmp_path, with_lines("debugger: {s3: 's3://bucket/d/', collections: {" + collections + "}}"))
    assert [(p, m) for p, m, _, _ in errors] == [("/debugger/collections", "collections: 21 entries; at most 20 allowed")]


def test_a_file_system_needs_a_vpc_at_the_channel(tmp_path):
    text = with_lines("inputs:", "  data: {efs: {id: fs-01234567, path: /d}}")
    message = (
        "a file system (efs) is reached inside its VPC: set network.subnets and network.security_groups "
        "to subnets and security groups that can reach it"
    )
    assert errors_of(tmp_path, text) == [("/inputs/data/efs", message, 12, 15)]
    request_of(tmp_path, text + VPC + "\n")
    half = [p for p, _, _, _ in errors_of(tmp_path, text + "network: {subnets: [subnet-0abc]}\n")]
    assert half == ["/inputs/data/efs", "/network"]


def test_a_file_system_channel_keeps_to_file_mode_and_no_s3_settings(tmp_path):
    text = with_lines(
        "inputs:",
        "  data: {fsx: {id: fs-0123456789abcdef0, path: /mnt/d}, mode: FastFile, data_type: ManifestFile,",
        "         distribution: ShardedByS3Key, instance_groups: [g]}",
        VPC,
    )
    errors = [(p, m) for p, m, _, _ in errors_of(tmp_path, text)]
    assert ("/inputs/data/mode", "a file system (fsx) is mounted, so its channel is read in File mode; FastFile streams from S3 only") in errors
    for key in ("data_type", "distribution", "instance_groups"):
        assert (f"/inputs/data/{key}", f"{key} applies to S3 data only, not to a file system (fsx)") in errors
    request_of(tmp_path, with_lines("inputs:", "  data: {fsx: {id: fs-0123456789abcdef0, path: /mnt/d}, mode: File}", VPC))


def test_a_channel_has_exactly_one_source(tmp_path):
    both = with_lines("inputs:", "  data: {s3: 's3://bucket/d/', efs: {id: fs-01234567, path: /d}}", VPC)
    assert [(p, m, line) for p, m, line, _ in errors_of(tmp_path, both)] == [
        ("/inputs/data/efs", "channel 'data' sets s3 and efs; set exactly one", 12),
    ]
    neither = with_lines("inputs:", "  data: {content_type: text/csv}")
    assert [(p, m) for p, m, _, _ in errors_of(tmp_path, neither)] == [("/inputs/data", "channel 'data' needs one of s3, fsx or efs")]


# The escape hatch


def test_request_adds_members_and_merges_into_rendered_ones(tmp_path):
    request = request_of(tmp_path, with_lines(
        "request:",
        "  RemoteDebugConfig: {EnableRemoteDebug: true}",
        "  ResourceConfig: {InstancePlacementConfig: {EnableMultipleJobs: true}}",
    ))
    assert request["RemoteDebugConfig"] == {"EnableRemoteDebug": True}
    assert request["ResourceConfig"] == {
        "InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30, "InstancePlacementConfig": {"EnableMultipleJobs": True},
    }


def test_an_unknown_member_gets_a_did_you_mean_at_its_line(tmp_path):
    text = with_lines("request:", "  InfraCheckConfig: {EnableInfraChek: true}", "  TensorBoardOutputConfg: {S3OutputPath: 's3://bkt/x'}")
    errors = [(p, m, line) for p, m, line, _ in errors_of(tmp_path, text)]
    assert errors == [
        ("/request/InfraCheckConfig/EnableInfraChek", "EnableInfraChek is not a member of InfraCheckConfig (did you mean EnableInfraCheck?)", 12),
        ("/request/TensorBoardOutputConfg", "TensorBoardOutputConfg is not a member of the request (did you mean TensorBoardOutputConfig?)", 13),
    ]


def test_hatch_values_meet_the_service_model_at_their_lines(tmp_path):
    text = with_lines(
        "request:",
        "  RetryStrategy: {MaximumRetryAttempts: 31}",
        "  InfraCheckConfig: {EnableInfraCheck: 'yes'}",
        "  MlflowConfig: {MlflowResourceArn: 'arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/x', MlflowRunName: ''}",
    )
    errors = [(p, m, line) for p, m, line, _ in errors_of(tmp_path, text)]
    assert errors == [
        ("/request/RetryStrategy/MaximumRetryAttempts", "MaximumRetryAttempts 31 is above the maximum 30", 12),
        ("/request/InfraCheckConfig/EnableInfraCheck", "EnableInfraCheck must be a boolean (true or false), not a string (\"yes\")", 13),
        ("/request/MlflowConfig/MlflowRunName", 'MlflowRunName "" is 0 characters long; at least 1 required', 14),
    ]


def test_a_required_member_missing_inside_the_hatch_is_reported_there(tmp_path):
    errors = errors_of(tmp_path, with_lines("request:", "  RetryStrategy: {}"))
    assert [(p, m) for p, m, _, _ in errors] == [("/request/RetryStrategy", "RetryStrategy lacks the required member MaximumRetryAttempts")]


def test_request_never_changes_what_job_yaml_renders(tmp_path):
    text = with_lines(
        "request:",
        "  TrainingJobName: other",
        "  ResourceConfig: {VolumeSizeInGB: 100}",
        "  AlgorithmSpecification: {TrainingInputMode: FastFile}",
    )
    errors = [(p, m, line, col) for p, m, line, col in errors_of(tmp_path, text)]
    why = "(two places that set one field would leave it unclear which one counts)"
    assert errors == [
        ("/request/TrainingJobName", NAME_FROM_NAME, 12, 3),
        ("/request/ResourceConfig/VolumeSizeInGB",
         f"ResourceConfig.VolumeSizeInGB is rendered from resources.volume_gb; set it there, or replace it under request_override {why}", 13, 20),
        ("/request/AlgorithmSpecification/TrainingInputMode",
         "AlgorithmSpecification.TrainingInputMode is set by the compiler, from no job.yaml key; replace it under request_override", 14, 28),
    ]


NAME_FROM_NAME = (
    "TrainingJobName is rendered from name, which submit makes unique with -<UTC timestamp> for every job it starts "
    "(the tuning job's name too); set name instead"
)


@pytest.mark.parametrize("hatch", ["request", "request_override"])
def test_the_job_name_comes_from_name_alone(tmp_path, hatch):
    """submit replaces TrainingJobName with name-<UTC timestamp>: an override of it would compile,
    show in the request, and then be dropped without a word."""
    assert errors_of(tmp_path, with_lines(f"{hatch}:", "  TrainingJobName: other")) == [
        (f"/{hatch}/TrainingJobName", NAME_FROM_NAME, 12, 3)
    ]


def test_the_job_name_override_is_refused_once_with_tuning_and_on_the_command_line(tmp_path):
    job = make_job(tmp_path, with_lines(
        "metrics: [{name: loss, regex: 'loss=([0-9.]+)'}]",
        "tuning: {objective: {metric: loss, type: Minimize}, ranges: {lr: {min: 0.001, max: 0.1}}, max_jobs: 2}",
        "request_override:",
        "  TrainingJobName: demo-2",
    ))
    result = run_compiler("compile", job)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"{job}:14:3: error: {NAME_FROM_NAME} (at /request_override/TrainingJobName)\n"
    assert not (tmp_path / "generated").exists()


def test_request_override_replaces_what_job_yaml_renders(tmp_path):
    request = request_of(tmp_path, with_lines(
        "inputs: {train: 's3://bucket/train/'}",
        "request_override:",
        "  AlgorithmSpecification: {TrainingInputMode: FastFile}",
        "  ResourceConfig: {VolumeSizeInGB: 100}",
    ))
    assert request["AlgorithmSpecification"]["TrainingInputMode"] == "FastFile"
    assert request["ResourceConfig"]["VolumeSizeInGB"] == 100


def test_request_override_of_something_not_rendered_is_refused(tmp_path):
    errors = errors_of(tmp_path, with_lines("request_override:", "  InfraCheckConfig: {EnableInfraCheck: true}"))
    assert [(p, m, line) for p, m, line, _ in errors] == [(
        "/request_override/InfraCheckConfig",
        "InfraCheckConfig is not rendered from job.yaml, so there is nothing to override; add it under request",
        12,
    )]


def test_a_replaced_list_reports_its_problems_at_the_override(tmp_path):
    """The replaced channels' origins are gone: a violation inside the new list is reported at
    request_override's line, not at the channel it replaced."""
    text = with_lines(
        "inputs: {train: 's3://bucket/train/'}",
        "request_override:",
        "  InputDataConfig:",
        "    - {ChannelName: train, DataSource: {S3DataSource: {S3DataType: S3Prefx, S3Uri: 's3://bucket/train/'}}}",
    )
    errors = [(p, line) for p, _, line, _ in errors_of(tmp_path, text)]
    assert errors == [("/request_override/InputDataConfig/0/DataSource/S3DataSource/S3DataType", 14)]


def test_an_addition_cannot_collide_with_an_override(tmp_path):
    text = with_lines("request_override:", "  ResourceConfig: {VolumeSizeInGB: 50}", "request:", "  ResourceConfig: {VolumeSizeInGB: 60}")
    assert [(p, m.split(";")[0]) for p, m, _, _ in errors_of(tmp_path, text)] == [
        ("/request/ResourceConfig/VolumeSizeInGB", "ResourceConfig.VolumeSizeInGB is rendered from request_override.ResourceConfig.VolumeSizeInGB"),
    ]


def test_the_hatch_is_checked_for_credentials(tmp_path):
    text = with_lines("request:", "  Environment: {HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyzABCDEFGH}")
    assert [p for p, _, _, _ in errors_of(tmp_path, text)] == ["/request/Environment/HF_TOKEN"]


def test_the_hatch_reaches_the_tuning_request_and_its_model(tmp_path):
    """What the tuning API's training job definition has no place for is reported there too."""
    text = with_lines(
        "metrics: [{name: loss, regex: 'loss=([0-9.]+)'}]",
        "tuning: {objective: {metric: loss, type: Minimize}, ranges: {lr: {min: 0.001, max: 0.1}}, max_jobs: 2}",
        "request:",
        "  AlgorithmSpecification: {EnableSageMakerMetricsTimeSeries: true}",
    )
    errors = [(p, m) for p, m, _, _ in errors_of(tmp_path, text)]
    assert errors == [(
        "/request/AlgorithmSpecification/EnableSageMakerMetricsTimeSeries",
        "in the tuning request: EnableSageMakerMetricsTimeSeries is not a member of AlgorithmSpecification",
    )]


def test_the_command_line_reports_hatch_errors_with_exit_2_and_writes_nothing(tmp_path):
    job = make_job(tmp_path, with_lines("request:", "  InfraCheckConfig: {EnableInfraChek: true}"))
    result = run_compiler("compile", job)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{job}:12:39: error: EnableInfraChek is not a member of InfraCheckConfig (did you mean EnableInfraCheck?) (at /request/InfraCheckConfig/EnableInfraChek)" in result.stderr
    assert not (tmp_path / "generated").exists()


# Free strings: hostile values either reach the JSON request exactly, or are refused at their own
# job.yaml node; never a traceback, never a request botocore would refuse.

hostile = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["", " ", "\n", "a\nb", "\"'$`\\", "${HOME}", "$(id)", "\u2028", "\x00", "\ufeff", "x" * 256, "x" * 257, "é" * 255]
)

FREE_STRINGS = {
    "rule image": ("debugger: {{s3: 's3://bucket/d/', rules: {{R: {{image: {v}}}}}}}", "/debugger/rules/R/image",
                   ("DebugRuleConfigurations", 0, "RuleEvaluatorImage")),
    "hook parameter": ("debugger: {{s3: 's3://bucket/d/', hook_parameters: {{p: {v}}}}}", "/debugger/hook_parameters/p",
                       ("DebugHookConfig", "HookParameters", "p")),
    "profiling parameter": ("profiler: {{parameters: {{PythonProfilingConfig: {v}}}}}", "/profiler/parameters/PythonProfilingConfig",
                            ("ProfilerConfig", "ProfilingParameters", "PythonProfilingConfig")),
    "file system path": ("inputs: {{d: {{efs: {{id: fs-01234567, path: {v}}}}}}}\n" + VPC.replace("{", "{{").replace("}", "}}"), "/inputs/d/efs/path",
                         ("InputDataConfig", 0, "DataSource", "FileSystemDataSource", "DirectoryPath")),
    "hatch string": ("request: {{MlflowConfig: {{MlflowResourceArn: 'arn:aws:sagemaker:us-east-1:123456789012:mlflow-app/x', MlflowRunName: {v}}}}}",
                     "/request/MlflowConfig/MlflowRunName", ("MlflowConfig", "MlflowRunName")),
}


def value_at(request: dict, path: tuple) -> object:
    for step in path:
        request = request[step]
    return request


@pytest.mark.parametrize("where", sorted(FREE_STRINGS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=hostile)
def test_hostile_free_strings_arrive_exactly_or_are_refused_at_their_node(tmp_path_factory, input_shape, where, value):
    template, pointer, request_path = FREE_STRINGS[where]
    if where == "file system path":
        value = "/" + value  # past the schema's absolute-path rule, to the request
    directory = tmp_path_factory.mktemp("job")
    try:
        request = compile_job(make_job(directory, with_lines(template.format(v=yaml_json(value))))).rendered.request.body
    except SpecError as error:
        assert {d.pointer for d in error.errors} == {pointer}, error.errors
        return
    assert value_at(request, request_path) == value
    assert json.loads(json.dumps(request)) == request
    botocore.validate.validate_parameters(request, input_shape)


def test_a_tuning_job_says_which_members_its_training_jobs_go_without(tmp_path):
    text = with_lines(
        "metrics: [{name: loss, regex: 'loss=([0-9.]+)'}]",
        "tuning: {objective: {metric: loss, type: Minimize}, ranges: {lr: {min: 0.001, max: 0.1}}, max_jobs: 2}",
        "tensorboard: {s3: 's3://bucket/tb/'}",
        "experiment: {name: mnist}",
        "request:",
        "  InfraCheckConfig: {EnableInfraCheck: true}",
        "  Tags: [{Key: team, Value: ml}]",
        "  HyperParameters: {extra: '1'}",
        "request_override:",
        "  ExperimentConfig: {ExperimentName: mnist-2}",
        "  ResourceConfig: {VolumeSizeInGB: 40}",
    )
    compiled = compile_job(make_job(tmp_path, text))
    warnings = [(d.pointer, d.line) for d in compiled.warnings if d.severity == "warning"]
    assert warnings == [("/tensorboard", 13), ("/experiment", 14), ("/request/InfraCheckConfig", 16), ("/request_override/ExperimentConfig", 20)]
    assert compiled.warnings[0].message == (
        "the tuning job's training jobs run without TensorBoardOutputConfig, which the tuning API's training job definition "
        "lacks (plain training jobs still get it)"
    )
    assert all("the tuning job's training jobs run without" in d.message for d in compiled.warnings)
    tuning = compiled.rendered.tuning_request.body
    assert tuning["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert tuning["TrainingJobDefinition"]["StaticHyperParameters"] == {"extra": "1"}
    assert tuning["TrainingJobDefinition"]["ResourceConfig"]["VolumeSizeInGB"] == 40
    assert "TensorBoardOutputConfig" not in tuning["TrainingJobDefinition"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=hostile.filter(lambda k: 0 < len(yaml_json(k)) <= 1000), mode=st.sampled_from(["request", "request_override"]))
def test_hostile_hatch_member_names_give_one_line_diagnostics(tmp_path_factory, key, mode):
    """Nested hatch keys are free strings (YAML caps an implicit key at 1024 characters as
    written): unknown members, with line breaks and all, are named on one line."""
    text = with_lines(f"{mode}:", f"  ResourceConfig: {{{yaml_json(key)}: 1}}")
    job = make_job(tmp_path_factory.mktemp("job"), text)
    with pytest.raises(SpecError) as raised:
        compile_job(job)
    for diagnostic in raised.value.errors:
        assert "\n" not in diagnostic.format(job) and "\r" not in diagnostic.format(job)
        assert diagnostic.pointer.startswith(f"/{mode}/ResourceConfig/"), diagnostic


def test_a_hatch_member_the_aws_cli_does_not_know_is_reported_at_its_line(tmp_path):
    text = with_lines(
        "request:",
        "  ServerlessJobConfig:",
        "    BaseModelArn: arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/llama/1.0.0",
        "    JobType: FineTuning",
        "    SequenceLength: 32K",
    )
    errors = [(p, m, line) for p, m, line, _ in errors_of(tmp_path, text)]
    message = (
        f"SequenceLength is unknown to the aws CLI's older model (awscli {load_constraints()['sources']['awscli']}): "
        "`aws sagemaker create-training-job --cli-input-json` rejects it, though boto3 accepts it"
    )
    assert errors == [("/request/ServerlessJobConfig/SequenceLength", message, 15)]


@pytest.mark.parametrize("hatch", ["request", "request_override"])
def test_an_entrypoint_through_the_hatch_is_a_warning(tmp_path, hatch):
    text = with_lines(
        f"{hatch}:",
        "  AlgorithmSpecification: {ContainerEntrypoint: [/bin/sh, -c], ContainerArguments: ['exec train']}",
    )
    try:
        findings = compile_job(make_job(tmp_path, text)).warnings
    except SpecError as error:  # request_override: nothing renders them, so it is refused too
        findings = error.diagnostics
    warnings = [(d.pointer, d.line) for d in findings if d.severity == "warning"]
    assert warnings == [
        (f"/{hatch}/AlgorithmSpecification/ContainerEntrypoint", 12),
        (f"/{hatch}/AlgorithmSpecification/ContainerArguments", 12),
    ]
    assert all("make sure it still runs train" in d.message for d in findings if d.severity == "warning")


def test_a_collision_names_a_hostile_key_on_one_line(tmp_path):
    text = with_lines('hyperparameters: {"a\\nb": 1}', "request:", '  HyperParameters: {"a\\nb": "2"}')
    job = make_job(tmp_path, text)
    with pytest.raises(SpecError) as raised:
        compile_job(job)
    # The API refuses the key itself too (Java's `.` stops at a line break), at hyperparameters.
    [error] = [e for e in raised.value.errors if e.pointer.startswith("/request/")]
    assert error.message.startswith('HyperParameters."a\\nb" is rendered from hyperparameters."a\\nb"; set it there')
    assert "\n" not in error.format(job)
