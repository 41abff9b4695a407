"""The training command as run-local runs it, with real processes: nothing is left running
after an interruption, Ctrl-C or the end of the command; the log is written as lines arrive,
whatever their length."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sagemaker_byoc.local import process
from sagemaker_byoc.local.process import MAX_LINE_BYTES, run_streaming

from .jobs import REPO_ROOT, job_document, write_job

# Ignores SIGTERM and leaves a grandchild that ignores it too; both note their PIDs.
STUBBORN_FAMILY = """\
trap '' TERM
( trap '' TERM; exec sleep 300 ) &
echo $! > grandchild.pid
echo $$ > child.pid
echo ready
while :; do sleep 1; done
"""

# Stops at SIGTERM, but leaves behind a grandchild that ignores it.
LEAVES_A_DAEMON = """\
( trap '' TERM; exec sleep 300 ) &
echo $! > grandchild.pid
trap 'exit 0' TERM
echo ready
while :; do sleep 1; done
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\tZ (zombie)" not in status


def _pids(directory: Path, *names: str) -> list[int]:
    return [int((directory / name).read_text()) for name in names]


def _gone(pids: list[int], within_s: float = 5.0) -> bool:
    """Killed processes are reaped by init a moment later: wait for that, not for a timing."""
    deadline = time.monotonic() + within_s
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(pid) for pid in pids)


def _run(tmp_path: Path, script: str, **kwargs) -> tuple[object, bytes, bytes]:  # type: ignore[no-untyped-def]
    out, err = io.BytesIO(), io.BytesIO()
    finished = run_streaming(["/bin/sh", "-c", script], dict(os.environ), tmp_path, stdout=out, stderr=err, **kwargs)
    return finished, out.getvalue(), err.getvalue()


def test_an_interruption_ends_a_family_that_ignores_sigterm(tmp_path: Path):
    finished, out, _ = _run(tmp_path, STUBBORN_FAMILY, terminate_after_s=1, kill_after_term_s=0.5)
    assert b"ready" in out
    assert finished.terminated_at_s is not None and finished.killed
    assert finished.exit_code == 137
    assert _gone(_pids(tmp_path, "child.pid", "grandchild.pid")), "SIGKILL reaches the whole process group"


def test_what_a_stopped_command_leaves_behind_is_killed_with_it(tmp_path: Path):
    finished, _, _ = _run(tmp_path, LEAVES_A_DAEMON, terminate_after_s=1, kill_after_term_s=30)
    assert finished.terminated_at_s is not None and not finished.killed, "the command itself stopped at SIGTERM"
    assert finished.exit_code == 0
    assert _gone(_pids(tmp_path, "grandchild.pid"))


def test_what_a_finished_command_leaves_behind_is_killed_with_it(tmp_path: Path):
    started = time.monotonic()
    finished, _, _ = _run(tmp_path, "( trap '' TERM; exec sleep 300 ) & echo $! > grandchild.pid; exit 3")
    assert finished.exit_code == 3
    assert time.monotonic() - started < 60, "the daemon holding the pipes does not hold the run"
    assert _gone(_pids(tmp_path, "grandchild.pid"))


def test_the_log_is_written_while_the_command_runs(tmp_path: Path):
    """The command waits until its first line is in the log file: a log kept in memory and
    written at the end would never let it go on."""
    log = tmp_path / "log.txt"
    script = (
        "echo 'loss: 0.5'\n"
        "i=0; while ! grep -q 'loss: 0.5' log.txt 2>/dev/null; do i=$((i+1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done\n"
        "echo 'loss: 0.25' >&2\n"
    )
    seen: list[str] = []
    finished, _, _ = _run(tmp_path, script, log_path=log, observe=seen.append)
    assert finished.exit_code == 0
    assert log.read_text().splitlines() == ["loss: 0.5", "loss: 0.25"]
    assert seen == ["loss: 0.5", "loss: 0.25"]


def test_a_line_longer_than_the_limit_reaches_the_terminal_whole_and_the_log_in_pieces(tmp_path: Path):
    log = tmp_path / "log.txt"
    size = 2 * MAX_LINE_BYTES + 1000
    script = f"echo first; head -c {size} /dev/zero | tr '\\0' x >&2; echo last >&2"
    seen: list[str] = []
    finished, out, err = _run(tmp_path, script, log_path=log, observe=seen.append)
    assert finished.exit_code == 0
    assert out == b"first\n"
    assert err == b"x" * size + b"last\n", "the terminal gets every byte as written"
    assert [len(line) for line in seen if line.startswith("x")] == [MAX_LINE_BYTES, MAX_LINE_BYTES, 1000 + len("last")]
    assert log.read_text().splitlines() == seen


def test_ctrl_c_sends_sigterm_and_leaves_nothing_running(tmp_path: Path):
    """SIGINT to a real run-local: the script gets SIGTERM (through the shim), its children go
    with it, and run-local exits 130."""
    script = (
        "import os, signal, subprocess, sys, time\n"
        "out = os.environ['SM_OUTPUT_DATA_DIR']\n"
        "def stop(signum, frame):\n"
        "    open(os.path.join(out, 'got-sigterm'), 'w').close()\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "helper = subprocess.Popen(['sh', '-c', \"trap '' TERM; exec sleep 300\"])\n"
        "open(os.path.join(out, 'helper.pid'), 'w').write(str(helper.pid))\n"
        "open(os.path.join(out, 'script.pid'), 'w').write(str(os.getpid()))\n"
        "while True:\n"
        "    time.sleep(0.05)\n"
    )
    job = write_job(tmp_path / "job", job_document(), script=script)
    run_dir = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "sagemaker_byoc", "run-local", str(job), "--workdir", str(run_dir)],
        cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Python installs its handler
    )
    data = run_dir / "output" / "data"
    deadline = time.monotonic() + 60
    while not (data / "script.pid").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (data / "script.pid").exists(), "the script started"
    time.sleep(0.2)  # the pid files are complete
    pids = _pids(data, "script.pid", "helper.pid")
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=20)  # less than the 30 s grace: SIGTERM stopped it
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, output.decode()[-2000:]
    assert (data / "got-sigterm").exists(), "Ctrl-C reached the script as SIGTERM"
    assert b"Traceback" not in output
    assert _gone(pids), "nothing of the run is left running"


def test_a_long_line_is_cut_at_the_limit_whichever_read_ends_it(monkeypatch, tmp_path: Path):
    """The line's end may arrive in the read that takes it past the limit: it is still cut into
    pieces of exactly MAX_LINE_BYTES, then the rest."""
    reads = [b"x" * (MAX_LINE_BYTES - 6), b"x" * 106 + b"\nnext", b" line\n", b""]
    monkeypatch.setattr(process.os, "read", lambda fd, size: reads.pop(0))
    seen: list[str] = []
    sink = io.BytesIO()
    with (tmp_path / "log").open("wb") as log:
        process._LineLog(log, seen.append).pump(_ScriptedSource(), sink)
    assert [len(line) for line in seen] == [MAX_LINE_BYTES, 100, len("next line")]
    assert sink.getvalue() == b"x" * (MAX_LINE_BYTES + 100) + b"\nnext line\n"


class _ScriptedSource:
    """A stream whose reads the test scripts through os.read."""

    def fileno(self) -> int:
        return -1
