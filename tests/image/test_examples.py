"""Every example whose base can be had here, built from its generated Dockerfile and run as
SageMaker runs it: `run-local --docker` on Buildah, which builds the image and starts `train`
in it with /opt/ml/input, /opt/ml/model and /opt/ml/output mounted as separate folders.

Examples whose base cannot be had (CUDA, a Python that the stand-in is not) skip, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.base_images import choose_base
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local.docker import image_tag
from tests.image import engine
from tests.image.conftest import BASE_PROPERTY
from tests.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.parent for path in (REPO / "examples").glob("*/job.yaml"))
RUN_TIMEOUT_S = 900
# TensorFlow's wheels are about 600 MB installed: building tf-mnist is opt-in.
# Examples whose image installs a framework of gigabytes: built only when asked for.
SLOW_EXAMPLES = {
    "tf-mnist": ("SAGEMAKER_BYOC_IMAGE_TF", "TensorFlow takes minutes to install"),
    "ddp": ("SAGEMAKER_BYOC_IMAGE_DDP", "PyTorch's CPU wheel, from download.pytorch.org, is hundreds of megabytes"),
}

@pytest.fixture(autouse=True)
def _engine_tools() -> None:
    require_tool(not engine.missing_tools(), f"needs {', '.join(engine.TOOLS)} (.ci/run installs them)")


def buildah_only_path(directory: Path) -> str:
    """A PATH on which Buildah is the only container engine, so that a Docker daemon or a
    Podman elsewhere on the machine does not take the run."""
    directory.mkdir(exist_ok=True)
    (directory / "buildah").symlink_to(shutil.which("buildah"))
    return str(directory)


def copy_job(example: Path, target: Path) -> Path:
    shutil.copytree(example, target, ignore=shutil.ignore_patterns(".local", "__pycache__"))
    return target / "job.yaml"


def run_local_docker(job: Path, run_dir: Path, bin_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**engine.environment(), "PATH": buildah_only_path(bin_dir)}
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", "run-local", str(job), "--docker", "--workdir", str(run_dir), *extra],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def usable_base(example: Path, record) -> engine.Base:
    job = compile_job(example / "job.yaml").job
    reference = choose_base(job.image).reference
    if job.image.base == "cuda":
        pytest.skip(f"{example.name}: CUDA base {reference} cannot be had here (no registry access)")
    if ".dkr.ecr." in reference.split("/", 1)[0]:
        pytest.skip(f"{example.name}: base {reference} is in a private ECR registry, which needs AWS credentials and network access")
    variable, why = SLOW_EXAMPLES.get(example.name, (None, ""))
    if variable and os.environ.get(variable) != "1":
        pytest.skip(f"{example.name}: {why}; set {variable}=1 to build it")
    base = engine.ensure_base(reference)
    if base is None:
        pytest.skip(f"{example.name}: {reference} is not in the image storage and has no stand-in (Debian's python3 is 3.11)")
    record(BASE_PROPERTY, f"{reference}: {base.detail}")
    return base


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_image_builds_and_runs_its_job(example: Path, tmp_path: Path, record_property):
    usable_base(example, record_property)
    job = copy_job(example, tmp_path / "job")
    run_dir = tmp_path / "run"
    try:
        result = run_local_docker(job, run_dir, tmp_path / "bin")
    finally:
        # The image run-local built; left behind, each run would add one to the cache.
        engine.buildah("rmi", image_tag(compile_job(job).job.name), check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "building " in result.stdout and "buildah bud" in result.stdout
    assert (run_dir / "output" / "success").is_file()
    assert not (run_dir / "output" / "failure").exists()
    EXPECTATIONS[example.name](run_dir, result.stdout)


def _basic(run_dir: Path, stdout: str) -> None:
    arguments = json.loads(next(line for line in stdout.splitlines() if line.startswith("arguments: "))[len("arguments: ") :])
    assert arguments == {"hp1": "value1", "hp2": 300, "hp3": 0.001, "model_dir": "/opt/ml/model"}
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert model["hp1"] == "value1" and 0 < model["loss"] < 1
    assert "channel train: /opt/ml/input/data/train ['train.csv']" in stdout


def _script_from_channel(run_dir: Path, stdout: str) -> None:
    assert any((run_dir / "model").iterdir()), stdout[-2000:]


def _tf_mnist(run_dir: Path, stdout: str) -> None:
    assert any((run_dir / "model").iterdir()), stdout[-2000:]
    assert (run_dir / "output" / "data").is_dir()


def _tuning(run_dir: Path, stdout: str) -> None:
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert set(model) == {"a", "b"}
    assert stdout.count("train_loss=") == 5 and "validation_loss=" in stdout  # epochs: 5 in job.yaml


def _ddp(run_dir: Path, stdout: str) -> None:
    assert any((run_dir / "model").iterdir()), stdout[-2000:]


def _dlc_pytorch(run_dir: Path, stdout: str) -> None:
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert abs(model["a"] - 3) < 1 and "train_loss=" in stdout


EXPECTATIONS = {"basic": _basic, "script-from-channel": _script_from_channel, "tf-mnist": _tf_mnist, "tuning": _tuning, "ddp": _ddp, "dlc-pytorch": _dlc_pytorch}
