"""`sagemaker-byoc submit --tune`, run as users run it: against moto server (create, describe,
--dry-run) and against the scripted SageMaker of scripted_aws.py for a tuning job in progress,
one that fails, and a name that is taken."""

from __future__ import annotations

import json
import re

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.submit.tuning import describe_progress
from tests.aws.sagemaker_roundtrip import REPO_ROOT
from tests.aws.scripted_aws import error
from tests.aws.test_submit import printed, submit
from tests.compiler.jobs import make_job

EXAMPLE = REPO_ROOT / "examples" / "tuning" / "job.yaml"
TUNING_NAME = re.compile(r"(?P<base>.+)-(?P<stamp>\d{14})")


def test_tune_creates_the_tuning_job_with_a_unique_name(aws_env, fresh_moto, moto_boto3):
    result = submit(EXAMPLE, aws_env, "--tune", "--allow-stale")
    assert result.returncode == 0, result.stderr
    out = printed(result.stdout)
    name = out["HyperParameterTuningJobName"]
    match = TUNING_NAME.fullmatch(name)
    assert match and len(name) <= 32 and "tuning-example".startswith(match["base"]), name
    assert out["HyperParameterTuningJobArn"] == f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{name}"
    described = moto_boto3("sagemaker", "us-east-1").describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    expected = compile_job(EXAMPLE).rendered.tuning_request.body
    assert described["HyperParameterTuningJobConfig"] == expected["HyperParameterTuningJobConfig"]
    assert described["TrainingJobDefinition"] == expected["TrainingJobDefinition"]


def test_tune_dry_run_prints_the_request(aws_env, fresh_moto, moto_boto3):
    result = submit(EXAMPLE, aws_env, "--tune", "--dry-run")
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout)
    assert TUNING_NAME.fullmatch(sent.pop("HyperParameterTuningJobName"))
    expected = compile_job(EXAMPLE).rendered.tuning_request.body
    expected.pop("HyperParameterTuningJobName")
    assert sent == expected
    assert moto_boto3("sagemaker", "us-east-1").list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_tune_without_a_tuning_section_is_a_job_error(tmp_path, aws_env):
    result = submit(make_job(tmp_path), aws_env, "--tune")
    assert result.returncode == 2
    assert result.stderr == f"{tmp_path / 'job.yaml'}:1:1: error: submit --tune needs a tuning: section (see the README's Hyperparameter tuning)\n"


def test_wait_shows_progress_and_ends_with_the_best_job(scripted_sagemaker):
    scripted_sagemaker.answer("CreateHyperParameterTuningJob", (200, {"HyperParameterTuningJobArn": "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/x"}))
    best = {
        "TrainingJobName": "tuning-example-2026-003-5f2a",
        "TunedHyperParameters": {"lr": "0.012", "epochs": "17", "optimizer": '"momentum"'},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:loss", "Value": 0.0113},
    }
    counters = lambda done, running: {"Completed": done, "InProgress": running, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}  # noqa: E731
    scripted_sagemaker.answer(
        "DescribeHyperParameterTuningJob",
        (200, {"HyperParameterTuningJobStatus": "InProgress", "TrainingJobStatusCounters": counters(0, 3)}),
        (200, {"HyperParameterTuningJobStatus": "InProgress", "TrainingJobStatusCounters": counters(0, 3)}),
        (200, {"HyperParameterTuningJobStatus": "InProgress", "TrainingJobStatusCounters": counters(3, 3), "BestTrainingJob": best}),
        (200, {"HyperParameterTuningJobStatus": "Completed", "TrainingJobStatusCounters": counters(12, 0), "BestTrainingJob": best}),
    )

    result = submit(EXAMPLE, scripted_sagemaker.env, "--tune", "--wait", "--poll-interval", "0.01")

    assert result.returncode == 0, result.stderr
    name = printed(result.stdout.split("BestTrainingJob")[0])["HyperParameterTuningJobName"]
    assert result.stdout.splitlines()[2:] == [
        "BestTrainingJob: tuning-example-2026-003-5f2a",
        "  epochs: 17",
        "  lr: 0.012",
        '  optimizer: "momentum"',
        "Objective: validation:loss = 0.0113",
    ]
    assert [re.sub(r"\d+:\d\d:\d\d", "T", line) for line in result.stderr.splitlines()] == [
        f"submit: {name}: InProgress / 0 completed, 3 in progress, T elapsed",
        f"submit: {name}: InProgress / 3 completed, 3 in progress, best validation:loss 0.0113, T elapsed",
        f"submit: {name}: Completed after T (12 completed, 0 in progress, best validation:loss 0.0113)",
    ]
    assert scripted_sagemaker.bodies("DescribeHyperParameterTuningJob") == [{"HyperParameterTuningJobName": name}] * 4
    assert scripted_sagemaker.bodies("CreateHyperParameterTuningJob")[0]["HyperParameterTuningJobName"] == name


def test_wait_reports_a_failed_tuning_job(scripted_sagemaker):
    scripted_sagemaker.answer("CreateHyperParameterTuningJob", (200, {"HyperParameterTuningJobArn": "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/x"}))
    scripted_sagemaker.answer("DescribeHyperParameterTuningJob", (200, {
        "HyperParameterTuningJobStatus": "Failed", "FailureReason": "All training jobs failed.\nSee their logs.",
        "TrainingJobStatusCounters": {"Completed": 0, "InProgress": 0, "NonRetryableError": 4},
    }))
    result = submit(EXAMPLE, scripted_sagemaker.env, "--tune", "--wait")
    assert result.returncode == 1
    name = printed(result.stdout)["HyperParameterTuningJobName"]
    assert re.fullmatch(rf"submit: {name}: Failed after 0:00:\d\d: All training jobs failed. See their logs.\n", result.stderr)


def test_wait_reports_a_stopped_tuning_job_as_not_done(scripted_sagemaker):
    """Stopped is no success: exit 1, with the reason and the best job found before the stop."""
    scripted_sagemaker.answer("CreateHyperParameterTuningJob", (200, {"HyperParameterTuningJobArn": "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/x"}))
    scripted_sagemaker.answer("DescribeHyperParameterTuningJob", (200, {
        "HyperParameterTuningJobStatus": "Stopped", "FailureReason": "Stopped by the user",
        "TrainingJobStatusCounters": {"Completed": 2, "InProgress": 0, "Stopped": 1},
        "BestTrainingJob": {"TrainingJobName": "tuning-example-001", "TunedHyperParameters": {"lr": "0.1"}},
    }))
    result = submit(EXAMPLE, scripted_sagemaker.env, "--tune", "--wait")
    assert result.returncode == 1
    name = printed(result.stdout.split("BestTrainingJob")[0])["HyperParameterTuningJobName"]
    assert "BestTrainingJob: tuning-example-001" in result.stdout
    assert re.fullmatch(rf"submit: {name}: Stopped after 0:00:\d\d: Stopped by the user\n", result.stderr)


def test_a_taken_name_is_one_line_about_a_tuning_job(scripted_sagemaker):
    scripted_sagemaker.answer("CreateHyperParameterTuningJob", error("ResourceInUse", "Job name already exists"))
    result = submit(EXAMPLE, scripted_sagemaker.env, "--tune")
    assert result.returncode == 3 and result.stdout == ""
    assert re.fullmatch(
        r"submit: error: CreateHyperParameterTuningJob: a tuning job named tuning-example-\d{14} already exists in us-east-1 "
        r"\(ResourceInUse\): Job name already exists\n",
        result.stderr,
    )


def test_progress_counts_a_counter_sagemaker_leaves_out_as_zero():
    assert describe_progress({}) == "0 completed, 0 in progress"
    assert describe_progress({"TrainingJobStatusCounters": {"InProgress": 2, "RetryableError": 1}}) == (
        "0 completed, 2 in progress, 1 failed"
    )
    assert describe_progress({"TrainingJobStatusCounters": {"Completed": 4, "NonRetryableError": 2, "RetryableError": 1}}) == (
        "4 completed, 0 in progress, 3 failed"
    )
