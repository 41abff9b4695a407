"""A training job's CloudWatch logs, every host's, printed as they arrive.

SageMaker writes each host's output to the log group /aws/sagemaker/TrainingJobs, in a stream
named `<job>/algo-N-<epoch seconds>` (a retried attempt gets new streams). The group and the
streams appear only once a host logs its first line, so "not found" means "nothing yet". Each
stream is read forward with its own nextForwardToken, so no line is printed twice and streams
that start later are picked up at the next poll. Lines of one poll are merged by timestamp; with
more than one host each line starts with `[algo-N] `.

Failures never end the waiting: a throttled call (after botocore's own retries) is tried again at
the next poll; any other error is reported once on stderr and the logs are left alone from then on.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
# Pages read from one stream in one poll; the rest waits for the next poll.
PAGES_PER_POLL = 50
# `algo-1-1700000000`: the host, then the epoch seconds at which its stream began.
STREAM_SUFFIX = re.compile(r"(?P<host>.+)-\d{10,}")
NOT_FOUND = {"ResourceNotFoundException"}
THROTTLED = {"ThrottlingException", "Throttling", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException"}


def host_count(described: dict[str, Any]) -> int:
    """The number of hosts of a DescribeTrainingJob answer (or a CreateTrainingJob request),
    instance groups included."""
    resources = described.get("ResourceConfig", {})
    groups = resources.get("InstanceGroups") or []
    return sum(group.get("InstanceCount", 0) for group in groups) or resources.get("InstanceCount", 1)


def host_of(stream_name: str, job_name: str) -> str:
    """`algo-1` for the stream `<job>/algo-1-1700000000`."""
    rest = stream_name.removeprefix(f"{job_name}/")
    found = STREAM_SUFFIX.fullmatch(rest)
    return found["host"] if found else rest


# A line break of any kind: a carriage return alone would bring the cursor back over the prefix.
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# ESC, except the SGR sequences that only colour text, and backspace: the others move the cursor
# or rewrite the screen, and could forge another host's prefix.
_CURSOR_CONTROL = re.compile(r"\x1b(?!\[[0-9;]*m)|\x08")


def shown_lines(message: str) -> list[str]:
    """A log event's lines as printed: each line break starts a line of its own (with the host's
    prefix), and the controls that move the cursor are shown as text (\\x1b, \\x08); colours stay."""
    return [_CURSOR_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", line) for line in _LINE_BREAK.split(message)]


@dataclass
class _Stream:
    name: str
    host: str
    token: str | None = None  # the last nextForwardToken; None: read from the head


@dataclass
class JobLogs:
    """The logs of one training job; show_new() prints what arrived since its last call."""

    client: Any  # a boto3 "logs" client
    job_name: str
    hosts: int
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    before_output: Callable[[], None] = lambda: None  # e.g. clears a progress line on the terminal
    program: str = "submit"  # names the program in the warning line
    warn: bool = True  # report a problem on err when it happens (else the caller reads .problem)
    problem: str | None = None  # why the logs could not be read; they are left alone from then on
    streams: dict[str, _Stream] = field(default_factory=dict)

    def show_new(self) -> int:
        """Print every line that arrived since the last call; return how many."""
        if self.problem is not None:
            return 0
        from botocore.exceptions import BotoCoreError, ClientError

        lines: list[tuple[int, str, str]] = []
        try:
            self._discover_streams()
            for stream in list(self.streams.values()):
                self._read(stream, lines)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            if code not in NOT_FOUND and code not in THROTTLED:
                self._give_up(f"{error.operation_name} failed ({code}): {_one_line(details.get('Message') or 'no message')}")
        except BotoCoreError as error:
            self._give_up(_one_line(str(error)))
        finally:
            # Lines already read are printed whatever failed after them: their tokens moved on.
            self._print(lines)
        return len(lines)

    def _print(self, lines: list[tuple[int, str, str]]) -> None:
        if not lines:
            return
        self.before_output()
        # Lines of one poll in time order; a stream's own lines keep their order (a stable sort).
        lines.sort(key=lambda line: line[0])
        for _, host, message in lines:
            prefix = f"[{host}] " if self.hosts > 1 else ""
            for line in shown_lines(message):
                self.out.write(f"{prefix}{line}\n")
        self.out.flush()

    def _discover_streams(self) -> None:
        token = None
        while True:
            page = self.client.describe_log_streams(
                logGroupName=LOG_GROUP, logStreamNamePrefix=f"{self.job_name}/", **({"nextToken": token} if token else {})
            )
            for described in page.get("logStreams", []):
                name = described["logStreamName"]
                if name not in self.streams:
                    self.streams[name] = _Stream(name, host_of(name, self.job_name))
            token = page.get("nextToken")
            if not token:
                return

    def _read(self, stream: _Stream, found: list[tuple[int, str, str]]) -> None:
        """Add the stream's events since its token to found. A page's nextForwardToken equal to
        the token sent means the end of the stream for now (a page may be empty before the end)."""
        for _ in range(PAGES_PER_POLL):
            # startFromHead must stay true with a nextForwardToken too, or the token is read backwards.
            position = {"nextToken": stream.token} if stream.token else {}
            page = self.client.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream.name, startFromHead=True, **position)
            for event in page.get("events", []):
                found.append((event.get("timestamp", 0), stream.host, event.get("message", "").removesuffix("\n")))
            token = page.get("nextForwardToken")
            if token is None or token == stream.token:
                return
            stream.token = token

    def _give_up(self, problem: str) -> None:
        self.problem = f"cannot read the logs of {self.job_name} from {LOG_GROUP}: {problem}"
        if self.warn:
            print(f"{self.program}: warning: {self.problem}; the logs are left out from here on", file=self.err)


def _one_line(text: str) -> str:
    return " ".join(text.split())
