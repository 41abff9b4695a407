"""`sagemaker-byoc submit`, run as users run it, against moto server (success, --dry-run,
--wait) and against a tiny scripted SageMaker on 127.0.0.1 for the answers moto never gives
(quota and name errors, access denied, throttling, a failing job)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.submit.connection import explain
from sagemaker_byoc.submit.training import NAME_MAX, unique_job_name
from sagemaker_byoc.submit.watch import Progress
from tests.aws.moto_env import closed_port, isolated_env
from tests.aws.sagemaker_roundtrip import JOB_NAME, REPO_ROOT, example_id, example_requests, load_request, round_trip_differences
from tests.aws.scripted_aws import error

REQUESTS = example_requests()
STAMPED_NAME = re.compile(r"(?P<base>.+)-(?P<stamp>\d{14})")


def submit(job: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", "submit", str(job), *options],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def job_of(request_path: Path) -> Path:
    return request_path.parent.parent / "job.yaml"


def rendered_request(request_path: Path) -> dict:
    """What submit should send but for the name: the request as the compiler renders it now (the
    committed file equals it whenever `make check` passes)."""
    return compile_job(job_of(request_path)).rendered.request.body


@pytest.fixture
def basic_request() -> Path:
    if not REQUESTS:
        pytest.skip("no examples/*/generated/create_training_job.json")
    return REQUESTS[0]


def printed(stdout: str) -> dict[str, str]:
    """The `Key: value` lines submit prints on stdout."""
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def assert_one_error_line(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1, f"expected one line, got:\n{result.stderr}"
    assert lines[0].startswith("submit: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


# --- against moto ---------------------------------------------------------------------------


@pytest.mark.parametrize("request_path", REQUESTS, ids=example_id)
def test_submit_starts_the_job_with_a_unique_name(request_path, aws_env, fresh_moto, moto_boto3):
    expected = rendered_request(request_path)

    result = submit(job_of(request_path), aws_env, "--allow-stale")

    assert result.returncode == 0, result.stderr
    # Nothing was pushed to this ECR: submit says so, and with --allow-stale submits all the same.
    image = expected["AlgorithmSpecification"]["TrainingImage"]
    assert result.stderr.splitlines() == [
        f"submit: warning: {image} is not in ECR; the job would fail when it pulls the image "
        f"(push it with {job_of(request_path).parent / 'generated' / 'build_and_push.sh'})"
    ]
    out = printed(result.stdout)
    name = out["TrainingJobName"]
    match = STAMPED_NAME.fullmatch(name)
    assert match and expected["TrainingJobName"].startswith(match["base"]), name
    assert JOB_NAME.fullmatch(name) and len(name) <= NAME_MAX
    sagemaker = moto_boto3("sagemaker", out["TrainingJobArn"].split(":")[3])
    assert out["TrainingJobArn"] == sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobArn"]
    described = sagemaker.describe_training_job(TrainingJobName=name)
    tags = sagemaker.list_tags(ResourceArn=out["TrainingJobArn"])["Tags"]
    assert round_trip_differences(expected, described, tags, name) == []


def test_dry_run_prints_the_request_and_sends_nothing(basic_request, aws_env, fresh_moto, moto_boto3):
    expected = rendered_request(basic_request)

    result = submit(job_of(basic_request), aws_env, "--dry-run")

    assert result.returncode == 0, result.stderr
    printed_request = json.loads(result.stdout)
    assert STAMPED_NAME.fullmatch(printed_request["TrainingJobName"])
    assert printed_request == {**expected, "TrainingJobName": printed_request["TrainingJobName"]}
    assert moto_boto3("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_dry_run_needs_neither_credentials_nor_a_network(basic_request, tmp_path):
    env = isolated_env(tmp_path, AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}")

    result = submit(job_of(basic_request), env, "--dry-run")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AlgorithmSpecification"] == rendered_request(basic_request)["AlgorithmSpecification"]


def test_hyperparameter_overrides_reach_the_request_as_run_local_reads_them(basic_request, tmp_path):
    """submit --hp as run-local has it: read like job.yaml, checked like job.yaml (a typo is refused)."""
    env = isolated_env(tmp_path)
    result = submit(job_of(basic_request), env, "--dry-run", "--hp", "hp2=7", "--hps", "hp3=0.5", "--hp-new", "warmup=[1, 2]")
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout)["HyperParameters"]
    assert (sent["hp2"], sent["hp3"], sent["warmup"]) == ("7", "0.5", "[1, 2]")
    typo = submit(job_of(basic_request), env, "--dry-run", "--hp", "hp4=1")
    assert typo.returncode == 2 and typo.stdout == ""
    assert "--hp hp4=1: no hyperparameter 'hp4' in job.yaml; did you mean 'hp3'?" in typo.stderr
    unreadable = submit(job_of(basic_request), env, "--dry-run", "--hp", "novalue")
    assert unreadable.returncode == 2 and unreadable.stderr == "submit: error: hyperparameter override 'novalue' is not KEY=VALUE\n"


def test_a_profile_no_configuration_defines_is_one_line(basic_request, tmp_path):
    result = submit(job_of(basic_request), isolated_env(tmp_path), "--profile", "nosuch", "--allow-stale")
    assert result.returncode == 3
    assert result.stderr.endswith("AWS_PROFILE names a profile that no AWS configuration file defines\n")
    assert "nosuch" in result.stderr


def test_an_image_missing_from_ecr_is_refused(basic_request, aws_env, fresh_moto, moto_boto3):
    image = rendered_request(basic_request)["AlgorithmSpecification"]["TrainingImage"]

    result = submit(job_of(basic_request), aws_env)

    assert result.returncode == 4
    assert result.stderr == (
        f"submit: error: {image} is not in ECR; the job would fail when it pulls the image "
        f"(push it with {job_of(basic_request).parent / 'generated' / 'build_and_push.sh'}), or submit with --allow-stale\n"
    )
    assert result.stdout == ""
    assert moto_boto3("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_an_image_in_ecr_gets_no_warning(basic_request, aws_env, fresh_moto, moto_boto3):
    image = rendered_request(basic_request)["AlgorithmSpecification"]["TrainingImage"]
    repository, _, tag = image.partition("/")[2].rpartition(":")
    ecr = moto_boto3("ecr", image.split(".")[3])
    ecr.create_repository(repositoryName=repository)
    ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": []}
    ))

    result = submit(job_of(basic_request), aws_env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_wait_follows_the_job_until_it_completes(basic_request, aws_env):
    # moto marks a training job Completed as soon as it is created.
    result = submit(job_of(basic_request), aws_env, "--wait", "--allow-stale", "--poll-interval", "0.1")

    assert result.returncode == 0, result.stderr
    out = printed(result.stdout)
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(rf"submit: {out['TrainingJobName']}: Completed after 0:00:\d\d", last)
    assert out["ModelArtifacts"].endswith(f"/{out['TrainingJobName']}/output/model.tar.gz")


def test_an_invalid_job_is_reported_at_its_line_and_nothing_is_sent(basic_request, tmp_path, scripted_sagemaker):
    job = tmp_path / "job.yaml"
    job.write_text(job_of(basic_request).read_text().replace("version: 1", "version: 1\nunknown_key: true"))
    for relative in ("code", "data", "requirements.txt"):
        source = job_of(basic_request).parent / relative
        if source.exists():
            (tmp_path / relative).symlink_to(source)

    result = submit(job, scripted_sagemaker.env)

    assert result.returncode == 2, result.stderr
    assert re.search(rf"{re.escape(str(job))}:\d+:\d+: error: .*unknown_key", result.stderr)
    assert "Traceback" not in result.stderr
    assert scripted_sagemaker.calls == []


# --- AWS failures -----------------------------------------------------------------------------


def test_no_credentials_is_one_line(basic_request, moto_endpoint, tmp_path):
    env = isolated_env(tmp_path, AWS_ENDPOINT_URL=moto_endpoint)

    result = submit(job_of(basic_request), env)

    assert_one_error_line(result, 3, "no AWS credentials found")


def test_an_unknown_profile_is_one_line(basic_request, aws_env):
    result = submit(job_of(basic_request), {**aws_env, "AWS_PROFILE": "no-such-profile"})

    assert_one_error_line(result, 3, "The config profile (no-such-profile) could not be found: AWS_PROFILE names")


def test_an_unreachable_endpoint_is_one_line(basic_request, aws_env):
    port = closed_port()
    env = {**aws_env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "2"}

    result = submit(job_of(basic_request), env)

    assert_one_error_line(result, 3, "cannot reach SageMaker", f"127.0.0.1:{port}")


def test_client_side_errors_and_timeouts_are_one_line():
    from botocore.exceptions import ParamValidationError, ReadTimeoutError

    where = {"name": "job-1", "region": "eu-west-1", "role": "arn:aws:iam::123456789012:role/R"}
    invalid = ParamValidationError(report="Invalid type for parameter A\nInvalid length for parameter B")
    timeout = ReadTimeoutError(endpoint_url="https://api.sagemaker.eu-west-1.amazonaws.com/")

    assert explain(invalid, **where) == (
        "botocore rejected the request: Parameter validation failed: Invalid type for parameter A "
        "Invalid length for parameter B"
    )
    assert explain(timeout, **where) == (
        'SageMaker in eu-west-1 did not answer in time: Read timeout on endpoint URL: '
        '"https://api.sagemaker.eu-west-1.amazonaws.com/"'
    )


@pytest.mark.parametrize(
    "code, message, expected",
    [
        pytest.param("ResourceLimitExceeded", "The account-level service limit 'ml.g5.2xlarge for training job usage' is 0 Instances",
         ["CreateTrainingJob: an account quota is used up (ResourceLimitExceeded)", "is 0 Instances", "Service Quotas"], id="ResourceLimitExceeded"),
        pytest.param("ResourceInUse", "Training job names must be unique within an AWS account and region",
         ["a training job named", "already exists in", "(ResourceInUse)"], id="ResourceInUse"),
        pytest.param("AccessDeniedException", "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sagemaker:CreateTrainingJob",
         ["access denied (AccessDeniedException)", "iam:PassRole on arn:aws:iam::"], id="AccessDeniedException"),
        pytest.param("ValidationException", "1 validation error detected: Value 'x'\nat 'roleArn' failed to satisfy constraint",
         ["SageMaker rejected the request (ValidationException)", "Value 'x' at 'roleArn'"], id="ValidationException"),
        pytest.param("UnrecognizedClientException", "The security token included in the request is invalid.",
         ["AWS rejected the credentials (UnrecognizedClientException)"], id="UnrecognizedClientException"),
        pytest.param("InternalFailure", "Something broke",
         ["CreateTrainingJob failed (InternalFailure): Something broke"], id="InternalFailure"),
    ],
)
def test_an_aws_error_is_one_line(code, message, expected, basic_request, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", error(code, message))

    result = submit(job_of(basic_request), scripted_sagemaker.env)

    assert_one_error_line(result, 3, *expected)


def test_throttling_is_retried_then_reported(basic_request, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", error("ThrottlingException", "Rate exceeded"))

    result = submit(job_of(basic_request), scripted_sagemaker.env)

    # botocore's standard retry mode: 3 attempts in all.
    assert_one_error_line(result, 3, "throttled (ThrottlingException) after 3 attempts: Rate exceeded")
    assert scripted_sagemaker.operations() == ["DescribeImages"] + ["CreateTrainingJob"] * 3


def test_throttling_that_clears_up_is_not_an_error(basic_request, scripted_sagemaker):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"
    scripted_sagemaker.answer("CreateTrainingJob", error("ThrottlingException", "Rate exceeded"), (200, {"TrainingJobArn": arn}))

    result = submit(job_of(basic_request), scripted_sagemaker.env)

    assert result.returncode == 0, result.stderr
    assert printed(result.stdout)["TrainingJobArn"] == arn
    first, second = scripted_sagemaker.bodies("CreateTrainingJob")
    assert first == second and first["TrainingJobName"] == printed(result.stdout)["TrainingJobName"]


def test_an_image_check_that_cannot_be_made_is_skipped(basic_request, scripted_sagemaker):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"
    scripted_sagemaker.answer("DescribeImages", error("AccessDeniedException", "not authorized to perform: ecr:DescribeImages"))
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": arn}))

    result = submit(job_of(basic_request), scripted_sagemaker.env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert scripted_sagemaker.operations() == ["DescribeImages", "CreateTrainingJob"]


def test_wait_reports_progress_and_the_failure_reason(basic_request, scripted_sagemaker):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"
    reason = "AlgorithmError: ExecuteUserScriptError:\nCommand \"python3 train.py\" exited 1"
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": arn}))
    scripted_sagemaker.answer(
        "DescribeTrainingJob",
        (200, {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting"}),
        (200, {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting"}),
        (200, {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Training"}),
        (200, {"TrainingJobStatus": "Failed", "SecondaryStatus": "Failed", "FailureReason": reason}),
    )

    result = submit(job_of(basic_request), scripted_sagemaker.env, "--wait", "--no-logs", "--poll-interval", "0.01")

    assert result.returncode == 1, result.stderr
    name = printed(result.stdout)["TrainingJobName"]
    lines = result.stderr.splitlines()
    # Not a terminal: one line per change of status, not one per poll.
    assert [re.sub(r"\d+:\d\d:\d\d", "T", line) for line in lines] == [
        f"submit: {name}: InProgress / Starting, T elapsed",
        f"submit: {name}: InProgress / Training, T elapsed",
        f'submit: {name}: Failed after T: AlgorithmError: ExecuteUserScriptError: Command "python3 train.py" exited 1',
    ]
    assert scripted_sagemaker.operations() == ["DescribeImages", "CreateTrainingJob"] + ["DescribeTrainingJob"] * 4
    assert scripted_sagemaker.bodies("DescribeTrainingJob") == [{"TrainingJobName": name}] * 4


def test_wait_treats_a_stopped_job_as_not_done(basic_request, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer("DescribeTrainingJob", (200, {"TrainingJobStatus": "Stopped", "SecondaryStatus": "Stopped"}))

    result = submit(job_of(basic_request), scripted_sagemaker.env, "--wait")

    assert result.returncode == 1
    name = printed(result.stdout)["TrainingJobName"]
    assert re.fullmatch(rf"submit: {name}: Stopped after 0:00:\d\d: no reason given\n", result.stderr)


def test_an_error_while_waiting_is_one_line(basic_request, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer("DescribeTrainingJob", error("AccessDeniedException", "not authorized to perform: sagemaker:DescribeTrainingJob"))

    result = submit(job_of(basic_request), scripted_sagemaker.env, "--wait")

    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "submit: error: DescribeTrainingJob: access denied (AccessDeniedException): not authorized to perform: "
        "sagemaker:DescribeTrainingJob (the caller needs sagemaker:DescribeTrainingJob, and iam:PassRole on "
        + load_request(basic_request)["RoleArn"] + ")"
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_line_rewritten_and_a_new_one_per_change():
    terminal = Terminal()
    progress = Progress(terminal, "job-1")

    progress.show("InProgress", "Starting", 5)
    progress.show("InProgress", "Starting", 65)
    progress.show("InProgress", "Training", 3725)
    progress.finish()

    assert terminal.getvalue() == (
        "\rsubmit: job-1: InProgress / Starting, 0:00:05 elapsed\033[K"
        "\rsubmit: job-1: InProgress / Starting, 0:01:05 elapsed\033[K\n"
        "\rsubmit: job-1: InProgress / Training, 1:02:05 elapsed\033[K\n"
    )


def test_on_a_terminal_log_lines_keep_each_status_once_and_the_open_line_below_them():
    terminal = Terminal()
    progress = Progress(terminal, "job-1")

    progress.show("InProgress", "Training", 5)
    progress.clear()  # log lines follow: a status not kept yet stays as a line
    terminal.write("log 1\n")
    progress.show("InProgress", "Training", 35)
    progress.clear()  # the same status again: erased, written again below the logs
    terminal.write("log 2\n")
    progress.show("InProgress", "Uploading", 65)
    progress.finish()

    assert terminal.getvalue() == (
        "\rsubmit: job-1: InProgress / Training, 0:00:05 elapsed\033[K\n"
        "log 1\n"
        "\rsubmit: job-1: InProgress / Training, 0:00:35 elapsed\033[K\r\033[K"
        "log 2\n"
        "\rsubmit: job-1: InProgress / Uploading, 0:01:05 elapsed\033[K\n"
    )


def test_off_a_terminal_progress_repeats_an_unchanged_status_only_now_and_then():
    stream = io.StringIO()
    progress = Progress(stream, "job-1")

    for elapsed in range(0, 1300, 30):
        progress.show("InProgress", "Training", elapsed)

    assert stream.getvalue().splitlines() == [
        "submit: job-1: InProgress / Training, 0:00:00 elapsed",
        "submit: job-1: InProgress / Training, 0:10:00 elapsed",
        "submit: job-1: InProgress / Training, 0:20:00 elapsed",
    ]


# --- the name -------------------------------------------------------------------------------


@settings(max_examples=500)
@given(
    base=st.from_regex(JOB_NAME, fullmatch=True),
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(timezone.utc)),
)
def test_unique_name_is_a_valid_job_name_made_of_the_base_and_the_time(base, moment):
    name = unique_job_name(base, moment)

    assert len(name) <= NAME_MAX
    assert JOB_NAME.fullmatch(name), name
    match = STAMPED_NAME.fullmatch(name)
    assert match["stamp"] == moment.strftime("%Y%m%d%H%M%S")
    kept, room = match["base"], NAME_MAX - len("-YYYYmmddHHMMSS")
    assert base.startswith(kept) and not kept.endswith("-")
    # As much of the base as fits: only hyphens were dropped from the part that had room.
    assert set(base[len(kept) : room]) <= {"-"}, (base, kept)


def test_unique_name_examples():
    moment = datetime(2026, 11, 28, 6, 15, 0, tzinfo=timezone.utc)
    assert unique_job_name("mnist", moment) == "mnist-20261128061500"
    assert unique_job_name("a" * 63, moment) == "a" * 48 + "-20261128061500"
    assert unique_job_name("a" * 47 + "-b", moment) == "a" * 47 + "-20261128061500"
