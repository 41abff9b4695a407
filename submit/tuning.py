"""submit --tune: start a job's hyperparameter tuning job with CreateHyperParameterTuningJob.

The request is the one create_hyper_parameter_tuning_job.json holds, rendered afresh, with a
unique name `<name>-<UTC YYYYmmddHHMMSS>` within the API's 32 characters. With --wait it polls
DescribeHyperParameterTuningJob and shows the training jobs completed and in progress and the
best objective so far, then the best training job, its tuned hyperparameters and objective value.
Exit statuses and error lines are submit's (submit/training.py, submit/connection.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import Any

from sagemaker_byoc.aws.tuning_definition import TUNING_JOB_NAME_MAX
from sagemaker_byoc.compiler.pipeline import Compiled
from sagemaker_byoc.compiler.render import request_json
from sagemaker_byoc.spec import Diagnostic, SpecError
from sagemaker_byoc.submit import connection, watch
from sagemaker_byoc.submit.training import image_ready, unique_job_name

KIND = "tuning job"


def run(compiled: Compiled, args: argparse.Namespace) -> int:
    job = compiled.job
    tuning = compiled.rendered.tuning_request
    if tuning is None:
        raise SpecError(job.path, [Diagnostic(1, 1, "submit --tune needs a tuning: section (see the README's Hyperparameter tuning)")])
    name = unique_job_name(tuning.body["HyperParameterTuningJobName"], datetime.now(timezone.utc), TUNING_JOB_NAME_MAX)
    request = {**tuning.body, "HyperParameterTuningJobName": name}
    if args.dry_run:
        sys.stdout.write(request_json(request).decode())
        return connection.EXIT_OK

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = connection.aws_session(job.region, args.profile)
        image = request["TrainingJobDefinition"]["AlgorithmSpecification"].get("TrainingImage")
        if not image_ready(session, compiled, args, image):
            return connection.EXIT_IMAGE
        client = session.client("sagemaker", config=connection.client_config())
        arn = client.create_hyper_parameter_tuning_job(**request)["HyperParameterTuningJobArn"]
        print(f"HyperParameterTuningJobName: {name}")
        print(f"HyperParameterTuningJobArn: {arn}", flush=True)
        if not args.wait:
            return connection.EXIT_OK
        return wait_for_tuning_job(client, name, job.region, args.poll_interval)
    except (BotoCoreError, ClientError, ValueError) as error:
        print(f"submit: error: {connection.explain(error, name=name, region=job.region, role=job.role, kind=KIND)}", file=sys.stderr)
        return connection.EXIT_AWS


def wait_for_tuning_job(client: Any, name: str, region: str, poll_s: float) -> int:
    """Poll DescribeHyperParameterTuningJob until the tuning job ends; progress on stderr."""
    return watch.follow(
        name,
        lambda: client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
        "HyperParameterTuningJobStatus",
        describe_progress,
        _report_end,
        f"sagemaker-byoc stop --tuning --region {region} {name}",
        poll_s,
    )


def describe_progress(described: dict[str, Any]) -> str:
    """`3 completed, 2 in progress, best validation:loss 0.25` from a DescribeHyperParameterTuningJob answer."""
    counters = described.get("TrainingJobStatusCounters", {})
    failed = counters.get("NonRetryableError", 0) + counters.get("RetryableError", 0)
    parts = [f"{counters.get('Completed', 0)} completed", f"{counters.get('InProgress', 0)} in progress"]
    if failed:
        parts.append(f"{failed} failed")
    best = _best_objective(described)
    if best is not None:
        parts.append(f"best {best[0]} {best[1]:g}")
    return ", ".join(parts)


def _best_objective(described: dict[str, Any]) -> tuple[str, float] | None:
    metric = described.get("BestTrainingJob", {}).get("FinalHyperParameterTuningJobObjectiveMetric")
    if not metric or "Value" not in metric:
        return None
    return metric.get("MetricName", "objective"), float(metric["Value"])


def _report_end(described: dict[str, Any], name: str, elapsed_s: float) -> int:
    status = described["HyperParameterTuningJobStatus"]
    took = watch.format_elapsed(elapsed_s)
    best = described.get("BestTrainingJob")
    if best:
        print(f"BestTrainingJob: {best['TrainingJobName']}")
        for key, value in sorted(best.get("TunedHyperParameters", {}).items()):
            print(f"  {key}: {value}")
        objective = _best_objective(described)
        if objective is not None:
            print(f"Objective: {objective[0]} = {objective[1]:g}")
    if status == "Completed":
        print(f"submit: {name}: Completed after {took} ({describe_progress(described)})", file=sys.stderr)
        return connection.EXIT_OK
    reason = connection.one_line(described.get("FailureReason") or "no reason given")
    print(f"submit: {name}: {status} after {took}: {reason}", file=sys.stderr)
    return connection.EXIT_JOB_FAILED
