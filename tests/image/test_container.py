"""The container contract, inside a built image: SageMaker's `docker run IMAGE train` with the
input, model and output folders mounted; a failing script leaves output/failure and a non-zero
status; SIGTERM sent to the container (StopTrainingJob, a spot interruption) reaches the script.

The image is built from a small job's generated Dockerfile on the base that the examples use,
and run through local/docker.py's Buildah engine, the same code as `run-local --docker`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.output import write_artifacts
from sagemaker_byoc.compiler.pipeline import Compiled, compile_job
from sagemaker_byoc.local.docker import Engine
from sagemaker_byoc.local.layout import build_tree
from tests.image import engine
from tests.image.conftest import BASE_PROPERTY
from tests.local.jobs import job_document, write_job
from tests.tools import require_tool

BASE = "python:3.11.10-slim-bookworm"
READY_TIMEOUT_S = 180
# Records its arguments; then succeeds, fails, or waits for SIGTERM, as --mode says.
SCRIPT = """\
import argparse, json, os, signal, sys, time
from pathlib import Path

model = Path(os.environ["SM_MODEL_DIR"])
parser = argparse.ArgumentParser()
parser.add_argument("--mode")
parser.add_argument("--rate", type=float)
args = parser.parse_args()
(model / "arguments.json").write_text(json.dumps({"argv": sys.argv[1:], "program": os.environ["SAGEMAKER_PROGRAM"]}))
if args.mode == "fail":
    print("giving up", file=sys.stderr)
    sys.exit(3)
if args.mode == "wait":
    def stop(signum, frame):
        (model / "terminated").write_text(str(signum))
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    (model / "ready").write_text("1")
    time.sleep(300)
    sys.exit(4)
"""

@pytest.fixture(autouse=True)
def _engine_tools() -> None:
    require_tool(not engine.missing_tools(), f"needs {', '.join(engine.TOOLS)} (.ci/run installs them)")


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> tuple[Compiled, str, str]:
    base = engine.ensure_base(BASE)
    require_tool(base is not None, f"{BASE} is not in the image storage and has no stand-in")
    directory = tmp_path_factory.mktemp("probe") / "job"
    document = job_document(name="image-probe", hyperparameters={"mode": "succeed", "rate": 0.5})
    compiled = compile_job(write_job(directory, document, SCRIPT))
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    tag = f"byoc-test/image-probe:{os.getpid()}"  # one per test worker: each removes its own
    built = engine.build(directory, compiled.out_dir / "Dockerfile", tag)
    assert built.returncode == 0, built.stderr
    yield compiled, base.detail, tag
    engine.buildah("rmi", tag, check=False)


def start(probe: tuple[Compiled, str, str], run_dir: Path, hyperparameters: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    compiled, _, tag = probe
    request = dict(compiled.rendered.request.body, HyperParameters=hyperparameters)
    tree = build_tree(run_dir, compiled.job, request, b"#!/bin/sh\n", link_data=False)
    argv = Engine("buildah", shutil.which("buildah")).run_command(
        tag, tree.base, {"TRAINING_JOB_NAME": "image-probe"}, [], f"probe-{run_dir.name}"
    )
    process = subprocess.Popen(argv, env=engine.environment(), cwd=run_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process, tree.base


def finish(process: subprocess.Popen, timeout: float = READY_TIMEOUT_S) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output.decode(errors="replace")


def test_success_leaves_success_the_model_and_the_hyperparameters_as_arguments(probe, tmp_path: Path, record_property):
    record_property(BASE_PROPERTY, f"{BASE}: {probe[1]}")
    process, base = start(probe, tmp_path / "run", {"mode": "succeed", "rate": "0.5"})
    status, output = finish(process)
    assert status == 0, output
    assert (base / "output" / "success").is_file() and not (base / "output" / "failure").exists()
    received = json.loads((base / "model" / "arguments.json").read_text())
    assert received == {"argv": ["--mode", "succeed", "--rate", "0.5"], "program": "train.py"}


def test_a_failing_script_leaves_failure_and_a_non_zero_status(probe, tmp_path: Path):
    process, base = start(probe, tmp_path / "run", {"mode": "fail"})
    status, output = finish(process)
    assert status != 0, output
    assert not (base / "output" / "success").exists()
    assert (base / "output" / "failure").is_file(), output


def test_sigterm_sent_to_the_container_reaches_the_script(probe, tmp_path: Path):
    process, base = start(probe, tmp_path / "run", {"mode": "wait"})
    ready = base / "model" / "ready"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready.exists(), finish(process)[1]
    process.send_signal(signal.SIGTERM)  # what `docker stop` does to the client's container
    status, output = finish(process, timeout=60)
    assert (base / "model" / "terminated").read_text() == str(int(signal.SIGTERM)), output
    assert status == 0, output
