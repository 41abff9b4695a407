"""`--docker`: build the job's image from the generated Dockerfile and run it the way SageMaker
does, `docker run IMAGE train`, with /opt/ml/input, /opt/ml/model and /opt/ml/output mounted
as separate folders (the code is in the image, at /opt/ml/code).

The engine is Docker when a daemon answers, else Podman, else Buildah: the first one found.
Buildah has no `run IMAGE`; it makes a working container, runs `train` in it through
local/buildah_run.py (which forwards SIGTERM to the container's process, as `docker
run` does) and removes it. Without any of them the caller gets a DockerUnavailable with a
one-line reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sagemaker_byoc.local.config_files import CURRENT_HOST

PROBE_TIMEOUT_S = 20
OPT_ML = PurePosixPath("/opt/ml")
# Run as a script: the run's working directory is not the project's.
BUILDAH_RUN = Path(__file__).resolve().with_name("buildah_run.py")
# What SageMaker mounts into the container; /opt/ml/code stays the image's.
MOUNTED_FOLDERS = ("input", "model", "output")
LOOPBACK = "127.0.0.1"


class DockerUnavailable(Exception):
    """No usable container engine here; the message says what is missing."""


@dataclass(frozen=True)
class Engine:
    kind: str  # docker, podman or buildah
    client: str  # its path

    def build_command(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        """The Dockerfile's own Dockerfile.dockerignore, beside it, trims the context: every
        engine reads it there."""
        verb = ["bud"] if self.kind == "buildah" else ["build"]
        # Absolute: the build runs in the job's folder, not where run-local was started, so a
        # path relative to the caller's directory would name nothing there.
        return [self.client, *verb, "-f", str(dockerfile.resolve()), "-t", tag, str(context.resolve())]

    def run_command(
        self,
        tag: str,
        base: Path,
        env: dict[str, str],
        checkpoint_mounts: list[tuple[Path, str]],
        name: str,
        command: Sequence[str] = ("train",),
    ) -> list[str]:
        """The container gets the job's environment (not the caller's), the run directory's
        input, model and output folders, and a checkpoint directory where the job expects it."""
        volumes = [f"{(base / folder).resolve()}:{OPT_ML / folder}" for folder in MOUNTED_FOLDERS]
        volumes += [f"{host_dir.resolve()}:{container_path}" for host_dir, container_path in checkpoint_mounts]
        options = [arg for volume in volumes for arg in ("-v", volume)]
        options += [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        # SageMaker's host is algo-1, and the name resolves there. torchrun's workers meet at
        # the host's own name: an engine's random container name that resolves nowhere (Buildah's)
        # keeps them retrying for minutes. Docker and Podman add the --hostname to the
        # container's /etc/hosts themselves; Buildah needs the entry given (its container shares
        # this machine's network, so the loopback address reaches it).
        options += ["--hostname", CURRENT_HOST]
        if self.kind == "buildah":
            proxy = [sys.executable, str(BUILDAH_RUN), "--buildah", self.client, "--name", name]
            return [*proxy, "--add-host", f"{CURRENT_HOST}:{LOOPBACK}", *options, tag, *command]
        return [self.client, "run", "--rm", "--name", name, *options, tag, *command]


def find_engine() -> Engine:
    """Docker once its daemon answers; else Podman or Buildah, which need none."""
    docker = shutil.which("docker")
    docker_problem = "the docker command is not on PATH"
    if docker is not None:
        docker_problem = _daemon_problem(docker)
        if docker_problem is None:
            return Engine("docker", docker)
    for kind in ("podman", "buildah"):
        client = shutil.which(kind)
        if client is not None:
            return Engine(kind, client)
    if docker is None:
        raise DockerUnavailable("--docker needs docker (with its daemon), podman or buildah, and none is on PATH")
    raise DockerUnavailable(f"--docker: no Docker daemon answers ({docker_problem}), and neither podman nor buildah is on PATH")


def _daemon_problem(client: str) -> str | None:
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
        return f"it did not answer within {PROBE_TIMEOUT_S} s"
    except OSError as exc:
        return f"cannot run {client}: {exc.strerror}"
    if probe.returncode != 0 or not probe.stdout.strip():
        return (probe.stderr.strip().splitlines() or ["no answer"])[-1]
    return None


def image_tag(job_name: str) -> str:
    return f"{job_name.lower()}:local"
