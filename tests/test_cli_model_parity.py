"""The aws CLI v1's own client-side validation, run offline, agrees with the checker.

`aws sagemaker create-training-job --cli-input-json file://… --generate-cli-skeleton output`
validates the request against the CLI's bundled (older) model through a stubbed client and sends
nothing: exit 0 when valid, 255 with "Parameter validation failed" otherwise. Requests the
checker accepts must pass it; requests the checker flags as CLI-only problems must fail it.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.aws.request_rules import check_request
from tests.test_request_rules import drop_path, full_request, set_path, valid_request
from tests.tools import require_tool

AWS = Path(sys.executable).parent / "aws"


def run_cli(request: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    require_tool(AWS.exists() or shutil.which("aws") is not None, "the aws CLI (awscli from requirements-dev.txt) is not installed")
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = [
        str(AWS) if AWS.exists() else "aws",
        "sagemaker",
        "create-training-job",
        "--cli-input-json",
        f"file://{request_file}",
        "--generate-cli-skeleton",
        "output",
    ]
    return subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)


def accepted_requests() -> dict[str, dict]:
    return {
        "minimal": valid_request(),
        "most members": full_request(),
        "instance type newer than the CLI's model": set_path(valid_request(), ("ResourceConfig", "InstanceType"), "ml.r8i.large"),
        "pending time at the CLI's minimum": set_path(valid_request(), ("StoppingCondition", "MaxPendingTimeInSeconds"), 7200),
    }


@pytest.mark.parametrize("name", sorted(accepted_requests()))
def test_requests_the_checker_accepts_pass_the_cli(name, tmp_path):
    request = accepted_requests()[name]
    assert check_request(request) == []
    result = run_cli(request, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"TrainingJobArn": "TrainingJobArn"}


def cli_rejected_requests() -> dict[str, tuple[dict, str]]:
    preferences = {"InstancePreferences": [{"InstanceType": "ml.p5.48xlarge"}], "InstanceCount": 1}
    serverless = {
        "BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/llama/1.0.0",
        "JobType": "FineTuning",
        "SequenceLength": "32K",
    }
    return {
        "pending time below the CLI's minimum": (
            set_path(valid_request(), ("StoppingCondition", "MaxPendingTimeInSeconds"), 3600),
            "valid min value: 7200",
        ),
        "InstancePreferences": (
            set_path(valid_request(), ("ResourceConfig",), preferences),
            'Unknown parameter in ResourceConfig: "InstancePreferences"',
        ),
        "SequenceLength": (
            set_path(valid_request(), ("ServerlessJobConfig",), serverless),
            'Unknown parameter in ServerlessJobConfig: "SequenceLength"',
        ),
        "missing RoleArn": (drop_path(valid_request(), ("RoleArn",)), 'Missing required parameter in input: "RoleArn"'),
        "string as an integer": (
            set_path(valid_request(), ("ResourceConfig", "VolumeSizeInGB"), "30"),
            "Invalid type for parameter ResourceConfig.VolumeSizeInGB",
        ),
    }


@pytest.mark.parametrize("name", sorted(cli_rejected_requests()))
def test_requests_the_cli_rejects_are_flagged_by_the_checker(name, tmp_path):
    request, cli_says = cli_rejected_requests()[name]
    assert check_request(request) != []
    result = run_cli(request, tmp_path)
    assert result.returncode == 255
    assert "Parameter validation failed" in result.stderr and cli_says in result.stderr


def test_the_cli_alone_lets_pattern_and_enum_errors_through(tmp_path):
    """Why the checker exists: the CLI checks neither patterns nor enums nor maximums."""
    request = set_path(valid_request(), ("TrainingJobName",), "bad_name")
    request = set_path(request, ("ResourceConfig", "InstanceType"), "ml.p99.xlarge")
    request = set_path(request, ("ResourceConfig", "KeepAlivePeriodInSeconds"), 99999)
    assert len(check_request(request)) == 3
    assert run_cli(request, tmp_path).returncode == 0
