"""The submit subcommand: start a compiled job on SageMaker with CreateTrainingJob, through boto3.

The request is the one create_training_job.json holds, rendered afresh in memory, with a unique
name `<name>-<UTC YYYYmmddHHMMSS>`. boto3 finds credentials and honours AWS_ENDPOINT_URL as usual;
the region is always the job's. Before submitting, ECR is asked whether the request's image was
pushed and, under an explicit image.tag, built from the job's inputs as they are now
(compiler/image_guard.py); if not, nothing is submitted unless --allow-stale. Retries follow
botocore's standard mode (throttling and connection errors are retried with backoff;
AWS_MAX_ATTEMPTS sets the number of attempts).

Exit status: 0 submitted (with --wait: completed); 1 with --wait, the job failed or was stopped;
2 invalid job.yaml (reported by the compiler); 3 AWS refused the request or could not be reached;
4 the image is missing from ECR or stale, nothing was submitted.
Every AWS problem is one line on stderr: `submit: error: …`. With --tune the job's tuning job is
started instead (compiler/submit_tuning.py).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable

from sagemaker_byoc.compiler import image_guard
from sagemaker_byoc.compiler.job_logs import JobLogs, host_count
from sagemaker_byoc.compiler.pipeline import Compiled
from sagemaker_byoc.compiler.render import request_json

EXIT_OK, EXIT_JOB_FAILED, EXIT_AWS, EXIT_IMAGE, EXIT_INTERRUPTED = 0, 1, 3, 4, 130
NAME_MAX = 63
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"
TERMINAL_STATUSES = ("Completed", "Failed", "Stopped")
DEFAULT_POLL_S = 30.0
# Without a terminal, a progress line is printed when the status changes, and at least this often.
HEARTBEAT_S = 600.0
# After a job ends, its logs are read once more after this pause (at most one poll interval).
DRAIN_PAUSE_S = 5.0
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

ACCESS_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
BAD_CREDENTIALS = {
    "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
    "SignatureDoesNotMatch", "IncompleteSignature", "ExpiredToken", "ExpiredTokenException",
}
THROTTLED = {"ThrottlingException", "Throttling", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the final request as JSON and send nothing")
    parser.add_argument("--wait", action="store_true",
                        help="follow the job until it ends; exit 1 if it fails or is stopped")
    parser.add_argument("--no-logs", action="store_true",
                        help="with --wait, follow the job's status only, without streaming its CloudWatch logs")
    parser.add_argument("--poll-interval", type=_positive_seconds, default=DEFAULT_POLL_S, metavar="SECONDS",
                        help=f"seconds between Describe… calls with --wait (default: {DEFAULT_POLL_S:g})")
    parser.add_argument("--allow-stale", action="store_true",
                        help="submit even when ECR lacks the image, or the image under an explicit image.tag was built from other inputs")
    parser.add_argument("--tune", action="store_true",
                        help="start the job's hyperparameter tuning job (its tuning: section) instead of one training job")


def run(compiled: Compiled, args: argparse.Namespace) -> int:
    if args.tune:
        from sagemaker_byoc.compiler import submit_tuning

        return submit_tuning.run(compiled, args)
    job = compiled.job
    name = unique_job_name(job.name, datetime.now(timezone.utc))
    request = {**compiled.rendered.request.body, "TrainingJobName": name}
    if args.dry_run:
        sys.stdout.write(request_json(request).decode())
        return EXIT_OK

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = aws_session(job.region)
        if not image_ready(session, compiled, args):
            return EXIT_IMAGE
        client = session.client("sagemaker", config=client_config())
        arn = client.create_training_job(**request)["TrainingJobArn"]
        print(f"TrainingJobName: {name}")
        print(f"TrainingJobArn: {arn}", flush=True)
        if not args.wait:
            return EXIT_OK
        logs = None if args.no_logs else JobLogs(session.client("logs", config=client_config()), name, host_count(request))
        return wait_for_job(client, name, job.region, args.poll_interval, logs=logs)
    except (BotoCoreError, ClientError, ValueError) as error:
        print(f"submit: error: {explain(error, name=name, region=job.region, role=job.role)}", file=sys.stderr)
        return EXIT_AWS


def unique_job_name(base: str, moment: datetime, limit: int = NAME_MAX) -> str:
    """`<base>-<UTC timestamp>`, the base shortened so the whole fits the name's limit
    (TrainingJobName's 63 by default)."""
    stamp = moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
    room = limit - len(stamp) - 1
    return f"{base[:room].rstrip('-')}-{stamp}"


def aws_session(region: str | None, profile: str | None = None) -> Any:
    """A boto3 session; region None: the AWS configuration's."""
    import boto3

    return boto3.session.Session(region_name=region, profile_name=profile)


def client_config(max_attempts: int | None = None) -> Any:
    from botocore.config import Config

    retries: dict[str, Any] = {"mode": "standard"}
    if max_attempts is not None:
        retries["max_attempts"] = max_attempts
    return Config(
        retries=retries,
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        user_agent_extra="sagemaker-byoc",
    )


def image_ready(session: Any, compiled: Compiled, args: argparse.Namespace) -> bool:
    """The image guard (compiler/image_guard.py) for this compiled job; False: do not submit."""
    rendered = compiled.rendered
    return image_guard.check_image(
        session, client_config(max_attempts=1), compiled.job.account, rendered.image_uri, rendered.inputs_tag,
        compiled.out_dir / "build_and_push.sh", args.allow_stale,
    )


def wait_for_job(
    client: Any,
    name: str,
    region: str,
    poll_s: float,
    *,
    logs: JobLogs | None = None,
    program: str = "submit",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll DescribeTrainingJob until the job ends; report progress on stderr and, with logs,
    stream the job's logs on stdout."""
    return follow(
        name,
        lambda: client.describe_training_job(TrainingJobName=name),
        "TrainingJobStatus",
        lambda described: described.get("SecondaryStatus", ""),
        lambda described, name, elapsed: report_end(described, name, elapsed, program),
        f"sagemaker-byoc stop --region {region} {name}",
        poll_s,
        logs=logs,
        program=program,
        clock=clock,
        sleep=sleep,
    )


def follow(
    name: str,
    describe: Callable[[], dict[str, Any]],
    status_key: str,
    detail: Callable[[dict[str, Any]], str],
    report_end: Callable[[dict[str, Any], str, float], int],
    stop_command: str,
    poll_s: float,
    *,
    logs: JobLogs | None = None,
    program: str = "submit",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll a job (a training or a tuning job) until its status is terminal, with a progress
    line on stderr; report_end says how it ended. With logs, the lines that arrived since the
    last poll are printed at each poll, and once more after a pause when the job has ended
    (CloudWatch receives the last lines a few seconds late). Ctrl-C stops the waiting, not the job."""
    started = clock()
    progress = Progress(sys.stderr, name, program)
    if logs is not None:
        logs.before_output = progress.clear
    seen_running = False
    try:
        while True:
            described = describe()
            status = described[status_key]
            elapsed = clock() - started
            if logs is not None:
                logs.show_new()
            if status in TERMINAL_STATUSES:
                if logs is not None and seen_running:
                    sleep(min(poll_s, DRAIN_PAUSE_S))
                    logs.show_new()
                progress.finish()
                return report_end(described, name, clock() - started)
            seen_running = True
            progress.show(status, detail(described), elapsed)
            sleep(poll_s)
    except KeyboardInterrupt:
        progress.finish()
        print(f"{program}: stopped waiting; {name} goes on. To stop it: {stop_command}", file=sys.stderr)
        return EXIT_INTERRUPTED


class Progress:
    """One line per status change; on a terminal, a single line rewritten at every poll."""

    def __init__(self, stream: Any, name: str, program: str = "submit") -> None:
        self.stream = stream
        self.name = name
        self.program = program
        self.interactive = stream.isatty()
        self.last_state: tuple[str, str] | None = None
        self.kept_state: tuple[str, str] | None = None  # the last status left on a line of its own
        self.last_printed_s = 0.0
        self.open_line = False

    def show(self, status: str, secondary: str, elapsed_s: float) -> None:
        line = f"{self.program}: {self.name}: {status}" + (f" / {secondary}" if secondary else "") + f", {format_elapsed(elapsed_s)} elapsed"
        changed = (status, secondary) != self.last_state
        if self.interactive:
            if changed and self.open_line:
                self.stream.write("\n")
                self.kept_state = self.last_state
            self.stream.write(f"\r{line}\033[K")
            self.open_line = True
        elif changed or elapsed_s - self.last_printed_s >= HEARTBEAT_S:
            self.stream.write(line + "\n")
            self.last_printed_s = elapsed_s
        self.stream.flush()
        self.last_state = (status, secondary)

    def clear(self) -> None:
        """Make way for other output (log lines) at the beginning of a line: a status shown for
        the first time stays as a line of its own; a status already kept so is erased, and
        the next show() writes it again below the other output."""
        if not self.open_line:
            return
        if self.last_state == self.kept_state:
            self.stream.write("\r\033[K")
        else:
            self.stream.write("\n")
            self.kept_state = self.last_state
        self.stream.flush()
        self.open_line = False

    def finish(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


def report_end(described: dict[str, Any], name: str, elapsed_s: float, program: str = "submit") -> int:
    """How a training job ended: the model's S3 URI on stdout, or the failure reason on stderr."""
    status = described["TrainingJobStatus"]
    took = format_elapsed(elapsed_s)
    if status == "Completed":
        print(f"{program}: {name}: Completed after {took}", file=sys.stderr)
        artifacts = described.get("ModelArtifacts", {}).get("S3ModelArtifacts")
        if artifacts:
            print(f"ModelArtifacts: {artifacts}")
        return EXIT_OK
    reason = one_line(described.get("FailureReason") or "no reason given")
    print(f"{program}: {name}: {status} after {took}: {reason}", file=sys.stderr)
    return EXIT_JOB_FAILED


def format_elapsed(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def explain(error: Exception, *, name: str, region: str, role: str | None, kind: str = "training job") -> str:
    """One line saying what went wrong with AWS and, where it is clear, what to do."""
    from botocore import exceptions as boto

    if isinstance(error, boto.NoCredentialsError):
        return ("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or run 'aws configure'")
    if isinstance(error, boto.ProfileNotFound):
        return f"{one_line(str(error))}: AWS_PROFILE names a profile that no AWS configuration file defines"
    if isinstance(error, (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ConnectionClosedError)):
        return f"cannot reach SageMaker in {region}: {one_line(str(error))}"
    if isinstance(error, boto.ReadTimeoutError):
        return f"SageMaker in {region} did not answer in time: {one_line(str(error))}"
    if isinstance(error, boto.ParamValidationError):
        return f"botocore rejected the request: {one_line(str(error))}"
    if isinstance(error, boto.ClientError):
        return _explain_client_error(error, name=name, region=region, role=role, kind=kind)
    if isinstance(error, ValueError):
        return f"cannot create the SageMaker client: {one_line(str(error))}"
    return one_line(str(error))


def _explain_client_error(error: Any, *, name: str, region: str, role: str | None, kind: str) -> str:
    details = error.response.get("Error", {})
    code = details.get("Code", "Unknown")
    message = one_line(details.get("Message") or "no message")
    operation = error.operation_name
    if code in ACCESS_DENIED:
        needs = f"sagemaker:{operation}" + (f", and iam:PassRole on {role}" if role else "")
        return f"{operation}: access denied ({code}): {message} (the caller needs {needs})"
    if code in BAD_CREDENTIALS:
        return f"{operation}: AWS rejected the credentials ({code}): {message}"
    if code in THROTTLED:
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        return f"{operation}: throttled ({code}) after {attempts} attempts: {message}; try again later"
    if code == "ResourceInUse":
        return f"{operation}: a {kind} named {name} already exists in {region} ({code}): {message}"
    if code == "ResourceLimitExceeded":
        return (f"{operation}: an account quota is used up ({code}): {message}; wait for running jobs to end "
                "or ask for more in Service Quotas (Amazon SageMaker)")
    if code == "ValidationException":
        return f"{operation}: SageMaker rejected the request ({code}): {message}"
    return f"{operation} failed ({code}): {message}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0: {text!r}")
    return value
