"""A request with every member job.yaml gained for the API's optional features (file-system
channels, TensorBoard, experiments, Debugger, profiler, the escape hatch) travels through the
real aws CLI and boto3 to moto and comes back from DescribeTrainingJob as it was sent, for the
members moto keeps."""

from __future__ import annotations

import json
import subprocess

from sagemaker_byoc.compiler.pipeline import compile_job
from tests.aws.sagemaker_roundtrip import DROPPED_BY_MOTO, round_trip_differences, unique_job_name
from tests.compiler.jobs import make_job
from tests.compiler.test_api_members import EVERYTHING

KEPT_BY_MOTO = ("InputDataConfig", "TensorBoardOutputConfig", "ExperimentConfig", "DebugHookConfig", "DebugRuleConfigurations", "VpcConfig")


def compiled_request(tmp_path) -> tuple[dict, str]:
    compiled = compile_job(make_job(tmp_path, EVERYTHING))
    compiled_file = tmp_path / "create_training_job.json"
    compiled_file.write_text(json.dumps(compiled.rendered.request.body))
    return compiled.rendered.request.body, str(compiled_file)


def test_the_new_members_are_ones_moto_keeps_or_knowingly_drops(tmp_path):
    request, _ = compiled_request(tmp_path)
    assert set(KEPT_BY_MOTO) <= set(request)
    assert {"ProfilerConfig", "ProfilerRuleConfigurations", "InfraCheckConfig"} <= set(DROPPED_BY_MOTO)


def test_aws_cli_carries_the_new_members(tmp_path, aws_cli, aws_env, moto_boto3):
    sent, request_file = compiled_request(tmp_path)
    name = unique_job_name(sent["TrainingJobName"], "api")
    created = subprocess.run(
        [str(aws_cli), "sagemaker", "create-training-job", "--cli-input-json", f"file://{request_file}",
         "--training-job-name", name, "--output", "json"],
        env=aws_env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert created.returncode == 0, created.stderr
    client = moto_boto3("sagemaker")
    described = client.describe_training_job(TrainingJobName=name)
    for member in KEPT_BY_MOTO:
        assert described[member] == sent[member], member
    assert round_trip_differences(sent, described, [], name) == []


def test_boto3_carries_the_new_members(tmp_path, moto_boto3):
    sent, _ = compiled_request(tmp_path)
    name = unique_job_name(sent["TrainingJobName"], "api-boto3")
    client = moto_boto3("sagemaker")
    client.create_training_job(**{**sent, "TrainingJobName": name})
    described = client.describe_training_job(TrainingJobName=name)
    assert round_trip_differences(sent, described, [], name) == []
