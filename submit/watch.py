"""Following a started job until it ends: a progress line on stderr (rewritten in place on a
terminal), the job's CloudWatch lines on stdout (submit/job_logs.py), and how it ended. Used by
submit --wait, submit --tune --wait and logs --follow; Ctrl-C stops the waiting, not the job.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any, Callable

from sagemaker_byoc.submit.connection import EXIT_INTERRUPTED, EXIT_JOB_FAILED, EXIT_OK, one_line
from sagemaker_byoc.submit.job_logs import JobLogs

TERMINAL_STATUSES = ("Completed", "Failed", "Stopped")
DEFAULT_POLL_S = 30.0
# Without a terminal, a progress line is printed when the status changes, and at least this often.
HEARTBEAT_S = 600.0
# After a job ends, its logs are read once more after this pause (at most one poll interval).
DRAIN_PAUSE_S = 5.0


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


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0: {text!r}")
    return value
