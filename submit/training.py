"""The submit subcommand: start a compiled job on SageMaker with CreateTrainingJob, through boto3.

The request is the one create_training_job.json holds, rendered afresh in memory, with a unique
name `<name>-<UTC YYYYmmddHHMMSS>`. boto3 finds credentials and honours AWS_ENDPOINT_URL as usual;
the region is always the job's. Before submitting, ECR is asked whether the request's image was
pushed and, under an explicit image.tag, built from the job's inputs as they are now
(submit/image_guard.py); if not, nothing is submitted unless --allow-stale. Retries follow
botocore's standard mode (throttling and connection errors are retried with backoff;
AWS_MAX_ATTEMPTS sets the number of attempts).

Exit status: 0 submitted (with --wait: completed); 1 with --wait, the job failed or was stopped;
2 invalid job.yaml (reported by the compiler); 3 AWS refused the request or could not be reached;
4 the image is missing from ECR or stale, nothing was submitted.
Every AWS problem is one line on stderr: `submit: error: …`. With --tune the job's tuning job is
started instead (submit/tuning.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sagemaker_byoc.submit import image_guard
from sagemaker_byoc.submit.connection import EXIT_AWS, EXIT_IMAGE, EXIT_OK, aws_session, client_config, explain
from sagemaker_byoc.submit.job_logs import JobLogs, host_count
from sagemaker_byoc.submit.watch import DEFAULT_POLL_S, positive_seconds, wait_for_job

if TYPE_CHECKING:
    from sagemaker_byoc.compiler.pipeline import Compiled

NAME_MAX = 63
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the final request as JSON and send nothing")
    parser.add_argument("--wait", action="store_true",
                        help="follow the job until it ends; exit 1 if it fails or is stopped")
    parser.add_argument("--no-logs", action="store_true",
                        help="with --wait, follow the job's status only, without streaming its CloudWatch logs")
    parser.add_argument("--poll-interval", type=positive_seconds, default=DEFAULT_POLL_S, metavar="SECONDS",
                        help=f"seconds between Describe… calls with --wait (default: {DEFAULT_POLL_S:g})")
    parser.add_argument("--allow-stale", action="store_true",
                        help="submit even when ECR lacks the image, or the image under an explicit image.tag was built from other inputs")
    parser.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE or the default profile)")
    parser.add_argument("--tune", action="store_true",
                        help="start the job's hyperparameter tuning job (its tuning: section) instead of one training job")


def run(compiled: Compiled, args: argparse.Namespace) -> int:
    """Start the job's training job (its tuning job with --tune: submit/tuning.py)."""
    job = compiled.job
    name = unique_job_name(job.name, datetime.now(timezone.utc))
    request = {**compiled.rendered.request.body, "TrainingJobName": name}
    if args.dry_run:
        from sagemaker_byoc.compiler.render import request_json

        sys.stdout.write(request_json(request).decode())
        return EXIT_OK

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = aws_session(job.region, args.profile)
        if not image_ready(session, compiled, args, request["AlgorithmSpecification"].get("TrainingImage")):
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


def image_ready(session: Any, compiled: Compiled, args: argparse.Namespace, request_image: Any) -> bool:
    """The image guard (submit/image_guard.py) for this compiled job, on the image its request
    names (request_override may name another than job.yaml's); False: do not submit."""
    rendered = compiled.rendered
    return image_guard.check_image(
        session, client_config(max_attempts=1), str(request_image or ""), rendered.image_uri, rendered.inputs_tag,
        compiled.out_dir / "build_and_push.sh", args.allow_stale,
    )
