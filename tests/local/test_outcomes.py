"""What a local run reports: a failing script, a rehearsed interruption that resumes from a
checkpoint, channels without local data, and --docker without a Docker daemon."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.local.resume import EVIDENCE_LINES, access_times_recorded, report

from .jobs import job_document, run_cli, run_in_process, write_job

FAILING_SCRIPT = """\
import sys
print("loss: 0.5")
print("something broke", file=sys.stderr)
sys.exit(3)
"""

# Resumes from <checkpoint dir>/state when it exists; otherwise writes it and waits to be
# stopped. The checkpoint directory comes from the `checkpoint-dir` hyperparameter.
CHECKPOINTING_SCRIPT = """\
import argparse
import os
import shutil
import time

parser = argparse.ArgumentParser()
parser.add_argument("--checkpoint-dir", required=True)
args = parser.parse_args()
state = os.path.join(args.checkpoint_dir, "state")
if os.path.exists(state):
    with open(state) as f:
        step = int(f.read())
    print(f"resuming from step {step}", flush=True)
    for step in range(step + 1, 4):
        print(f"step {step} loss: {1 / (step + 1)}", flush=True)
        with open(state + ".tmp", "w") as f:
            f.write(str(step))
        os.replace(state + ".tmp", state)
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
        f.write("done\\n")
else:
    with open(state, "w") as f:
        f.write("1")
    print("step 1 loss: 0.5", flush=True)
    time.sleep(120)
"""


def test_a_failing_script_gives_its_status_and_the_failure_file(tmp_path: Path):
    job = write_job(tmp_path / "job", script=FAILING_SCRIPT)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--workdir", str(run_dir))
    assert result.returncode == 1
    failure = (run_dir / "output" / "failure").read_text(encoding="utf-8")
    assert failure.startswith("ExecuteUserScriptError:\nExitCode 3\n")
    assert "something broke" in failure
    assert not (run_dir / "output" / "success").exists()
    assert "exit status: 3 (failed)" in result.stdout
    assert "outcome file: output/failure" in result.stdout
    assert "    ExitCode 3" in result.stdout
    assert "train:loss: last 0.5, 1 match" in result.stdout
    assert "something broke" in result.stderr, "stderr is streamed to stderr"


def test_interrupt_after_with_a_checkpointing_script_resumes(tmp_path: Path):
    document = {
        **_checkpoint_document(),
        "metrics": [{"name": "loss", "regex": "loss: ([0-9.]+)"}, {"name": "accuracy", "regex": "accuracy: ([0-9.]+)"}],
    }
    job = write_job(tmp_path / "job", document, script=CHECKPOINTING_SCRIPT)
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir, interrupt_after_s=5))
    assert status == 0, output
    first, second = run_dir / "attempt-1", run_dir / "attempt-2"
    assert (first / "checkpoints" / "state").read_text() == "1"
    assert (first / "output" / "failure").read_text().startswith("ExecuteUserScriptError:\nExitCode 143\n")
    assert (second / "output" / "success").is_file()
    assert (second / "model" / "model.txt").is_file()
    assert "exit status: 143 (failed)" in output
    assert "interrupted: SIGTERM after" in output
    assert "checkpoint files carried over: state" in output
    assert "resuming from step 1" in (second / ".run" / "log.txt").read_text()
    assert "files rewritten or removed: state" in output
    assert (second / "checkpoints" / "state").read_text() == "3"
    if access_times_recorded(tmp_path):
        assert "files read by the next attempt: state" in output
        assert "verdict: resumed from the checkpoint" in output
    else:
        assert "verdict: cannot tell" in output
    assert "loss: last 0.25, 2 matches" in output
    assert "accuracy: never matched" in output
    assert f"this run passes {(second / 'checkpoints').resolve()}" in output


# Writes a checkpoint and waits to be stopped; restarted, it sees the file (listing a directory
# does not read the file) but starts again from scratch.
IGNORING_SCRIPT = """\
import os
import shutil
import time

directory = "/opt/ml/checkpoints".replace("/opt/ml", os.environ["SAGEMAKER_BASE_DIR"])
if os.listdir(directory):
    print("starting from scratch", flush=True)
else:
    with open(os.path.join(directory, "state"), "w") as f:
        f.write("1")
    print("wrote state", flush=True)
    time.sleep(120)
"""


def _checkpoint_document() -> dict:
    return job_document(
        hyperparameters={"checkpoint-dir": "/opt/ml/checkpoints"}, checkpoints={"s3": "s3://example-bucket/checkpoints/"}
    )


def test_a_restart_that_ignores_the_checkpoint_is_not_resumed(tmp_path: Path):
    job = write_job(tmp_path / "job", _checkpoint_document(), script=IGNORING_SCRIPT)
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir, interrupt_after_s=5))
    assert status == 0, output
    assert "checkpoint files carried over: state" in output
    if access_times_recorded(tmp_path):
        assert "files read by the next attempt: none" in output
        assert "verdict: not resumed: the next attempt never read the checkpoint files" in output
    else:
        assert "verdict: cannot tell" in output


def test_an_interruption_without_checkpoints_runs_once(tmp_path: Path):
    job = write_job(tmp_path / "job", script="import time\nprint('started', flush=True)\ntime.sleep(120)\n")
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir, interrupt_after_s=2))
    assert status == 1
    assert "exit status: 143 (failed)" in output
    assert "no checkpoints in job.yaml" in output
    assert not (run_dir / "attempt-2").exists()


STUBBORN_SCRIPT = """\
import os
import shutil
import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "pid"), "w") as f:
    f.write(str(os.getpid()))
print("ignoring SIGTERM", flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\tZ (zombie)" not in status


def test_a_script_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path):
    job = write_job(tmp_path / "job", script=STUBBORN_SCRIPT)
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir, interrupt_after_s=5, stop_grace_s=1))
    assert status == 1
    assert "then SIGKILL: it did not stop in time" in output
    assert "exit status: 137 (failed)" in output
    assert "outcome file: none" in output
    pid = int((run_dir / "attempt-1" / "output" / "data" / "pid").read_text())
    deadline = 50
    while _alive(pid) and deadline:
        time.sleep(0.1)
        deadline -= 1
    assert not _alive(pid), "the script was killed with the shim"


def test_a_channel_without_local_data_is_a_clear_error(tmp_path: Path):
    document = job_document(
        inputs={
            "train": {"s3": "s3://example-bucket/train/", "local": "data/train"},
            "validation": "s3://example-bucket/validation/",
        }
    )
    job = write_job(tmp_path / "job", document)
    result = run_cli("run-local", str(job))
    assert result.returncode == 2
    assert "error: channel 'validation' has no local: path" in result.stderr
    assert "--allow-missing-channels" in result.stderr
    assert f"{job}:" in result.stderr, "a compiler-style diagnostic with the line of the channel"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "job" / ".local").exists()

    run_dir = tmp_path / "run"
    allowed = run_cli("run-local", str(job), "--allow-missing-channels", "--workdir", str(run_dir))
    assert allowed.returncode == 0, allowed.stderr
    assert (run_dir / "input" / "data" / "validation").is_dir()
    assert not any((run_dir / "input" / "data" / "validation").iterdir())


def test_a_local_path_that_does_not_exist_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    (tmp_path / "job" / "data" / "train" / "part-0.csv").unlink()
    (tmp_path / "job" / "data" / "train").rmdir()
    result = run_cli("run-local", str(job))
    assert result.returncode == 2
    # An error here; the job's warning about the same node (validate's) is not repeated.
    assert [line.split(": ", 1)[1] for line in result.stderr.splitlines()] == [
        f"error: channel 'train': local path {tmp_path / 'job' / 'data' / 'train'} does not exist (at /inputs/train/local)"
    ]
    assert not (tmp_path / "job" / ".local").exists()
    validated = run_cli("validate", str(job))
    assert validated.returncode == 0
    assert f"warning: channel 'train': local path {tmp_path / 'job' / 'data' / 'train'} does not exist; run-local needs it" in validated.stderr


def _fake_docker(directory: Path, body: str) -> dict[str, str]:
    """A PATH whose only container engine is a docker script with body; the shells it needs
    are reached through links."""
    directory.mkdir()
    docker = directory / "docker"
    docker.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    for tool in ("sh", "printf"):
        found = shutil.which(tool)
        if found:
            (directory / tool).symlink_to(found)
    return {**os.environ, "PATH": str(directory)}


def test_docker_without_a_daemon_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    env = _fake_docker(
        tmp_path / "bin", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n"
    )
    result = run_cli("run-local", str(job), "--docker", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --docker: no Docker daemon answers (Cannot connect to the Docker daemon at unix:///var/run/docker.sock.), "
        "and neither podman nor buildah is on PATH"
    )
    assert not (tmp_path / "job" / ".local").exists()


def test_docker_not_installed_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    result = run_cli("run-local", str(job), "--docker", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --docker needs docker (with its daemon), podman or buildah, and none is on PATH"


RECORDING_DOCKER = """\
printf '%s\\n' "$*" >>"$DOCKER_LOG"
case $1 in
version) echo 27.3.1 ;;
esac
exit 0
"""


def test_docker_builds_from_the_generated_dockerfile_and_mounts_the_folders_sagemaker_mounts(tmp_path: Path):
    document = job_document(
        environment={"LOG_LEVEL": "info"}, checkpoints={"s3": "s3://example-bucket/c/", "local_path": "/ckpt"}
    )
    job = write_job(tmp_path / "job", document)
    log = tmp_path / "docker.log"
    env = {**_fake_docker(tmp_path / "bin", RECORDING_DOCKER), "DOCKER_LOG": str(log)}
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--docker", "--workdir", str(run_dir), env=env)
    assert result.returncode == 0, result.stderr
    version, build, run = log.read_text().splitlines()
    artifacts = tmp_path / "job" / ".local" / "docker"
    assert version.startswith("version")
    assert build == f"build -f {artifacts / 'Dockerfile'} -t local-test:local {tmp_path / 'job'}"
    assert 'COPY [".local/docker/train", "/usr/local/bin/train"]' in (artifacts / "Dockerfile").read_text()
    base = run_dir.resolve()
    assert run.startswith("run --rm --name local-test-local-")
    mounts = f" -v {base}/input:/opt/ml/input -v {base}/model:/opt/ml/model -v {base}/output:/opt/ml/output"
    assert f"{mounts} -v {base / 'checkpoints'}:/ckpt " in run
    assert " -e LOG_LEVEL=info -e TRAINING_JOB_NAME=local-test -e SM_STUDIO_LOCAL_MODE=true " in run
    assert run.endswith(" --hostname algo-1 local-test:local train"), "SageMaker's host name, which Docker adds to /etc/hosts"
    assert (base / "input" / "config" / "hyperparameters.json").is_file()


def test_without_a_docker_daemon_podman_builds_and_runs_the_image(tmp_path: Path):
    job = write_job(tmp_path / "job")
    log = tmp_path / "engine.log"
    env = {**_fake_docker(tmp_path / "bin", "echo 'Cannot connect to the Docker daemon' >&2\nexit 1\n"), "DOCKER_LOG": str(log)}
    podman = tmp_path / "bin" / "podman"
    podman.write_text("#!/bin/sh\n" + RECORDING_DOCKER, encoding="utf-8")
    podman.chmod(0o755)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--docker", "--workdir", str(run_dir), env=env)
    assert result.returncode == 0, result.stderr
    build, run = log.read_text().splitlines()
    assert build.startswith("build -f ") and build.endswith(f"-t local-test:local {tmp_path / 'job'}")
    assert run.startswith("run --rm --name local-test-local-") and run.endswith(" local-test:local train")
    assert f"building local-test:local: {podman} build" in result.stdout


def test_log_evidence_is_the_lines_that_speak_of_resuming_outside_the_banner(tmp_path: Path):
    log = [
        "train: launching with resume_from=last",  # the shim's banner repeats hyperparameters
        "  command: python train.py --resume true",
        "  SM_HP_RESUME=true",
        "epoch 1 loss 0.5",
        "Restored weights from /opt/ml/checkpoints/state",
        "resuming at step 40",
    ]
    evidence = report(tmp_path, [], True, log).log_evidence
    assert evidence == ["Restored weights from /opt/ml/checkpoints/state", "resuming at step 40"]
    endless = (f"resumed batch {n}" for n in range(10**9))  # read lazily: a long log costs nothing
    assert len(report(tmp_path, [], True, endless).log_evidence) == EVIDENCE_LINES


# Like RECORDING_DOCKER, and each path it is given must exist from where it runs, as a real
# engine opens them: the Dockerfile and the context of `build`, the host side of each volume.
PATH_CHECKING_DOCKER = RECORDING_DOCKER.replace(
    "esac\n",
    """build) [ -f "$3" ] && [ -d "$6" ] || { echo "build: no $3 or $6 from $PWD" >&2; exit 125; } ;;
run) while [ $# -gt 0 ]; do
    if [ "$1" = -v ]; then [ -d "${2%%:*}" ] || { echo "run: no ${2%%:*} from $PWD" >&2; exit 125; }; fi
    shift
  done ;;
esac
""",
)


def test_docker_with_relative_paths_from_another_directory(tmp_path: Path):
    job = write_job(tmp_path / "jobs" / "job")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log = tmp_path / "docker.log"
    env = {**_fake_docker(tmp_path / "bin", PATH_CHECKING_DOCKER), "DOCKER_LOG": str(log)}
    relative_job = os.path.relpath(job, elsewhere)  # ../jobs/job/job.yaml
    result = run_cli("run-local", relative_job, "--docker", "--workdir", "run", cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    _version, build, _run = log.read_text().splitlines()
    directory = job.parent.resolve()
    assert build == f"build -f {directory / '.local' / 'docker' / 'Dockerfile'} -t local-test:local {directory}"
    assert (elsewhere / "run" / "input" / "config" / "hyperparameters.json").is_file()
