"""`sagemaker-byoc init`: every variant validates, compiles and runs locally as written, and
init never replaces a file."""

from __future__ import annotations

import importlib.util
import json
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.cli import starter
from sagemaker_byoc.spec.schema import SCHEMA_PATH
from tests.compiler.jobs import run_compiler
from tests.tools import require_tool

VARIANTS = {
    "plain": [],
    "gpu": ["--gpu"],
    "distributed": ["--distributed"],
    "tuning": ["--tuning"],
    "everything": ["--gpu", "--distributed", "--tuning"],
}


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_variant_validates_and_compiles_without_a_warning(tmp_path, options):
    folder = tmp_path / "my-job"
    made = run_compiler("init", folder, *options, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    job = folder / "job.yaml"
    checked = run_compiler("validate", job, cwd=tmp_path)
    assert (checked.returncode, checked.stderr) == (0, ""), checked.stderr
    compiled = run_compiler("compile", job, cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    request = json.loads((folder / "generated" / "create_training_job.json").read_text())
    assert request["TrainingJobName"] == "my-job"
    hyperparameters = request["HyperParameters"]
    assert (hyperparameters.get("sagemaker_torch_distributed_enabled") == "true") == ("--distributed" in options)
    assert request["ResourceConfig"]["InstanceType"].startswith("ml.g") == ("--gpu" in options)
    assert ((folder / "generated" / "create_hyper_parameter_tuning_job.json").exists()) == ("--tuning" in options)
    assert "base: cuda" in job.read_text() if "--gpu" in options else "base: cpu" in job.read_text()


def test_the_plain_starter_runs_locally_and_learns(tmp_path):
    run_compiler("init", tmp_path / "job", cwd=tmp_path)
    run_dir = tmp_path / "run"
    ran = run_compiler("run-local", tmp_path / "job" / "job.yaml", "--workdir", run_dir, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    model = json.loads((run_dir / "model" / "model.json").read_text())
    # The data follow y = 3x + 1 (plus noise of at most 0.05): 20 epochs get close.
    assert abs(model["a"] - 3) < 0.5 and abs(model["b"] - 1) < 0.5, model
    assert "validation:loss: last" in ran.stdout


def test_the_tuning_starter_rehearses_a_trial(tmp_path):
    run_compiler("init", tmp_path / "job", "--tuning", cwd=tmp_path)
    ran = run_compiler("run-local", tmp_path / "job" / "job.yaml", "--trial", "2", "--seed", "1", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "best: trial" in ran.stdout


def test_the_distributed_starter_runs_two_processes_under_torchrun(tmp_path):
    require_tool(importlib.util.find_spec("torch") is not None, "the distributed starter needs torch (requirements-dev.txt pins a CPU build)")
    run_compiler("init", tmp_path / "job", "--distributed", cwd=tmp_path)
    run_dir = tmp_path / "run"
    # torchrun's default port taken, as by another local run (or another test) at the same time:
    # run-local gives each run a port of its own.
    with socket.socket() as other_run:
        other_run.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            other_run.bind(("127.0.0.1", 29500))
            other_run.listen()
        except OSError:
            pass  # taken already: the run must get past it all the same
        ran = run_compiler("run-local", tmp_path / "job" / "job.yaml", "--workdir", run_dir, "--python", sys.executable, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    model = json.loads((run_dir / "model" / "model.json").read_text())
    assert model["world_size"] == 2


def test_the_torch_starter_is_skipped_by_a_python_without_torch(tmp_path):
    run_compiler("init", tmp_path / "job", "--gpu", cwd=tmp_path)
    bare = tmp_path / "bare-python"
    bare.write_text("#!/bin/sh\nexec /usr/bin/python3 -I -S \"$@\"\n")
    bare.chmod(0o755)
    ran = run_compiler("run-local", tmp_path / "job" / "job.yaml", "--python", bare, cwd=tmp_path)
    assert ran.returncode == 3, ran.stderr + ran.stdout
    assert "cannot import torch (listed in local-requires.txt)" in ran.stdout


def test_the_modeline_names_the_schema_written_beside_it(tmp_path):
    run_compiler("init", tmp_path / "job", cwd=tmp_path)
    first = (tmp_path / "job" / "job.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=job.schema.json"
    assert (tmp_path / "job" / "job.schema.json").read_bytes() == SCHEMA_PATH.read_bytes()


def test_init_replaces_nothing_and_writes_nothing_when_a_file_is_in_the_way(tmp_path):
    folder = tmp_path / "job"
    (folder / "code").mkdir(parents=True)
    (folder / "code" / "train.py").write_text("mine\n")
    made = run_compiler("init", folder, cwd=tmp_path)
    assert made.returncode == 2
    assert made.stderr == f"error: {folder}: would replace code/train.py; choose a new or empty folder\n"
    assert (folder / "code" / "train.py").read_text() == "mine\n"
    assert sorted(p.name for p in folder.rglob("*")) == ["code", "train.py"]


def test_a_dangling_link_in_the_way_counts_as_a_file(tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "job.yaml").symlink_to(tmp_path / "nowhere")
    made = run_compiler("init", folder, cwd=tmp_path)
    assert made.returncode == 2 and "would replace job.yaml" in made.stderr
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("folder", "name"),
    [("my_project v2", "my-project-v2"), ("2024", "2024"), ("---", starter.FALLBACK_NAME), ("ünïcode", "n-code"), ("x" * 80, "x" * 63)],
)
def test_the_job_name_is_made_from_the_folder_and_always_valid(tmp_path, folder, name):
    assert starter.job_name_for(tmp_path / folder, None) == name
    text = starter.job_yaml(name, starter.Variant())
    made = run_compiler("init", tmp_path / folder, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert f"name: {json.dumps(name)}\n" in text
    assert run_compiler("validate", tmp_path / folder / "job.yaml").returncode == 0


@pytest.mark.parametrize("name", ["bad name", "-x", "x-", "a" * 64, "a\nb", ""])
def test_a_bad_name_is_refused_before_anything_is_written(tmp_path, name):
    made = run_compiler("init", tmp_path / "job", f"--name={name}", cwd=tmp_path)
    assert made.returncode == 2
    assert made.stderr == (
        f"error: --name {name!r}: a job name is 1-63 letters, digits and hyphens, not starting or ending with a hyphen\n"
    )
    assert not (tmp_path / "job").exists()


def test_schema_prints_or_writes_the_schema(tmp_path):
    printed = run_compiler("schema", cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout == SCHEMA_PATH.read_text()
    written = run_compiler("schema", "-o", tmp_path / "s.json", cwd=tmp_path)
    assert written.returncode == 0
    assert (tmp_path / "s.json").read_bytes() == SCHEMA_PATH.read_bytes()
    refused = run_compiler("schema", "-o", tmp_path / "missing" / "s.json", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("error: cannot write")


def test_schema_replaces_only_an_earlier_schema_never_a_link_or_another_file(tmp_path):
    stale = tmp_path / "job.schema.json"
    stale.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "older"}')
    assert run_compiler("schema", "-o", stale, cwd=tmp_path).returncode == 0
    assert stale.read_bytes() == SCHEMA_PATH.read_bytes()

    script = tmp_path / "train.py"
    script.write_text("print('my training')\n")
    refused = run_compiler("schema", "-o", script, cwd=tmp_path)
    assert refused.returncode == 2 and "exists and is no JSON Schema; not replaced" in refused.stderr
    assert script.read_text() == "print('my training')\n"

    link = tmp_path / "link.json"
    link.symlink_to(script)
    through = run_compiler("schema", "-o", link, cwd=tmp_path)
    assert through.returncode == 2 and "is a symbolic link" in through.stderr
    assert script.read_text() == "print('my training')\n" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.schema.json", "link.json", "train.py"]  # no staging file left


def test_the_next_commands_can_be_pasted_into_a_shell(tmp_path):
    folder = tmp_path / "my job $(touch CANARY)"
    made = run_compiler("init", folder, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    commands = [line.strip() for line in made.stdout.splitlines()[1:]]
    assert commands == [f"sagemaker-byoc {verb} '{folder / 'job.yaml'}'" for verb in ("run-local", "compile")]
    listed = subprocess.run(["sh", "-c", commands[0].replace("sagemaker-byoc run-local", "ls")], cwd=tmp_path, capture_output=True, text=True)
    assert listed.returncode == 0 and not (tmp_path / "CANARY").exists()


@pytest.mark.parametrize(("options", "cpu_index"), [(["--distributed"], True), (["--distributed", "--tuning"], True),
                                                    (["--gpu"], False), (["--gpu", "--distributed"], False), ([], False)])
def test_a_cpu_torch_starter_installs_torch_from_pytorchs_cpu_index(tmp_path, options, cpu_index):
    """PyPI's torch is the CUDA build, gigabytes a CPU instance never uses: a CPU image takes the
    +cpu build, which only PyTorch's index has; a CUDA image keeps PyPI's."""
    folder = tmp_path / "job"
    assert run_compiler("init", folder, *options, cwd=tmp_path).returncode == 0
    assert run_compiler("compile", folder / "job.yaml", cwd=tmp_path).returncode == 0
    dockerfile = (folder / "generated" / "Dockerfile").read_text()
    pip_run = next((line for line in dockerfile.splitlines() if line.startswith('RUN ["python3", "-m", "pip", "install"')), "")
    if cpu_index:
        assert pip_run == ('RUN ["python3", "-m", "pip", "install", "--no-cache-dir", "--extra-index-url", '
                           '"https://download.pytorch.org/whl/cpu", "torch==2.4.1+cpu"]')
    else:
        assert "download.pytorch.org" not in dockerfile and "+cpu" not in dockerfile


def test_a_torch_starter_says_how_to_run_it_here_and_runs_with_that_venv(tmp_path):
    """init prints the commands that give run-local a torch (a .venv beside job.yaml, found
    without --python); a venv that has torch there runs the starter as written."""
    require_tool(importlib.util.find_spec("torch") is not None, "the torch starter needs torch (requirements-dev.txt pins a CPU build)")
    folder = tmp_path / "my job"
    wrote = run_compiler("init", folder, "--gpu", cwd=tmp_path)
    lines = wrote.stdout.splitlines()
    setup = next(line for line in lines if "-m venv" in line)
    make_venv, install = (shlex.split(command) for command in setup.strip().split(" && "))
    assert make_venv == ["python3", "-m", "venv", str(folder / ".venv")]
    assert install[:2] == [str(folder / ".venv" / "bin" / "pip"), "install"] and "torch==2.4.1+cpu" in install
    assert lines.index(next(line for line in lines if line.strip().startswith("sagemaker-byoc run-local"))) > lines.index(setup)
    # The venv as those commands make it, with this machine's torch instead of a download.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / ".venv")], check=True)
    (site,) = (folder / ".venv" / "lib").glob("python3*/site-packages")
    (site / "outer.pth").write_text(str(Path(importlib.util.find_spec("torch").origin).parents[1]) + "\n")
    ran = run_compiler("run-local", folder / "job.yaml", "--workdir", tmp_path / "run", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ".venv" in ran.stdout + ran.stderr  # the note that says which interpreter ran


def test_a_plain_starter_needs_no_setup(tmp_path):
    wrote = run_compiler("init", tmp_path / "job", cwd=tmp_path)
    assert "venv" not in wrote.stdout
