"""Which Python runs the entry point: --python, $SM_PYTHON, a virtualenv beside job.yaml, or
python3 on PATH, for a .py script and for an executable whose shebang asks /usr/bin/env for
python; each run's script reports the interpreter that runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .jobs import job_document, run_cli, write_job

REPORT = """\
import json, os, shutil, sys
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "python.json"), "w") as f:
    json.dump({"prefix": sys.prefix, "pip": shutil.which("pip")}, f)
"""


def make_venv(path: Path) -> Path:
    """A real virtualenv (no pip: the tests need only its interpreter and its bin/)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, capture_output=True)
    return path


def reported(run_dir: Path) -> dict:
    return json.loads((run_dir / "output" / "data" / "python.json").read_text())


def shebang_job(directory: Path, shebang: str) -> Path:
    return write_job(directory, job_document(entry_point="train"), f"#!{shebang}\n{REPORT}")


@pytest.mark.parametrize("shebang", ["/usr/bin/env python", "/usr/bin/env python3"])
def test_python_is_honoured_for_an_executable_whose_shebang_asks_env(tmp_path: Path, shebang: str):
    venv = make_venv(tmp_path / "env")
    job = shebang_job(tmp_path / "job", shebang)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--python", str(venv / "bin" / "python"), "--workdir", str(run_dir))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert reported(run_dir)["prefix"] == str(venv)


def test_a_relative_python_is_taken_from_where_run_local_starts(tmp_path: Path):
    venv = make_venv(tmp_path / "job" / "env")
    job = write_job(tmp_path / "job", job_document(), REPORT)
    run_dir = tmp_path / "run"
    result = run_cli("run-local", "job.yaml", "--python", "env/bin/python", "--workdir", str(run_dir), cwd=job.parent)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert reported(run_dir)["prefix"] == str(venv)


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_a_virtualenv_beside_job_yaml_runs_the_script_and_says_so(tmp_path: Path, name: str):
    venv = make_venv(tmp_path / "job" / name)
    job = shebang_job(tmp_path / "job", "/usr/bin/env python")
    run_dir = tmp_path / "run"
    result = run_cli("run-local", str(job), "--workdir", str(run_dir))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert reported(run_dir)["prefix"] == str(venv)
    assert (
        f"note: the entry point runs with {venv / 'bin' / 'python'}, the virtualenv beside job.yaml "
        "(its bin/ first on PATH); --python PATH picks another interpreter" in result.stdout
    )


def test_python_and_sm_python_take_precedence_over_a_virtualenv_beside_job_yaml(tmp_path: Path):
    make_venv(tmp_path / "job" / ".venv")
    chosen = make_venv(tmp_path / "chosen")
    job = write_job(tmp_path / "job", job_document(), REPORT)
    by_option = run_cli("run-local", str(job), "--python", str(chosen / "bin" / "python"), "--workdir", str(tmp_path / "a"))
    assert by_option.returncode == 0, by_option.stderr
    assert reported(tmp_path / "a")["prefix"] == str(chosen) and "virtualenv beside job.yaml" not in by_option.stdout
    env = {**os.environ, "SM_PYTHON": str(chosen / "bin" / "python")}
    by_variable = run_cli("run-local", str(job), "--workdir", str(tmp_path / "b"), env=env)
    assert by_variable.returncode == 0, by_variable.stderr
    assert reported(tmp_path / "b")["prefix"] == str(chosen) and "virtualenv beside job.yaml" not in by_variable.stdout


def test_a_python_that_does_not_exist_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    result = run_cli("run-local", str(job), "--python", str(tmp_path / "nope" / "python"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --python {tmp_path / 'nope' / 'python'}: no such interpreter"
    assert not (tmp_path / "job" / ".local").exists()
