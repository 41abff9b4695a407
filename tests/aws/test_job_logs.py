"""Streaming a training job's CloudWatch logs (submit/job_logs.py) while submit --wait polls:
lines that hosts put into moto's CloudWatch Logs while the job "runs" are printed once each, in
time order, prefixed by their host when there are several; streams that start late are picked
up; the tail is read after the job ends; problems never end the waiting."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from sagemaker_byoc.submit.job_logs import LOG_GROUP, JobLogs, host_count, host_of
from sagemaker_byoc.submit.watch import wait_for_job
from tests.aws.conftest import REGION
from tests.aws.sagemaker_roundtrip import REPO_ROOT
from tests.aws.scripted_aws import error

JOB = "mnist-20261128090000"
EPOCH = "1764320400"
DDP_JOB = REPO_ROOT / "examples" / "ddp" / "job.yaml"
BASIC_JOB = REPO_ROOT / "examples" / "basic" / "job.yaml"


class Hosts:
    """Puts lines into moto's CloudWatch Logs the way SageMaker's hosts do: one stream per host,
    created when the host logs its first line."""

    def __init__(self, logs_client, job: str) -> None:
        self.logs = logs_client
        self.job = job
        self.start_ms = int(time.time() * 1000) - 60_000

    def log(self, host: str, offset_ms: int, *messages: str) -> None:
        if not self.logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]:
            self.logs.create_log_group(logGroupName=LOG_GROUP)
        stream = f"{self.job}/{host}-{EPOCH}"
        existing = self.logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=stream)["logStreams"]
        if not existing:
            self.logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        events = [{"timestamp": self.start_ms + offset_ms + index, "message": message} for index, message in enumerate(messages)]
        self.logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)


class DescribeScript:
    """DescribeTrainingJob answers in turn (the last repeated); moto's own jobs are Completed at once."""

    def __init__(self, *statuses: tuple[str, str]) -> None:
        self.answers = [{"TrainingJobStatus": status, "SecondaryStatus": secondary} for status, secondary in statuses]
        self.calls = 0

    def describe_training_job(self, TrainingJobName: str) -> dict:
        self.calls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def sleeper(*actions: Callable[[], None] | None) -> Callable[[float], None]:
    """A sleep() during which the hosts do the next thing in actions."""
    remaining = list(actions)

    def sleep(seconds: float) -> None:
        if remaining:
            action = remaining.pop(0)
            if action is not None:
                action()

    return sleep


def test_two_hosts_lines_are_printed_once_each_in_time_order_with_the_tail(moto_boto3, fresh_moto, capsys):
    logs = moto_boto3("logs")
    hosts = Hosts(logs, JOB)
    sagemaker = DescribeScript(
        ("InProgress", "Starting"), ("InProgress", "Training"), ("InProgress", "Training"), ("InProgress", "Training"),
        ("Completed", "Completed"),
    )
    sleep = sleeper(
        # After the first poll (no log group yet): algo-1 starts.
        lambda: hosts.log("algo-1", 0, "a1 one", "a1 two"),
        # algo-2 starts later, with a line older than algo-1's newest one.
        lambda: (hosts.log("algo-2", 10, "a2 one"), hosts.log("algo-1", 20, "a1 three")),
        None,  # a poll with nothing new: nothing printed twice
        lambda: hosts.log("algo-2", 30, "a2 two\nwith a second line"),
        # The pause after the job ended: the last line reaches CloudWatch late.
        lambda: hosts.log("algo-1", 40, "a1 after the end"),
    )
    job_logs = JobLogs(logs, JOB, hosts=2)

    status = wait_for_job(sagemaker, JOB, REGION, 30.0, logs=job_logs, sleep=sleep)

    captured = capsys.readouterr()
    assert status == 0
    assert captured.out.splitlines() == [
        "[algo-1] a1 one",
        "[algo-1] a1 two",
        "[algo-2] a2 one",
        "[algo-1] a1 three",
        "[algo-2] a2 two",
        "[algo-2] with a second line",
        "[algo-1] a1 after the end",
    ]
    assert [re.sub(r"\d+:\d\d:\d\d", "T", line) for line in captured.err.splitlines()] == [
        f"submit: {JOB}: InProgress / Starting, T elapsed",
        f"submit: {JOB}: InProgress / Training, T elapsed",
        f"submit: {JOB}: Completed after T",
    ]
    assert sagemaker.calls == 5


def test_ctrl_c_stops_the_waiting_and_says_how_to_stop_the_job(moto_boto3, fresh_moto, capsys):
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    logs = JobLogs(moto_boto3("logs"), JOB, hosts=1)
    status = wait_for_job(DescribeScript(("InProgress", "Training")), JOB, "eu-west-1", 30.0, logs=logs, program="logs", sleep=interrupted)

    assert status == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"logs: stopped waiting; {JOB} goes on. To stop it: sagemaker-byoc stop --region eu-west-1 {JOB}"
    )


def test_one_host_gets_no_prefix_and_a_finished_job_is_read_without_waiting(moto_boto3, fresh_moto, capsys):
    logs = moto_boto3("logs")
    hosts = Hosts(logs, JOB)
    hosts.log("algo-1", 0, "epoch 1: loss 0.5", "epoch 2: loss 0.25\n")
    # Another job whose name starts with this one's: its streams are not this job's.
    Hosts(logs, f"{JOB}-2").log("algo-1", 5, "someone else's line")

    def no_sleep(seconds: float) -> None:
        raise AssertionError("a job that had ended at the first poll needs no pause")

    status = wait_for_job(DescribeScript(("Completed", "Completed")), JOB, REGION, 30.0, logs=JobLogs(logs, JOB, hosts=1), sleep=no_sleep)

    assert status == 0
    assert capsys.readouterr().out.splitlines() == ["epoch 1: loss 0.5", "epoch 2: loss 0.25"]


def test_many_streams_and_pages_are_all_read(moto_boto3, fresh_moto, capsys):
    # describe_log_streams pages at 50 streams by default: 60 hosts take two pages.
    logs = moto_boto3("logs")
    hosts = Hosts(logs, JOB)
    for number in range(1, 61):
        hosts.log(f"algo-{number}", number, f"hello from {number}")

    counting = CountingClient(logs)
    job_logs = JobLogs(counting, JOB, hosts=60)

    printed = job_logs.show_new()
    again = job_logs.show_new()

    assert (printed, again) == (60, 0)
    assert capsys.readouterr().out.splitlines() == [f"[algo-{number}] hello from {number}" for number in range(1, 61)]
    # A stream's end is where the token comes back unchanged: two reads per stream the first
    # time (the lines, then the end), one per stream after.
    assert counting.calls.count("get_log_events") == 60 * 2 + 60
    assert counting.calls.count("describe_log_streams") == 2 * 2


class CountingClient:
    """A boto3 client that records the operations called through it."""

    def __init__(self, client) -> None:
        self.client = client
        self.calls: list[str] = []

    def __getattr__(self, operation: str):
        self.calls.append(operation)
        return getattr(self.client, operation)


def test_a_stream_longer_than_a_page_is_read_whole_from_its_head(moto_boto3, fresh_moto, capsys):
    # GetLogEvents answers at most 10000 events a call: the first line is on the first page only
    # when the stream is read from its head, and the last one only by following the token.
    logs = moto_boto3("logs")
    hosts = Hosts(logs, JOB)
    for first in range(0, 10_001, 5_000):
        hosts.log("algo-1", first, *(f"line {number}" for number in range(first, min(first + 5_000, 10_001))))

    printed = JobLogs(logs, JOB, hosts=1).show_new()

    lines = capsys.readouterr().out.splitlines()
    assert printed == 10_001
    assert (lines[0], lines[-1], len(set(lines))) == ("line 0", "line 10000", 10_001)


@pytest.mark.parametrize(
    "stream, host",
    [
        (f"{JOB}/algo-1-{EPOCH}", "algo-1"),
        (f"{JOB}/algo-12-{EPOCH}", "algo-12"),
        (f"{JOB}/algo-3", "algo-3"),  # no epoch: the name is kept whole
        (f"{JOB}/algo-1-12345", "algo-1-12345"),  # too short for epoch seconds
    ],
)
def test_the_host_is_the_stream_name_without_the_job_and_the_epoch(stream, host):
    assert host_of(stream, JOB) == host


def test_host_count_adds_up_instance_groups():
    assert host_count({"ResourceConfig": {"InstanceCount": 3}}) == 3
    assert host_count({"ResourceConfig": {"InstanceGroups": [{"InstanceCount": 2}, {"InstanceCount": 1}]}}) == 3
    assert host_count({}) == 1


# --- through the command, as users run it ------------------------------------------------------


def submit(job: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", "submit", str(job), *options],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def running(*secondary: str) -> list[tuple[int, dict]]:
    return [(200, {"TrainingJobStatus": "InProgress", "SecondaryStatus": state}) for state in secondary]


def test_submit_wait_streams_every_hosts_logs(scripted_sagemaker, moto_endpoint, fresh_moto, moto_boto3):
    """SageMaker scripted (a job that runs for four polls), CloudWatch Logs from moto; the hosts
    log while the job runs."""
    logs = moto_boto3("logs")
    hosts: list[Hosts] = []

    def host_logs(host: str, offset: int, *messages: str) -> Callable[[], None]:
        def act() -> None:
            if not hosts:
                hosts.append(Hosts(logs, scripted_sagemaker.bodies("CreateTrainingJob")[0]["TrainingJobName"]))
            hosts[0].log(host, offset, *messages)
        return act

    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer(
        "DescribeTrainingJob",
        *running("Starting", "Training", "Training"),
        (200, {"TrainingJobStatus": "Completed", "SecondaryStatus": "Completed", "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"}}),
    )
    scripted_sagemaker.before(
        "DescribeTrainingJob",
        None,
        host_logs("algo-1", 0, "rank 0 ready"),
        host_logs("algo-2", 1, "rank 1 ready"),
        host_logs("algo-1", 2, "done"),
    )
    env = {**scripted_sagemaker.env, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": moto_endpoint}

    result = submit(DDP_JOB, env, "--wait", "--poll-interval", "0.01")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [line for line in lines if line.startswith("TrainingJob")]
    assert lines[2:] == ["[algo-1] rank 0 ready", "[algo-2] rank 1 ready", "[algo-1] done", "ModelArtifacts: s3://b/m.tar.gz"]


def test_logs_that_cannot_be_read_are_left_out_and_the_wait_goes_on(basic_request_job, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer("DescribeTrainingJob", *running("Training", "Training"), (200, {"TrainingJobStatus": "Completed"}))
    scripted_sagemaker.answer("DescribeLogStreams", error("AccessDeniedException", "not authorized to perform: logs:DescribeLogStreams"))

    result = submit(basic_request_job, scripted_sagemaker.env, "--wait", "--poll-interval", "0.01")

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"submit: warning: cannot read the logs of {scripted_sagemaker.bodies('CreateTrainingJob')[0]['TrainingJobName']} "
        f"from {LOG_GROUP}: DescribeLogStreams failed (AccessDeniedException): not authorized to perform: "
        "logs:DescribeLogStreams; the logs are left out from here on"
    ]
    assert scripted_sagemaker.operations().count("DescribeLogStreams") == 1
    assert scripted_sagemaker.operations().count("DescribeTrainingJob") == 3


def test_throttled_logs_are_tried_again_at_the_next_poll(basic_request_job, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer("DescribeTrainingJob", *running("Training"), (200, {"TrainingJobStatus": "Completed"}))
    # Three throttled answers use up botocore's three attempts of the first poll.
    throttled = error("ThrottlingException", "Rate exceeded")
    scripted_sagemaker.answer("DescribeLogStreams", throttled, throttled, throttled, (200, {"logStreams": []}))

    result = submit(basic_request_job, scripted_sagemaker.env, "--wait", "--poll-interval", "0.01")

    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "Traceback" not in result.stderr
    # 3 attempts at the first poll, then one call at the second and one after the pause.
    assert scripted_sagemaker.operations().count("DescribeLogStreams") == 5


def test_no_logs_only_polls(basic_request_job, scripted_sagemaker):
    scripted_sagemaker.answer("CreateTrainingJob", (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}))
    scripted_sagemaker.answer("DescribeTrainingJob", *running("Training"), (200, {"TrainingJobStatus": "Completed"}))

    result = submit(basic_request_job, scripted_sagemaker.env, "--wait", "--no-logs", "--poll-interval", "0.01")

    assert result.returncode == 0, result.stderr
    assert "DescribeLogStreams" not in scripted_sagemaker.operations()


@pytest.fixture
def basic_request_job() -> Path:
    assert BASIC_JOB.exists(), "examples/basic/job.yaml is missing"
    return BASIC_JOB


def test_a_line_cannot_forge_another_hosts_prefix_but_keeps_its_colours():
    """A carriage return, another line break or a cursor-moving escape would put text over the
    prefix: each break starts a prefixed line, and the controls that move the cursor are shown."""
    from sagemaker_byoc.submit.job_logs import shown_lines

    assert shown_lines("epoch 1\r[algo-2] fake") == ["epoch 1", "[algo-2] fake"]
    assert shown_lines("a\r\nb\x0bc\x85d\u2028e") == ["a", "b", "c", "d", "e"]
    assert shown_lines("x\x1b[1G[algo-2] y\x08\x08") == ["x\\x1b[1G[algo-2] y\\x08\\x08"]
    assert shown_lines("\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m") == ["\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m"]
