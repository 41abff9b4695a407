"""The committed create_hyper_parameter_tuning_job.json of every tuning example goes through the
real aws CLI (`--cli-input-json file://…`) to a moto server and comes back from
DescribeHyperParameterTuningJob as it was sent (moto keeps the config and the definition whole)."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.aws.sagemaker_roundtrip import REPO_ROOT, example_id, job_region

REQUESTS = sorted(REPO_ROOT.glob("examples/*/generated/create_hyper_parameter_tuning_job.json"))


def test_there_is_a_tuning_example():
    assert REQUESTS, "no examples/*/generated/create_hyper_parameter_tuning_job.json: run make regen"


@pytest.mark.parametrize("request_path", REQUESTS, ids=example_id)
def test_aws_cli_sends_the_tuning_request_and_describes_it_back(request_path, aws_cli, aws_env, moto_boto3):
    sent = json.loads(request_path.read_text(encoding="utf-8"))
    region = job_region(request_path)
    name = f"{sent['HyperParameterTuningJobName'][:23]}-{uuid.uuid4().hex[:8]}"

    def aws(*args: str) -> dict:
        result = subprocess.run([str(aws_cli), "sagemaker", *args, "--region", region, "--output", "json"],
                                env=aws_env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"aws {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return json.loads(result.stdout)

    created = aws("create-hyper-parameter-tuning-job", "--cli-input-json", f"file://{request_path}",
                  "--hyper-parameter-tuning-job-name", name)
    assert created["HyperParameterTuningJobArn"] == f"arn:aws:sagemaker:{region}:123456789012:hyper-parameter-tuning-job/{name}"
    described = aws("describe-hyper-parameter-tuning-job", "--hyper-parameter-tuning-job-name", name)
    assert described["HyperParameterTuningJobName"] == name
    assert described["HyperParameterTuningJobConfig"] == sent["HyperParameterTuningJobConfig"]
    assert described["TrainingJobDefinition"] == sent["TrainingJobDefinition"]


def test_the_cli_refuses_what_the_checker_refuses(tmp_path, aws_cli, aws_env):
    """The CLI's client-side validation and ours agree on a bound the model forbids: a request
    with MaxParallelTrainingJobs 0 is refused before anything is sent."""
    sent = json.loads(REQUESTS[0].read_text(encoding="utf-8"))
    sent["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 0
    from sagemaker_byoc.aws.request_rules import check_tuning_request

    assert [v.message for v in check_tuning_request(sent)] == ["MaxParallelTrainingJobs 0 is below the minimum 1"]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(sent))
    result = subprocess.run([str(aws_cli), "sagemaker", "create-hyper-parameter-tuning-job", "--region", "us-east-1",
                             "--cli-input-json", f"file://{path}"], env=aws_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 255 and "MaxParallelTrainingJobs" in result.stderr and "MaxParallelTrainingJobs, value: 0, valid min value: 1" in result.stderr
