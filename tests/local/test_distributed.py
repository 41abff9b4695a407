"""run-local rehearses a torchrun job on one host: P local processes, gloo on CPU."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tests.tools import require_tool

from .jobs import run_cli


@pytest.fixture(autouse=True)
def _torch() -> None:
    require_tool(importlib.util.find_spec("torch") is not None, "torch==2.13.0 (requirements-dev.txt) runs the DDP example")


def test_ddp_example_runs_two_processes_under_torchrun(tmp_path: Path):
    run_dir = tmp_path / "run"
    result = run_cli("run-local", "examples/ddp/job.yaml", "--python", sys.executable, "--workdir", str(run_dir))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "command: torchrun --nnodes 1 --nproc_per_node 2 train.py '--epochs' '3' '--lr' '0.05'" in result.stdout + result.stderr
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert model["world_size"] == 2 and model["host"] == "algo-1"
    assert "train:loss: last" in result.stdout and "3 matches" in result.stdout
    hyperparameters = json.loads((run_dir / "input" / "config" / "hyperparameters.json").read_text())
    assert hyperparameters["sagemaker_torch_distributed_enabled"] == "true"
    assert hyperparameters["sagemaker_mpi_num_of_processes_per_host"] == "2"
