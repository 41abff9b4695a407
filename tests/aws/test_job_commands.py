"""`sagemaker-byoc status|logs|stop NAME`, run as users run them: against moto server (jobs
moto completes at once, their logs in moto's CloudWatch Logs) and against the scripted endpoint
for jobs in progress, failures and refusals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.aws.conftest import REGION
from tests.aws.sagemaker_roundtrip import REPO_ROOT, load_request, unique_job_name
from tests.aws.scripted_aws import error
from tests.aws.test_job_logs import Hosts

BASIC_REQUEST = REPO_ROOT / "examples" / "basic" / "generated" / "create_training_job.json"
DDP_REQUEST = REPO_ROOT / "examples" / "ddp" / "generated" / "create_training_job.json"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"


def command(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", *arguments],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def started_in_moto(moto_boto3, request_path: Path, purpose: str) -> str:
    request = load_request(request_path)
    name = unique_job_name(request["TrainingJobName"], purpose)
    moto_boto3("sagemaker").create_training_job(**{**request, "TrainingJobName": name})
    return name


def described(status: str, **more: object) -> tuple[int, dict]:
    return 200, {"TrainingJobStatus": status, **more}


# --- status ----------------------------------------------------------------------------------


def test_status_of_a_completed_job(aws_env, fresh_moto, moto_boto3):
    name = started_in_moto(moto_boto3, BASIC_REQUEST, "status")
    output = load_request(BASIC_REQUEST)["OutputDataConfig"]["S3OutputPath"].rstrip("/")

    result = command(aws_env, "status", name)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"TrainingJobName: {name}",
        "TrainingJobStatus: Completed",
        "SecondaryStatus: Completed",
        f"ModelArtifacts: {output}/{name}/output/model.tar.gz",
    ]
    # moto records one transition, at the job's creation.
    assert lines[4] == "SecondaryStatusTransitions:"
    assert re.fullmatch(r"  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Starting: Preparing the instances for training", lines[5])
    assert len(lines) == 6


def test_status_shows_the_failure_reason_billable_time_and_the_last_transitions(scripted_sagemaker):
    transitions = [
        {"Status": status, "StartTime": 1764320400 + 60 * index, "StatusMessage": f"step {index}\nmore"}
        for index, status in enumerate(["Starting", "Downloading", "Training", "Uploading", "Failed", "Failed"])
    ]
    scripted_sagemaker.answer("DescribeTrainingJob", described(
        "Failed", SecondaryStatus="Failed", FailureReason="AlgorithmError: exited 1\nsee the logs",
        BillableTimeInSeconds=321, SecondaryStatusTransitions=transitions,
    ))

    result = command(scripted_sagemaker.env, "status", "job-1", "--region", "eu-west-1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "TrainingJobName: job-1",
        "TrainingJobStatus: Failed",
        "SecondaryStatus: Failed",
        "FailureReason: AlgorithmError: exited 1 see the logs",
        "BillableTimeInSeconds: 321",
        "SecondaryStatusTransitions:",
        "  2025-11-28 09:01:00 Downloading: step 1 more",
        "  2025-11-28 09:02:00 Training: step 2 more",
        "  2025-11-28 09:03:00 Uploading: step 3 more",
        "  2025-11-28 09:04:00 Failed: step 4 more",
        "  2025-11-28 09:05:00 Failed: step 5 more",
    ]
    assert scripted_sagemaker.bodies("DescribeTrainingJob") == [{"TrainingJobName": "job-1"}]


def test_status_of_a_tuning_job(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeHyperParameterTuningJob", (200, {
        "HyperParameterTuningJobStatus": "InProgress",
        "TrainingJobStatusCounters": {"Completed": 3, "InProgress": 2, "NonRetryableError": 1},
        "BestTrainingJob": {"TrainingJobName": "t-001", "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "loss", "Value": 0.25}},
    }))

    result = command(scripted_sagemaker.env, "status", "--tuning", "tune-1", "--region", REGION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "HyperParameterTuningJobName: tune-1",
        "HyperParameterTuningJobStatus: InProgress",
        "TrainingJobs: 3 completed, 2 in progress, 1 failed, best loss 0.25",
        "BestTrainingJob: t-001",
    ]


@pytest.mark.parametrize("subcommand", [["status"], ["logs"], ["stop"], ["status", "--tuning"], ["stop", "--tuning"]])
def test_a_name_that_does_not_exist_is_exit_2(subcommand, aws_env, fresh_moto):
    result = command(aws_env, *subcommand, "no-such-job")

    kind = "tuning job" if "--tuning" in subcommand else "training job"
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"{subcommand[0]}: error: no {kind} named no-such-job in {REGION}\n"
    assert result.stdout == ""


def test_sagemakers_own_not_found_answer_is_exit_2(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", error("ValidationException", "Requested resource not found."))

    result = command(scripted_sagemaker.env, "logs", "job-1")

    assert result.returncode == 2
    assert result.stderr == f"logs: error: no training job named job-1 in {REGION}\n"


def test_a_validation_error_that_is_not_about_the_name_is_exit_3(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", error("ValidationException", "1 validation error detected: Value 'x' failed"))

    result = command(scripted_sagemaker.env, "status", "job-1")

    assert result.returncode == 3
    assert result.stderr.startswith("status: error: DescribeTrainingJob: SageMaker rejected the request (ValidationException)")


def test_no_region_is_exit_2(aws_env):
    env = {key: value for key, value in aws_env.items() if key != "AWS_DEFAULT_REGION"}

    result = command(env, "status", "job-1")

    assert result.returncode == 2
    assert result.stderr == "status: error: no region: pass --region, or set AWS_DEFAULT_REGION\n"


def test_an_aws_failure_is_exit_3_in_one_line(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", error("AccessDeniedException", "not authorized to perform: sagemaker:DescribeTrainingJob"))

    result = command(scripted_sagemaker.env, "status", "job-1")

    assert result.returncode == 3
    assert result.stderr == (
        "status: error: DescribeTrainingJob: access denied (AccessDeniedException): not authorized to perform: "
        "sagemaker:DescribeTrainingJob (the caller needs sagemaker:DescribeTrainingJob)\n"
    )


# --- logs ------------------------------------------------------------------------------------


def test_logs_prints_every_hosts_lines(aws_env, fresh_moto, moto_boto3):
    name = started_in_moto(moto_boto3, DDP_REQUEST, "logs")
    hosts = Hosts(moto_boto3("logs"), name)
    hosts.log("algo-2", 5, "rank 1 up")
    hosts.log("algo-1", 0, "rank 0 up", "epoch 1")

    result = command(aws_env, "logs", name)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[algo-1] rank 0 up", "[algo-1] epoch 1", "[algo-2] rank 1 up"]
    assert result.stderr == ""


def test_logs_of_a_job_that_has_not_logged_yet(aws_env, fresh_moto, moto_boto3):
    name = started_in_moto(moto_boto3, BASIC_REQUEST, "quiet")

    result = command(aws_env, "logs", name)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"logs: {name} has no log lines yet (Completed)\n"


def test_logs_that_cannot_be_read_are_exit_3(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", described("InProgress", ResourceConfig={"InstanceCount": 1}))
    scripted_sagemaker.answer("DescribeLogStreams", error("AccessDeniedException", "no logs:DescribeLogStreams"))

    result = command(scripted_sagemaker.env, "logs", "job-1")

    assert result.returncode == 3
    assert result.stderr == (
        "logs: error: cannot read the logs of job-1 from /aws/sagemaker/TrainingJobs: "
        "DescribeLogStreams failed (AccessDeniedException): no logs:DescribeLogStreams\n"
    )


def test_logs_follow_streams_until_the_job_fails(scripted_sagemaker, moto_endpoint, fresh_moto, moto_boto3):
    hosts = Hosts(moto_boto3("logs"), "job-1")
    scripted_sagemaker.answer(
        "DescribeTrainingJob",
        described("InProgress", SecondaryStatus="Training", ResourceConfig={"InstanceCount": 1}),
        described("InProgress", SecondaryStatus="Training"),
        described("Failed", SecondaryStatus="Failed", FailureReason="AlgorithmError: boom"),
    )
    scripted_sagemaker.before(
        "DescribeTrainingJob",
        lambda: hosts.log("algo-1", 0, "before the follow"),
        lambda: hosts.log("algo-1", 1, "while following"),
        lambda: hosts.log("algo-1", 2, "Traceback: boom"),
    )
    env = {**scripted_sagemaker.env, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": moto_endpoint}

    result = command(env, "logs", "job-1", "--follow", "--poll-interval", "0.01")

    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == ["before the follow", "while following", "Traceback: boom"]
    last = result.stderr.splitlines()[-1]
    assert last.startswith("logs: job-1: Failed after ") and last.endswith(": AlgorithmError: boom")


# --- stop ------------------------------------------------------------------------------------


def test_stop_a_running_job(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", described("InProgress", SecondaryStatus="Training"))
    scripted_sagemaker.answer("StopTrainingJob", (200, {}))

    result = command(scripted_sagemaker.env, "stop", "job-1", "--region", REGION)

    assert result.returncode == 0, result.stderr
    assert result.stderr == "stop: stopping job-1 (it was InProgress); it ends as Stopped\n"
    assert scripted_sagemaker.bodies("StopTrainingJob") == [{"TrainingJobName": "job-1"}]


def test_stop_a_running_tuning_job(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeHyperParameterTuningJob", (200, {"HyperParameterTuningJobStatus": "InProgress"}))
    scripted_sagemaker.answer("StopHyperParameterTuningJob", (200, {}))

    result = command(scripted_sagemaker.env, "stop", "--tuning", "tune-1", "--region", REGION)

    assert result.returncode == 0, result.stderr
    assert scripted_sagemaker.bodies("StopHyperParameterTuningJob") == [{"HyperParameterTuningJobName": "tune-1"}]
    assert "StopTrainingJob" not in scripted_sagemaker.operations()


def test_stop_a_job_that_has_ended_is_not_an_error(aws_env, fresh_moto, moto_boto3):
    name = started_in_moto(moto_boto3, BASIC_REQUEST, "stop")

    result = command(aws_env, "stop", name)

    assert result.returncode == 0, result.stderr
    assert result.stderr == f"stop: {name} is already Completed; nothing to stop\n"


def test_stop_a_job_that_is_stopping(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", described("Stopping"))

    result = command(scripted_sagemaker.env, "stop", "job-1")

    assert result.returncode == 0, result.stderr
    assert result.stderr == "stop: job-1 is already stopping\n"
    assert "StopTrainingJob" not in scripted_sagemaker.operations()


def test_stop_refused_is_exit_3(scripted_sagemaker):
    scripted_sagemaker.answer("DescribeTrainingJob", described("InProgress"))
    scripted_sagemaker.answer("StopTrainingJob", error("AccessDeniedException", "not authorized to perform: sagemaker:StopTrainingJob"))

    result = command(scripted_sagemaker.env, "stop", "job-1")

    assert result.returncode == 3
    assert result.stderr.startswith("stop: error: StopTrainingJob: access denied (AccessDeniedException)")
    assert len(result.stderr.splitlines()) == 1
