"""Wire compatibility: every example's committed create_training_job.json goes through the real
aws CLI (`--cli-input-json file://…`) and through boto3 to a moto server, and comes back from
DescribeTrainingJob as it was sent.

moto keeps 18 of the 28 members and replaces MetricDefinitions (see sagemaker_roundtrip.py for
the list, member by member); only what it keeps is compared. moto validates nothing: these tests
prove that the clients accept and carry the request, the request-rule tests prove it is valid.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.aws.sagemaker_roundtrip import (
    DROPPED_BY_MOTO,
    example_id,
    example_requests,
    job_region,
    load_request,
    round_trip_differences,
    unique_job_name,
)

REQUESTS = example_requests()


def aws(cli: Path, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(
        [str(cli), *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"aws {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
    return json.loads(result.stdout)


def test_every_example_has_a_generated_request():
    assert REQUESTS, "no examples/*/generated/create_training_job.json: run make regen"


@pytest.mark.parametrize("request_path", REQUESTS, ids=example_id)
def test_aws_cli_sends_the_request_and_describes_it_back(request_path, aws_cli, aws_env, moto_boto3):
    sent = load_request(request_path)
    region = job_region(request_path)
    name = unique_job_name(sent["TrainingJobName"], "cli")

    # --training-job-name overrides the file's name, as users are told to do for unique names.
    created = aws(
        aws_cli, aws_env, "sagemaker", "create-training-job", "--region", region,
        "--cli-input-json", f"file://{request_path}", "--training-job-name", name,
    )
    assert created["TrainingJobArn"] == f"arn:aws:sagemaker:{region}:123456789012:training-job/{name}"
    described = aws(aws_cli, aws_env, "sagemaker", "describe-training-job", "--region", region, "--training-job-name", name)
    tags = moto_boto3("sagemaker", region).list_tags(ResourceArn=created["TrainingJobArn"])["Tags"]

    assert round_trip_differences(sent, described, tags, name) == []


@pytest.mark.parametrize("request_path", REQUESTS, ids=example_id)
def test_boto3_sends_the_request_and_describes_it_back(request_path, moto_boto3):
    sent = load_request(request_path)
    region = job_region(request_path)
    name = unique_job_name(sent["TrainingJobName"], "boto3")
    client = moto_boto3("sagemaker", region)

    created = client.create_training_job(**{**sent, "TrainingJobName": name})
    described = client.describe_training_job(TrainingJobName=name)
    tags = client.list_tags(ResourceArn=created["TrainingJobArn"])["Tags"]

    assert round_trip_differences(sent, described, tags, name) == []


def test_comparison_reports_a_member_moto_changed():
    sent = {
        "TrainingJobName": "a",
        "ResourceConfig": {"InstanceCount": 2},
        "AlgorithmSpecification": {"TrainingImage": "x", "MetricDefinitions": [{"Name": "m", "Regex": "r"}]},
        "Environment": {"A": "1"},
        "Tags": [{"Key": "k", "Value": "v"}],
    }
    described = {
        "TrainingJobName": "a",
        "ResourceConfig": {"InstanceCount": 1},
        "AlgorithmSpecification": {"TrainingImage": "x", "MetricDefinitions": [{"Name": "test:dcg", "Regex": "."}]},
    }
    assert "Environment" in DROPPED_BY_MOTO
    assert round_trip_differences(sent, described, [{"Key": "k", "Value": "v"}], "a") == [
        "ResourceConfig: sent {'InstanceCount': 2}, described {'InstanceCount': 1}"
    ]
    assert round_trip_differences(sent, {**described, "ResourceConfig": {"InstanceCount": 2}}, [], "b") == [
        "TrainingJobName: sent 'b', described 'a'",
        "Tags: sent [{'Key': 'k', 'Value': 'v'}], ListTags gave []",
    ]
    assert round_trip_differences({**sent, "VpcConfig": {"Subnets": ["s"]}}, described, [], "a")[-1] == (
        "VpcConfig: sent {'Subnets': ['s']}, missing from DescribeTrainingJob"
    )
