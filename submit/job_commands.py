"""The commands that take a job's name instead of job.yaml: status, logs and stop.

They act on a training job (or, with --tuning, a hyperparameter tuning job for status and stop)
that already exists, in the region of --region or of the AWS configuration.

Exit status: 0 done (`logs --follow`: the job completed); 1 `logs --follow`: the job failed or
was stopped; 2 no job of that name in that region, or no region; 3 AWS refused a call or could
not be reached. Every problem is one line on stderr: `status: error: …`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sagemaker_byoc.submit import connection, watch
from sagemaker_byoc.submit.job_logs import JobLogs, host_count

EXIT_OK, EXIT_NOT_FOUND = 0, 2
# The transitions `status` shows: the latest ones.
TRANSITIONS_SHOWN = 5
NOT_FOUND_CODES = {"ResourceNotFound", "ResourceNotFoundException"}
# SageMaker answers a name it does not know with a ValidationException whose message says so
# ("Requested resource not found."; moto: "Could not find training job …").
NOT_FOUND_MESSAGES = ("could not find", "not found")
ENDING_STATUSES = ("Stopping",)


class NoSuchJob(Exception):
    pass


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the job's name, as submit printed it")
    parser.add_argument("--region", help="the job's region (default: AWS_DEFAULT_REGION or the AWS configuration's)")
    parser.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE or the default profile)")


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--tuning", action="store_true", help="NAME is a hyperparameter tuning job")


def add_logs_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--follow", action="store_true",
                        help="go on printing new lines until the job ends; exit 1 if it fails or is stopped")
    parser.add_argument("--poll-interval", type=watch.positive_seconds, default=watch.DEFAULT_POLL_S, metavar="SECONDS",
                        help=f"seconds between polls with --follow (default: {watch.DEFAULT_POLL_S:g})")


def add_stop_arguments(parser: argparse.ArgumentParser) -> None:
    add_status_arguments(parser)


def status(args: argparse.Namespace) -> int:
    return _run("status", args, _status_of_tuning_job if args.tuning else _status_of_training_job)


def logs(args: argparse.Namespace) -> int:
    return _run("logs", args, _logs)


def stop(args: argparse.Namespace) -> int:
    return _run("stop", args, _stop)


def _run(program: str, args: argparse.Namespace, action: Any) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    kind = "tuning job" if getattr(args, "tuning", False) else "training job"
    region = args.region
    try:
        session = connection.aws_session(args.region, args.profile)
        region = session.region_name
        if not region:
            print(f"{program}: error: no region: pass --region, or set AWS_DEFAULT_REGION", file=sys.stderr)
            return EXIT_NOT_FOUND
        client = session.client("sagemaker", config=connection.client_config())
        return action(program, session, client, args.name, region, args)
    except NoSuchJob:
        print(f"{program}: error: no {kind} named {args.name} in {region}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (BotoCoreError, ClientError, ValueError) as error:
        print(f"{program}: error: {connection.explain(error, name=args.name, region=region or '?', role=None, kind=kind)}", file=sys.stderr)
        return connection.EXIT_AWS


def _describe(call: Any, **name: str) -> dict[str, Any]:
    """The Describe… answer, or NoSuchJob when SageMaker knows no job of that name."""
    from botocore.exceptions import ClientError

    try:
        return call(**name)
    except ClientError as error:
        details = error.response.get("Error", {})
        message = (details.get("Message") or "").lower()
        if details.get("Code") in NOT_FOUND_CODES or (
            details.get("Code") == "ValidationException" and any(words in message for words in NOT_FOUND_MESSAGES)
        ):
            raise NoSuchJob from None
        raise


def describe_training_job(client: Any, name: str) -> dict[str, Any]:
    return _describe(client.describe_training_job, TrainingJobName=name)


def describe_tuning_job(client: Any, name: str) -> dict[str, Any]:
    return _describe(client.describe_hyper_parameter_tuning_job, HyperParameterTuningJobName=name)


def _status_of_training_job(program: str, session: Any, client: Any, name: str, region: str, args: argparse.Namespace) -> int:
    described = describe_training_job(client, name)
    lines = [
        ("TrainingJobName", name),
        ("TrainingJobStatus", described.get("TrainingJobStatus")),
        ("SecondaryStatus", described.get("SecondaryStatus")),
        ("FailureReason", connection.one_line(described["FailureReason"]) if described.get("FailureReason") else None),
        ("BillableTimeInSeconds", described.get("BillableTimeInSeconds")),
        ("ModelArtifacts", described.get("ModelArtifacts", {}).get("S3ModelArtifacts")),
    ]
    for key, value in lines:
        if value is not None and value != "":
            print(f"{key}: {value}")
    transitions = described.get("SecondaryStatusTransitions") or []
    if transitions:
        print("SecondaryStatusTransitions:")
        for transition in transitions[-TRANSITIONS_SHOWN:]:
            print("  " + format_transition(transition))
    return EXIT_OK


def format_transition(transition: dict[str, Any]) -> str:
    """`2026-11-28 09:01:02 Training: Downloading the training image` (start time in UTC)."""
    started = transition.get("StartTime")
    when = _utc(started) if started is not None else "?"
    message = connection.one_line(transition.get("StatusMessage") or "")
    return f"{when} {transition.get('Status', '?')}" + (f": {message}" if message else "")


def _utc(moment: Any) -> str:
    from datetime import datetime, timezone

    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return str(moment)


def _status_of_tuning_job(program: str, session: Any, client: Any, name: str, region: str, args: argparse.Namespace) -> int:
    from sagemaker_byoc.submit.tuning import describe_progress  # the compiler's modules, only when needed

    described = describe_tuning_job(client, name)
    print(f"HyperParameterTuningJobName: {name}")
    print(f"HyperParameterTuningJobStatus: {described.get('HyperParameterTuningJobStatus')}")
    print(f"TrainingJobs: {describe_progress(described)}")
    if described.get("FailureReason"):
        print(f"FailureReason: {connection.one_line(described['FailureReason'])}")
    best = described.get("BestTrainingJob")
    if best:
        print(f"BestTrainingJob: {best.get('TrainingJobName')}")
    return EXIT_OK


def _logs(program: str, session: Any, client: Any, name: str, region: str, args: argparse.Namespace) -> int:
    described = describe_training_job(client, name)
    job_logs = JobLogs(session.client("logs", config=connection.client_config()), name, host_count(described),
                       program=program, warn=args.follow)
    if args.follow:
        return watch.wait_for_job(client, name, region, args.poll_interval, logs=job_logs, program=program)
    printed = job_logs.show_new()
    if job_logs.problem is not None:
        print(f"{program}: error: {job_logs.problem}", file=sys.stderr)
        return connection.EXIT_AWS
    if printed == 0:
        print(f"{program}: {name} has no log lines yet ({described.get('TrainingJobStatus')})", file=sys.stderr)
    return EXIT_OK


def _stop(program: str, session: Any, client: Any, name: str, region: str, args: argparse.Namespace) -> int:
    if args.tuning:
        described = describe_tuning_job(client, name)
        state = described.get("HyperParameterTuningJobStatus")
        stop_call = lambda: client.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)  # noqa: E731
    else:
        described = describe_training_job(client, name)
        state = described.get("TrainingJobStatus")
        stop_call = lambda: client.stop_training_job(TrainingJobName=name)  # noqa: E731
    if state in watch.TERMINAL_STATUSES:
        print(f"{program}: {name} is already {state}; nothing to stop", file=sys.stderr)
        return EXIT_OK
    if state in ENDING_STATUSES:
        print(f"{program}: {name} is already stopping", file=sys.stderr)
        return EXIT_OK
    stop_call()
    print(f"{program}: stopping {name} (it was {state}); it ends as Stopped", file=sys.stderr)
    return EXIT_OK
