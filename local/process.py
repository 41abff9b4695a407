"""Running the training command: output streamed live to the terminal and to the log file, an
optional stop after a delay (a rehearsed spot interruption or StopTrainingJob), and nothing
left running afterwards.

stdout and stderr stay separate streams on the terminal; the log merges them line by line, as
CloudWatch does, because that log is what metric definitions are applied to. Memory stays
bounded whatever the script prints: lines go to the log file as they complete, each observer
sees them one at a time, and a line longer than MAX_LINE_BYTES is cut into pieces of that size
(CloudWatch keeps at most 256 KB in one event).

The command runs in its own process group, as a container's processes share one namespace. A
stop is what `docker stop` does to a container: SIGTERM to the command (PID 1 there), a grace
period, then SIGKILL to the whole group. When the command exits, whatever it left running in
its group is killed too, as the end of a container ends every process in it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 65536
MAX_LINE_BYTES = 256 * 1024
# SageMaker waits 120 s after SIGTERM before it kills the container; a local rehearsal that
# waited as long would feel hung, so it waits this long and says so.
KILL_AFTER_TERM_S = 30.0
PIPE_DRAIN_S = 5.0

LineObserver = Callable[[str], None]


@dataclass(frozen=True)
class Finished:
    exit_code: int  # as a shell reports it: 128+N when killed by signal N
    duration_s: float
    terminated_at_s: float | None  # when SIGTERM was sent, None if it was not
    killed: bool  # SIGKILL after the grace period, or at a second Ctrl-C
    interrupted: bool = False  # stopped by Ctrl-C or a SIGTERM to run-local (only with on_interrupt)
    terminated: bool = False  # that was a SIGTERM


# Told what a Ctrl-C does, as it does it: "stop" once SIGTERM is sent, "kill" at a second one;
# "terminate" when run-local itself was sent SIGTERM and passed it on.
InterruptObserver = Callable[[str], None]


class Terminated(KeyboardInterrupt):
    """run-local was sent SIGTERM (`timeout`, a CI runner, `kill`): it stops the job as a Ctrl-C
    does, instead of leaving it running without it."""

    exit_status = 143  # 128 + SIGTERM, as a shell reports it


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


class _LineLog:
    """Complete lines from both streams, in arrival order, to the log file and the observer.
    A partial line waits for its end in its own stream's buffer (at most MAX_LINE_BYTES)."""

    def __init__(self, log_file: BinaryIO | None, observe: LineObserver | None) -> None:
        self._log_file = log_file
        self._observe = observe
        self._lock = threading.Lock()

    def pump(self, source: BinaryIO, sink: BinaryIO) -> None:
        pending = bytearray()
        fd = source.fileno()
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            sink.write(chunk)
            sink.flush()
            complete: list[bytes] = []
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                if end < 0:
                    break
                pending += chunk[start:end]
                _cut(pending, complete)
                complete.append(bytes(pending))
                pending.clear()
                start = end + 1
            pending += chunk[start:]
            _cut(pending, complete)
            self._add(complete)
        if pending:
            self._add([bytes(pending)])

    def _add(self, raw_lines: list[bytes]) -> None:
        """The lines of one read, to the log file (flushed, so that it can be followed while
        the job runs) and to the observer."""
        if not raw_lines:
            return
        lines = [raw.decode("utf-8", "replace").rstrip("\r") for raw in raw_lines]
        with self._lock:
            if self._log_file is not None:
                self._log_file.write("".join(line + "\n" for line in lines).encode("utf-8"))
                self._log_file.flush()
            if self._observe is not None:
                for line in lines:
                    self._observe(line)


def _cut(pending: bytearray, complete: list[bytes]) -> None:
    """Moves whole MAX_LINE_BYTES pieces from the front of pending to complete; the rest, less
    than a piece, stays pending (a line that ends there is then its last piece)."""
    while len(pending) >= MAX_LINE_BYTES:
        complete.append(bytes(pending[:MAX_LINE_BYTES]))
        del pending[:MAX_LINE_BYTES]


def run_streaming(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path | None = None,
    terminate_after_s: float | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
    kill_after_term_s: float = KILL_AFTER_TERM_S,
    observe: LineObserver | None = None,
    on_interrupt: InterruptObserver | None = None,
) -> Finished:
    """Run argv to completion; stop it after terminate_after_s seconds if still running.

    Ctrl-C stops it too. Without on_interrupt, KeyboardInterrupt then goes on to the caller;
    with it, on_interrupt is told of each step as it happens (so that the user hears at once
    what the wait is for) and the run ends normally, with interrupted set."""
    out = stdout if stdout is not None else sys.stdout.buffer
    err = stderr if stderr is not None else sys.stderr.buffer
    log_file = log_path.open("wb") if log_path is not None else None
    lines = _LineLog(log_file, observe)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: the end of the run reaches every process it started
        )
    except BaseException:
        if log_file is not None:
            log_file.close()
        raise
    assert process.stdout is not None and process.stderr is not None
    pumps = [
        threading.Thread(target=lines.pump, args=(process.stdout, out), daemon=True),
        threading.Thread(target=lines.pump, args=(process.stderr, err), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    terminated_at, killed, interrupted, terminated = None, False, False, False
    # SIGTERM to run-local stops the job too (signal handlers belong to the main thread).
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        try:
            if terminate_after_s is not None:
                try:
                    process.wait(timeout=terminate_after_s)
                except subprocess.TimeoutExpired:
                    terminated_at = time.monotonic() - started
                    killed = _stop(process, kill_after_term_s)
            process.wait()
        except KeyboardInterrupt as stop:
            # Ctrl-C stops the job as StopTrainingJob would; a second Ctrl-C, or the grace
            # period running out, kills it.
            if terminated_at is None:
                terminated_at = time.monotonic() - started
            interrupted, terminated = True, isinstance(stop, Terminated)
            try:
                if on_interrupt is not None:
                    on_interrupt("terminate" if terminated else "stop")
                killed = _stop(process, kill_after_term_s)
            except KeyboardInterrupt:
                if on_interrupt is not None:
                    on_interrupt("kill")
                _kill_group(process)
                process.wait()
                killed = True
            if on_interrupt is None:
                raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        # Whatever the command left behind goes with it; without this a background process
        # could also hold the pipes open for ever.
        _kill_group(process)
        for pump in pumps:
            pump.join(timeout=PIPE_DRAIN_S)
        process.stdout.close()
        process.stderr.close()
        if log_file is not None:
            with lines._lock:
                log_file.close()
    duration = time.monotonic() - started
    return Finished(_shell_status(process.returncode), duration, terminated_at, killed, interrupted, terminated)


def _stop(process: subprocess.Popen, grace_s: float) -> bool:
    """SIGTERM to the command, then SIGKILL to its group after grace_s; True if it took the kill."""
    try:
        process.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=grace_s)
        return False
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
        return True


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _shell_status(returncode: int) -> int:
    """Popen's -N for death by signal N becomes 128+N, as the shell and SageMaker report it."""
    return 128 - returncode if returncode < 0 else returncode
