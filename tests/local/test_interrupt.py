"""Ctrl-C at a real run-local: real SIGINTs to a real process, and what it says and leaves.

A first Ctrl-C is answered at once: the job is being stopped as StopTrainingJob stops it, for
how long at most, and how to force it. The proof that the answer comes at once, and not when
the job has ended, is the script itself: it is still running when the line is read, because it
waits for the test's word before it exits. A second Ctrl-C kills it. Either way the summary
follows, and the run directory is named last.

run-local runs with a grace period of an hour (the command line's own code, with the constant
changed before it is imported), so that nothing here depends on how fast this machine is: the
script ends because the test lets it, or because a second Ctrl-C kills it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .jobs import REPO_ROOT, job_document, write_job

GRACE_S = 3600
# How long to wait for a line before calling the run broken: a safety net, never a measure.
LINE_TIMEOUT_S = 120
LAUNCHER = f"""\
import sys
import sagemaker_byoc.local.process as process
process.KILL_AFTER_TERM_S = {GRACE_S}
from sagemaker_byoc.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

# On SIGTERM: notes it, then exits only once the test has created output/data/release.
WAITS_FOR_RELEASE = """\
import os, signal, sys, time
data = os.environ["SM_OUTPUT_DATA_DIR"]
def stop(signum, frame):
    open(os.path.join(data, "got-sigterm"), "w").close()
    while not os.path.exists(os.path.join(data, "release")):
        time.sleep(0.05)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print(f"ready {os.getpid()}", flush=True)
while True:
    time.sleep(0.05)
"""

IGNORES_SIGTERM = """\
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(f"ready {os.getpid()}", flush=True)
while True:
    time.sleep(0.05)
"""


class RunLocal:
    """run-local in a process of its own, its output read line by line as it comes."""

    def __init__(self, job: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "run-local", str(job)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a shell
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.script: int | None = None  # the entry point's process id, once it has said "ready"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, prefix: str) -> str:
        """The first line from here on that starts with prefix."""
        while True:
            try:
                line = self.lines.get(timeout=LINE_TIMEOUT_S)
            except queue.Empty:
                pytest.fail(f"no line starting with {prefix!r} in {LINE_TIMEOUT_S} s; so far:\n" + "\n".join(self.seen[-40:]))
            assert line is not None, f"run-local ended before printing {prefix!r}:\n" + "\n".join(self.seen[-40:])
            self.seen.append(line)
            if line.startswith("ready "):
                self.script = int(line.split()[1])
            if line.startswith(prefix):
                return line

    def rest(self) -> list[str]:
        self.process.wait(timeout=LINE_TIMEOUT_S)
        rest = []
        while (line := self.lines.get(timeout=LINE_TIMEOUT_S)) is not None:
            rest.append(line)
        self.seen += rest
        return rest

    def close(self) -> None:
        """After a failed test: run-local, and the job's process group, which a killed
        run-local cannot end."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.script is not None and alive(self.script):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(self.script), signal.SIGKILL)


@pytest.fixture
def start() -> Iterator:
    started: list[RunLocal] = []

    def run(job: Path) -> RunLocal:
        started.append(RunLocal(job))
        return started[-1]

    yield run
    for run_local in started:
        run_local.close()


def alive(pid: int) -> bool:
    """Running: a zombie has ended, and waits only for init to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\tZ (zombie)" not in status


def ends(pid: int) -> bool:
    """Whether pid ends: SIGKILL is delivered by the kernel after kill() returns, so the test
    waits for it (the limit is a safety net, never a measure)."""
    deadline = time.monotonic() + LINE_TIMEOUT_S
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_the_first_ctrl_c_says_at_once_that_it_stops_the_job_and_the_end_names_the_run(tmp_path: Path, start):
    job = write_job(tmp_path / "job", job_document(), script=WAITS_FOR_RELEASE)
    run = start(job)
    run_dir = Path(run.until("run directory: ").removeprefix("run directory: "))
    script = int(run.until("ready ").split()[1])
    run.process.send_signal(signal.SIGINT)
    stopping = run.until("stopping the job")
    assert alive(script), "the line came while the script was still running"
    assert stopping == (
        f"stopping the job (Ctrl-C): SIGTERM sent to train, which passes it to the script, as StopTrainingJob does; "
        f"waiting up to {GRACE_S} s for it to end (SageMaker waits 120 s), then SIGKILL. Press Ctrl-C again to kill it now"
    )
    (run_dir / "output" / "data" / "release").touch()
    rest = run.rest()
    assert run.process.returncode == 130, "\n".join(run.seen[-40:])
    assert (run_dir / "output" / "data" / "got-sigterm").exists()
    assert "  interrupted: SIGTERM (Ctrl-C) after" in "\n".join(rest)
    assert rest[-1] == f"stopped by Ctrl-C; run directory: {run_dir} (also {job.parent / '.local' / 'latest'})"
    assert (job.parent / ".local" / "latest").resolve() == run_dir
    assert ends(script)
    assert not any("Traceback" in line for line in run.seen)


def test_a_second_ctrl_c_kills_the_job_at_once(tmp_path: Path, start):
    job = write_job(tmp_path / "job", job_document(), script=IGNORES_SIGTERM)
    run = start(job)
    run_dir = Path(run.until("run directory: ").removeprefix("run directory: "))
    script = int(run.until("ready ").split()[1])
    run.process.send_signal(signal.SIGINT)
    run.until("stopping the job")
    assert alive(script), "it ignores SIGTERM: only SIGKILL ends it"
    run.process.send_signal(signal.SIGINT)
    assert run.until("second Ctrl-C") == "second Ctrl-C: SIGKILL to every process of the job"
    rest = run.rest()
    assert run.process.returncode == 130, "\n".join(run.seen[-40:])
    assert ends(script), "killed with its process group"
    assert "then SIGKILL" in "\n".join(rest)
    assert rest[-1] == f"stopped by Ctrl-C; run directory: {run_dir} (also {job.parent / '.local' / 'latest'})"


def test_a_run_names_its_directory_at_the_end_too(tmp_path: Path):
    from sagemaker_byoc.local import LocalOptions

    from .jobs import run_in_process

    job = write_job(tmp_path / "job")
    status, out = run_in_process(LocalOptions(job_path=job))
    assert status == 0
    run_dir = Path(out.splitlines()[0].removeprefix("run directory: "))
    assert out.splitlines()[-1] == f"run directory: {run_dir} (also {job.parent / '.local' / 'latest'})"
    workdir = tmp_path / "work"
    status, out = run_in_process(LocalOptions(job_path=job, workdir=workdir))
    assert status == 0 and out.splitlines()[-1] == f"run directory: {workdir.resolve()}"


def test_sigterm_to_run_local_stops_the_job_as_ctrl_c_does(tmp_path: Path, start):
    """`timeout`, a CI runner or `kill` sends run-local SIGTERM: the job is stopped and waited
    for, not left running without it."""
    job = write_job(tmp_path / "job", job_document(), script=WAITS_FOR_RELEASE)
    run = start(job)
    run_dir = Path(run.until("run directory: ").removeprefix("run directory: "))
    script = int(run.until("ready ").split()[1])
    run.process.send_signal(signal.SIGTERM)
    stopping = run.until("stopping the job")
    assert alive(script), "the line came while the script was still running"
    assert stopping.startswith("stopping the job (run-local got SIGTERM): SIGTERM sent to train")
    (run_dir / "output" / "data" / "release").touch()
    rest = run.rest()
    assert run.process.returncode == 143, "\n".join(run.seen[-40:])
    assert (run_dir / "output" / "data" / "got-sigterm").exists()
    assert "  interrupted: SIGTERM (run-local got SIGTERM) after" in "\n".join(rest)
    assert rest[-1].startswith(f"stopped by SIGTERM; run directory: {run_dir}")
    assert ends(script)
    assert not any("Traceback" in line for line in run.seen)
