"""Running the training command: output streamed live to the terminal and captured, an
optional SIGTERM after a delay (a rehearsed spot interruption or StopTrainingJob).

stdout and stderr stay separate streams on the terminal; the captured log merges them line by
line, as CloudWatch does, because that log is what metric definitions are applied to.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 65536
# SageMaker waits 120 s after SIGTERM before it kills the container; a local rehearsal that
# waited as long would feel hung, so it waits this long and says so.
KILL_AFTER_TERM_S = 30.0
PIPE_DRAIN_S = 5.0


@dataclass(frozen=True)
class Finished:
    exit_code: int  # as a shell reports it: 128+N when killed by signal N
    duration_s: float
    log: list[str]  # merged lines, without line endings
    terminated_at_s: float | None  # when SIGTERM was sent, None if it was not
    killed: bool  # SIGKILL after the grace period


class _LogCollector:
    """Lines from both streams in arrival order; a partial line waits for its end."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def pump(self, source: BinaryIO, sink: BinaryIO) -> None:
        pending = b""
        fd = source.fileno()
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            sink.write(chunk)
            sink.flush()
            pending += chunk
            *complete, pending = pending.split(b"\n")
            self._add(complete)
        if pending:
            self._add([pending])

    def _add(self, raw_lines: list[bytes]) -> None:
        if not raw_lines:
            return
        decoded = [line.decode("utf-8", "replace").rstrip("\r") for line in raw_lines]
        with self._lock:
            self.lines.extend(decoded)


def run_streaming(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path | None = None,
    terminate_after_s: float | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
    kill_after_term_s: float = KILL_AFTER_TERM_S,
) -> Finished:
    """Run argv to completion; SIGTERM it after terminate_after_s seconds if still running."""
    out = stdout if stdout is not None else sys.stdout.buffer
    err = stderr if stderr is not None else sys.stderr.buffer
    collector = _LogCollector()
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a SIGKILL after the grace period reaches the script too
    )
    assert process.stdout is not None and process.stderr is not None
    pumps = [
        threading.Thread(target=collector.pump, args=(process.stdout, out), daemon=True),
        threading.Thread(target=collector.pump, args=(process.stderr, err), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    terminated_at, killed = None, False
    try:
        if terminate_after_s is not None:
            try:
                process.wait(timeout=terminate_after_s)
            except subprocess.TimeoutExpired:
                terminated_at = time.monotonic() - started
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=kill_after_term_s)
                except subprocess.TimeoutExpired:
                    _kill_group(process)
                    killed = True
        process.wait()
    except KeyboardInterrupt:
        # Ctrl-C stops the job as StopTrainingJob would; a second Ctrl-C, or the grace period
        # running out, kills it.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=kill_after_term_s)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            _kill_group(process)
            process.wait()
        raise
    finally:
        for pump in pumps:
            # A background process the script left behind may hold the pipes open for ever.
            pump.join(timeout=PIPE_DRAIN_S)
        process.stdout.close()
        process.stderr.close()
    duration = time.monotonic() - started
    if log_path is not None:
        log_path.write_text("".join(line + "\n" for line in collector.lines), encoding="utf-8")
    return Finished(_shell_status(process.returncode), duration, collector.lines, terminated_at, killed)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _shell_status(returncode: int) -> int:
    """Popen's -N for death by signal N becomes 128+N, as the shell and SageMaker report it."""
    return 128 - returncode if returncode < 0 else returncode
