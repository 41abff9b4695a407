"""The examples run locally (`make run-local JOB=examples/…/job.yaml`, here through the CLI),
or are skipped with a clear message when they declare a framework this machine lacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.tools import require_tool

from .jobs import REPO_ROOT, run_cli, write_job

EXAMPLES = sorted(p.parent.name for p in (REPO_ROOT / "examples").glob("*/job.yaml"))
EXIT_SKIPPED = 3


def test_basic_example_shows_configuration_summary_and_model(tmp_path: Path):
    run_dir = tmp_path / "run"
    result = run_cli("run-local", "examples/basic/job.yaml", "--workdir", str(run_dir))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"run directory: {run_dir}" in out
    assert 'input/config/hyperparameters.json: {"hp1": "\\"value1\\"", "hp2": "300", "hp3": "0.001"}' in out
    assert '"current_instance_type": "ml.m5.large"' in out
    assert "input/data/train/: 1 file" in out
    assert "exit status: 0 (succeeded)" in out
    assert "outcome file: output/success" in out
    assert "model/: 1 file" in out and "model.json" in out
    assert "train:loss: last 0.16807, 5 matches" in out
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert model["hp1"] == "value1"
    assert "SM_HP_HP2=300" in out, "the script's own output is streamed"


# Virtualenvs that give an example's python3 what its local-requires.txt lists (`make tf`).
FRAMEWORKS = {"tf-mnist": REPO_ROOT / ".tf" / "bin"}


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_runs_or_says_what_it_lacks(tmp_path: Path, example: str):
    local = REPO_ROOT / "examples" / example / ".local"
    before = sorted(local.iterdir()) if local.is_dir() else []
    env = dict(os.environ)
    if example in FRAMEWORKS and (FRAMEWORKS[example] / "python3").exists():
        env["PATH"] = f"{FRAMEWORKS[example]}{os.pathsep}{env.get('PATH', '')}"
    result = run_cli("run-local", f"examples/{example}/job.yaml", "--workdir", str(tmp_path / "run"), env=env)
    assert (sorted(local.iterdir()) if local.is_dir() else []) == before, "nothing written into the example"
    if result.returncode == EXIT_SKIPPED:
        assert "skipped:" in result.stdout and ("cannot import" in result.stdout or "on PATH" in result.stdout)
        require_tool(example not in FRAMEWORKS, f"{result.stdout.strip().splitlines()[-1]} (make tf installs it)")
        pytest.skip(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "run" / "output" / "success").is_file()


def test_local_requires_skips_when_absent(tmp_path: Path):
    job = write_job(
        tmp_path / "job",
        data={"local-requires.txt": "# comment\npython no_such_module_xyz  # heavy\ncommand no-such-command-xyz\npython json\n"},
    )
    result = run_cli("run-local", str(job))
    assert result.returncode == EXIT_SKIPPED
    assert "python3 cannot import no_such_module_xyz; no no-such-command-xyz on PATH" in result.stdout
    assert "json" not in result.stdout.split("skipped:")[1].split("(listed")[0]
    assert not (tmp_path / "job" / ".local").exists()


def test_local_requires_met_runs(tmp_path: Path):
    job = write_job(tmp_path / "job", data={"local-requires.txt": "python json\ncommand sh\n"})
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr


def test_malformed_local_requires_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job", data={"local-requires.txt": "tensorflow\n"})
    result = run_cli("run-local", str(job))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'job' / 'local-requires.txt'}:1: expected 'python MODULE' or 'command NAME', got 'tensorflow'"
    )
