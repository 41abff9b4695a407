"""The shim as a supervisor: signals as PID 1, exit status, zombies, success and failure files.

PID 1 runs come from `unshare --pid --fork --mount-proc` (root only), with signals sent from
outside the namespace as dockerd does. The shim starts with default signal dispositions
(`env --default-signal`), as it does under docker.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from . import harness
from .conftest import awk_params, require_awk, require_shell, shell_params
from .harness import Awk, Job, Shell, Tree
from tests.tools import require_tool

WAIT_S = 30

CHECKPOINT_PROGRAM = """\
import os, signal, sys, time

def save(signum, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "checkpoint"), "w") as f:
        f.write("saved after signal %d" % signum)
    sys.exit(0)

signal.signal(signal.SIGTERM, save)
open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "ready"), "w").close()
while True:
    time.sleep(0.05)
"""

NO_HANDLER_PROGRAM = """\
import os, time
open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "ready"), "w").close()
while True:
    time.sleep(0.05)
"""

# Orphans two short-lived grandchildren (they are re-parented to PID 1 and exit after 0.2 s),
# then counts zombies left in the namespace.
ORPHAN_PROGRAM = """\
import os, time
os.system("sh -c 'sleep 0.2 & sleep 0.2 &'")
time.sleep(1.5)
zombies = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z":
            zombies.append(pid)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "zombies"), "w") as f:
    f.write(" ".join(zombies) if zombies else "none")
"""


def _build(tmp_path: Path, program_name: str, program_text: str, env: dict[str, str] | None = None) -> tuple[Tree, Job]:
    job = Job(program=None, env={"SAGEMAKER_PROGRAM": program_name, **(env or {})})
    tree = harness.build(job, tmp_path / "job")
    entry = tree.base / "code" / program_name
    entry.write_text(program_text, encoding="utf-8")
    entry.chmod(0o755)
    return tree, job


def _env(tree: Tree, job: Job, shell: Shell = harness.DEFAULT_SHELL) -> dict[str, str]:
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    env.update(shell.env)
    return env


def run_shim(tree: Tree, job: Job, shell: Shell = harness.DEFAULT_SHELL) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        harness.shim_command(shell), env=_env(tree, job, shell), cwd=tree.root,
        stdin=subprocess.DEVNULL, capture_output=True, timeout=WAIT_S, check=False,
    )


def _require_pid_namespaces() -> None:
    require_tool(os.geteuid() == 0, "PID 1 tests need root (unshare --pid)")
    require_tool(shutil.which("unshare") is not None, "unshare not installed (util-linux)")


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the shim exited ({process.returncode}) before {path.name} appeared: "
                                 + process.stderr.read().decode(errors="replace")[-1500:])  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {WAIT_S} s")
        time.sleep(0.05)


class Pid1Run:
    """The shim as PID 1 of a new PID namespace."""

    def __init__(self, tree: Tree, job: Job, shell: Shell = harness.DEFAULT_SHELL) -> None:
        argv = ["env", "--default-signal=INT,TERM,QUIT", "unshare", "--pid", "--fork", "--mount-proc",
                *harness.shim_command(shell)]
        self.process = subprocess.Popen(argv, env=_env(tree, job, shell), cwd=tree.root, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def pid1(self) -> int:
        """The host-side pid of the namespace's init (the shim), the child of unshare."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            children = _children(self.process.pid)
            if children:
                return children[0]
            time.sleep(0.02)
        raise AssertionError("unshare started no child")

    def signal(self, signum: int) -> None:
        os.kill(self.pid1(), signum)

    def finish(self) -> tuple[int, str]:
        try:
            _, stderr = self.process.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            # SIGKILL to the namespace's init ends everything in it, so the pipes close.
            for pid in _children(self.process.pid):
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            _, stderr = self.process.communicate(timeout=WAIT_S)
            raise AssertionError("the shim did not exit after the signal: " + stderr.decode(errors="replace")[-1500:])
        return self.process.returncode, stderr.decode(errors="replace")


@pytest.mark.parametrize("shell", shell_params())
def test_sigterm_to_pid1_reaches_the_entry_point_which_saves_a_checkpoint(shell: Shell, tmp_path: Path) -> None:
    _require_pid_namespaces()
    require_shell(shell)
    tree, job = _build(tmp_path, "train.py", CHECKPOINT_PROGRAM)
    run = Pid1Run(tree, job, shell)
    _wait_for(tree.base / "output" / "data" / "ready", run.process)
    run.signal(signal.SIGTERM)
    status, stderr = run.finish()
    checkpoint = tree.base / "model" / "checkpoint"
    assert checkpoint.exists(), "the entry point never saw SIGTERM:\n" + stderr[-1500:]
    assert checkpoint.read_text() == "saved after signal 15"
    assert status == 0, stderr[-1500:]
    assert (tree.base / "output" / "success").exists()


def test_sigint_to_pid1_is_forwarded_as_sigterm(tmp_path: Path) -> None:
    _require_pid_namespaces()
    tree, job = _build(tmp_path, "train.py", CHECKPOINT_PROGRAM)
    run = Pid1Run(tree, job)
    _wait_for(tree.base / "output" / "data" / "ready", run.process)
    run.signal(signal.SIGINT)
    status, stderr = run.finish()
    checkpoint = tree.base / "model" / "checkpoint"
    assert checkpoint.exists(), "SIGINT was not forwarded:\n" + stderr[-1500:]
    assert checkpoint.read_text() == "saved after signal 15"
    assert status == 0


@pytest.mark.parametrize("shell", shell_params())
def test_an_entry_point_killed_by_the_forwarded_sigterm_gives_143(shell: Shell, tmp_path: Path) -> None:
    _require_pid_namespaces()
    require_shell(shell)
    tree, job = _build(tmp_path, "train.py", NO_HANDLER_PROGRAM)
    run = Pid1Run(tree, job, shell)
    _wait_for(tree.base / "output" / "data" / "ready", run.process)
    run.signal(signal.SIGTERM)
    status, stderr = run.finish()
    assert status == 143, stderr[-1500:]
    failure = (tree.base / "output" / "failure").read_text()
    assert "ExitCode 143" in failure
    assert "SIGTERM" in failure
    assert not (tree.base / "output" / "success").exists()


def test_pid1_reaps_orphaned_zombies(tmp_path: Path) -> None:
    _require_pid_namespaces()
    tree, job = _build(tmp_path, "train.py", ORPHAN_PROGRAM)
    run = Pid1Run(tree, job)
    status, stderr = run.finish()
    assert status == 0, stderr[-1500:]
    assert (tree.base / "output" / "data" / "zombies").read_text() == "none"


def _exits_with(body: str) -> str:
    return f"import os, signal, sys\n{body}\n"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        pytest.param("os.kill(os.getpid(), signal.SIGKILL)", 137, ("ExitCode 137", "SIGKILL", "out-of-memory"), id="sigkill"),
        pytest.param(
            "os.kill(os.getpid(), signal.SIGSEGV)", 139, ("ExitCode 139", "SIGSEGV", "segmentation fault"), id="sigsegv"
        ),
        pytest.param("sys.exit(3)", 3, ("ExitCode 3", "exited with status 3"), id="exit-3"),
    ],
)
def test_exit_status_is_propagated_and_the_failure_file_explains_it(
    body: str, status: int, words: tuple[str, ...], tmp_path: Path
) -> None:
    program = _exits_with("for i in range(40):\n    print('progress line %d' % i, file=sys.stderr)\n"
                          "print('ValueError: the last words', file=sys.stderr)\nsys.stderr.flush()\n" + body)
    tree, job = _build(tmp_path, "train.py", program)
    completed = run_shim(tree, job)
    assert completed.returncode == status
    failure = (tree.base / "output" / "failure").read_text()
    for word in words:
        assert word in failure, failure
    assert failure.rstrip().endswith("ValueError: the last words"), failure
    assert "progress line 39" in failure
    assert len(failure.encode()) <= 1024
    assert not (tree.base / "output" / "success").exists()
    # The script's stderr still reaches ours, whole.
    assert completed.stderr.decode().count("progress line") == 40


def test_an_interpreter_that_does_not_exist_gives_127_not_found(tmp_path: Path) -> None:
    tree, job = _build(tmp_path, "train.sh", "#!/nonexistent/interpreter\necho never\n")
    completed = run_shim(tree, job)
    assert completed.returncode == 127
    failure = (tree.base / "output" / "failure").read_text()
    assert "ExitCode 127" in failure
    assert "not found" in failure
    assert "No such file or directory" in failure


def test_the_failure_file_stays_within_1024_bytes_with_long_stderr_lines(tmp_path: Path) -> None:
    program = _exits_with("for i in range(200):\n    print(str(i) * 2000, file=sys.stderr)\nprint('é' * 3000, file=sys.stderr)\n"
                          "sys.exit(9)")
    tree, job = _build(tmp_path, "train.py", program)
    completed = run_shim(tree, job)
    assert completed.returncode == 9
    failure = (tree.base / "output" / "failure").read_bytes()
    assert 0 < len(failure) <= 1024
    failure.decode("utf-8")  # never cut inside a character
    assert b"ExitCode 9" in failure


def test_a_failure_file_written_by_the_script_is_kept(tmp_path: Path) -> None:
    program = _exits_with("open(os.path.join(os.environ['SM_OUTPUT_DIR'], 'failure'), 'w').write('my own reason')\nsys.exit(2)")
    tree, job = _build(tmp_path, "train.py", program)
    completed = run_shim(tree, job)
    assert completed.returncode == 2
    assert (tree.base / "output" / "failure").read_text() == "my own reason"


@pytest.mark.parametrize("shell", shell_params())
@pytest.mark.parametrize("status", [0, 3])
def test_the_relay_leaves_nothing_in_tmpdir(shell: harness.Shell, status: int, tmp_path: Path) -> None:
    """The pipes and the tail file lose their names once every end is open; the tail still
    reaches the failure file through the descriptor the shim keeps."""
    require_shell(shell)
    program = _exits_with(f"print('the last words', file=sys.stderr)\nsys.exit({status})")
    tree, job = _build(tmp_path, "train.py", program, {"TMPDIR": str(tmp_path / "tmp")})
    (tmp_path / "tmp").mkdir()
    completed = run_shim(tree, job, shell)
    assert completed.returncode == status, completed.stderr.decode()[-1500:]
    assert sorted(os.listdir(tmp_path / "tmp")) == []
    if status:
        assert (tree.base / "output" / "failure").read_text().endswith("the last words")


def test_success_writes_an_empty_success_file_and_no_failure(tmp_path: Path) -> None:
    tree, job = _build(tmp_path, "train.py", _exits_with("print('fine', file=sys.stderr)"))
    completed = run_shim(tree, job)
    assert completed.returncode == 0, completed.stderr.decode()[-1500:]
    assert (tree.base / "output" / "success").read_bytes() == b""
    assert not (tree.base / "output" / "failure").exists()


def test_a_daemon_holding_stderr_does_not_keep_the_job_alive(tmp_path: Path) -> None:
    """The stderr relay is given two seconds after the entry point ends, then the shim exits."""
    program = "#!/bin/sh\n( sleep 60 ) &\necho started >&2\nexit 0\n"
    tree, job = _build(tmp_path, "train.sh", program)
    log = tmp_path / "stderr.log"
    started = time.monotonic()
    with log.open("wb") as stderr:
        status = subprocess.run(harness.shim_command(harness.DEFAULT_SHELL), env=_env(tree, job), cwd=tree.root,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                timeout=WAIT_S, check=False).returncode
    assert status == 0, log.read_text()[-1500:]
    assert time.monotonic() - started < 20
    assert "started" in log.read_text()


def test_a_stop_during_the_setup_ends_the_job_before_the_entry_point_starts(tmp_path: Path) -> None:
    """SIGTERM while pip runs: pip finishes, the entry point never starts, the status is 143."""
    _require_pid_namespaces()
    marker = tmp_path / "pip-started"
    slow_python = tmp_path / "slow-python"
    slow_python.write_text(
        f"#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = pip ]; then : > {marker}; sleep 2; exit 0; fi\n"
        f"exec {harness._python()} \"$@\"\n"
    )
    slow_python.chmod(0o755)
    tree, job = _build(tmp_path, "train.py", NO_HANDLER_PROGRAM, {"SM_PYTHON": str(slow_python)})
    (tree.base / "code" / "requirements.txt").write_text("anything\n")
    run = Pid1Run(tree, job)
    _wait_for(marker, run.process)
    run.signal(signal.SIGTERM)
    status, stderr = run.finish()
    assert status == 143, stderr[-1500:]
    assert "SIGTERM" in (tree.base / "output" / "failure").read_text()
    assert not (tree.base / "output" / "data" / "ready").exists(), "the entry point ran"


@pytest.mark.parametrize("awk", awk_params())
def test_the_stderr_relay_works_with_every_awk(awk: Awk, tmp_path: Path) -> None:
    """The relay is an awk too: lines pass through live and whole, the tail reaches the
    failure file, and a background process holding stderr does not keep the job alive."""
    require_awk(awk)
    program = ("#!/bin/sh\n( sleep 60 ) &\ni=0\nwhile [ $i -lt 30 ]; do echo \"line $i é\" >&2; i=$((i + 1)); done\n"
               "printf 'no newline at the end' >&2\nexit 4\n")
    tree, job = _build(tmp_path, "train.sh", program)
    env = harness.environment(tree, job, awk)
    log = tmp_path / "stderr.log"
    started = time.monotonic()
    with log.open("wb") as stderr:
        status = subprocess.run(harness.shim_command(harness.DEFAULT_SHELL), env=env, cwd=tree.root,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                timeout=WAIT_S, check=False).returncode
    assert status == 4
    assert time.monotonic() - started < 20
    text = log.read_text()
    assert all(f"line {i} é\n" in text for i in range(30))
    assert "no newline at the end" in text
    failure = (tree.base / "output" / "failure").read_text()
    assert "ExitCode 4" in failure
    assert "line 29 é" in failure
    assert "no newline at the end" in failure


# A line of 3 MB without a newline, a few ordinary lines, then status 5: tee passes every byte
# on exactly once, and the failure file keeps the first 300 bytes of the long line.
LONG_LINE_PROGRAM = """#!/bin/sh
( sleep 60 ) &
echo 'first line' >&2
head -c 3000000 /dev/zero | tr '\\0' L >&2
echo >&2
echo 'last line' >&2
printf 'no newline at the end' >&2
exit 5
"""


@pytest.mark.parametrize("shell", shell_params())
def test_the_stderr_relay_passes_long_lines_on_whole_under_every_shell(shell: Shell, tmp_path: Path) -> None:
    require_shell(shell)
    tree, job = _build(tmp_path, "train.sh", LONG_LINE_PROGRAM)
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        status = subprocess.run(harness.shim_command(shell), env=_env(tree, job, shell), cwd=tree.root,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                timeout=WAIT_S, check=False).returncode
    assert status == 5
    text = log.read_bytes()
    relayed = text[text.index(b"first line\n"):]
    assert relayed.startswith(b"first line\n" + b"L" * 3000000 + b"\nlast line\nno newline at the end")
    assert relayed.count(b"L" * 1000) == 3000, "every byte once"
    failure = (tree.base / "output" / "failure").read_text()
    assert "ExitCode 5" in failure
    assert "L" * 300 + "\n" in failure and "L" * 301 not in failure, "the first 300 bytes of a long line"
    assert failure.endswith("last line\nno newline at the end")
