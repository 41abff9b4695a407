"""`run-local --docker` on Buildah as a newcomer runs it: from any directory, with relative
paths, in a container whose host name is SageMaker's algo-1 and resolves, as torchrun's
rendezvous needs (a name that does not resolve keeps its workers retrying for minutes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.local.docker import Engine, image_tag
from tests.image import engine
from tests.image.test_examples import buildah_only_path
from tests.local.jobs import REPO_ROOT, job_document, write_job
from tests.tools import require_tool

BASE = "python:3.11.10-slim-bookworm"
RUN_TIMEOUT_S = 600

# What torch's elastic agent does: the workers meet at this host's own name.
HOST_SCRIPT = """\
import socket, subprocess
print("hostname:", socket.gethostname())
print("algo-1 is", socket.gethostbyname("algo-1"))
found = subprocess.run(["getent", "hosts", socket.gethostname()], capture_output=True, text=True, check=True)
print("getent:", found.stdout.split())
"""


@pytest.fixture(autouse=True)
def _engine_tools() -> None:
    require_tool(not engine.missing_tools(), f"needs {', '.join(engine.TOOLS)} (.ci/run installs them)")


@pytest.fixture(scope="module")
def base() -> engine.Base:
    found = engine.ensure_base(BASE)
    require_tool(found is not None, f"{BASE} is not in the image storage and has no stand-in")
    return found


def test_a_buildah_container_is_algo_1_and_resolves_it(base: engine.Base, tmp_path: Path):
    """The Buildah path with a plain image: no build, only the container's name and hosts."""
    run = tmp_path / "run"
    for folder in ("input", "model", "output"):
        (run / folder).mkdir(parents=True)
    argv = Engine("buildah", shutil.which("buildah")).run_command(
        f"localhost/{base.reference}" if base.stand_in else base.reference, run, {}, [], f"hosts-{tmp_path.name}",
        command=("sh", "-c", "uname -n; getent hosts algo-1"),
    )
    completed = subprocess.run(argv, env=engine.environment(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    assert completed.returncode == 0, completed.stderr
    name, hosts_line = completed.stdout.splitlines()
    assert name == "algo-1"
    assert hosts_line.split() == ["127.0.0.1", "algo-1"]


def test_run_local_docker_from_another_directory_with_relative_paths(base: engine.Base, tmp_path: Path):
    job = write_job(tmp_path / "jobs" / "hosts", job_document(name="hosts-probe"), HOST_SCRIPT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**engine.environment(), "PATH": buildah_only_path(tmp_path / "bin"), "PYTHONPATH": str(REPO_ROOT)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sagemaker_byoc", "run-local", "../jobs/hosts/job.yaml", "--docker", "--workdir", "run"],
            cwd=elsewhere, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
        )
    finally:
        engine.buildah("rmi", image_tag("hosts-probe"), check=False)  # left behind, each run would add one
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (elsewhere / "run" / "output" / "success").is_file()
    assert job.parent.joinpath(".local", "docker", "Dockerfile").is_file()
    assert "hostname: algo-1" in result.stdout
    assert "algo-1 is 127.0.0.1" in result.stdout
    assert "getent: ['127.0.0.1', 'algo-1']" in result.stdout
