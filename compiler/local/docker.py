"""`--docker`: build the job's image from the generated Dockerfile and run it the way SageMaker
does, `docker run -v <run dir>:/opt/ml IMAGE train`.

Docker is optional: without a client on PATH or a daemon that answers, the caller gets a
DockerUnavailable with a one-line reason.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

PROBE_TIMEOUT_S = 20
OPT_ML = PurePosixPath("/opt/ml")


class DockerUnavailable(Exception):
    """No usable Docker here; the message says what is missing."""


def require_docker() -> str:
    """The docker client's path, once a daemon has answered."""
    client = shutil.which("docker")
    if client is None:
        raise DockerUnavailable("--docker needs the docker command, and it is not on PATH")
    try:
        probe = subprocess.run(
            [client, "version", "--format", "{{.Server.Version}}"],
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise DockerUnavailable(f"--docker: the Docker daemon did not answer within {PROBE_TIMEOUT_S} s") from None
    except OSError as exc:
        raise DockerUnavailable(f"--docker: cannot run {client}: {exc.strerror}") from None
    if probe.returncode != 0 or not probe.stdout.strip():
        reason = (probe.stderr.strip().splitlines() or ["no answer"])[-1]
        raise DockerUnavailable(f"--docker: no Docker daemon answers ({reason})")
    return client


def image_tag(job_name: str) -> str:
    return f"{job_name.lower()}:local"


def build_command(client: str, dockerfile: Path, context: Path, tag: str) -> list[str]:
    return [client, "build", "-f", str(dockerfile), "-t", tag, str(context)]


def run_command(
    client: str, tag: str, base: Path, env: dict[str, str], checkpoint_mounts: list[tuple[Path, str]], name: str
) -> list[str]:
    """The container gets the job's environment (not the caller's) and the run directory as
    /opt/ml; a checkpoint directory outside /opt/ml is mounted where the job expects it."""
    argv = [client, "run", "--rm", "--name", name, "-v", f"{base.resolve()}:{OPT_ML}"]
    for host_dir, container_path in checkpoint_mounts:
        argv += ["-v", f"{host_dir.resolve()}:{container_path}"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    return [*argv, tag, "train"]
