"""`pip install <checkout>` into a fresh virtualenv gives a `sagemaker-byoc` command that works
from any directory, with the templates, the shim and the schemas shipped inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a new virtualenv with the checkout installed (not editable)."""
    root = tmp_path_factory.mktemp("installed")
    # A copy of the tracked files: building in the checkout would leave build/ behind there.
    checkout = root / "checkout"
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source, target = REPO / name, checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.exists():
            shutil.copy2(source, target)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(checkout)],
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # Nothing of the checkout on the path: what runs is what pip installed.
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    return subprocess.run([str(bin_dir / "sagemaker-byoc"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_installed_command_works_on_a_job_in_an_unrelated_directory(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["init", "project"], ["validate", "project/job.yaml"], ["compile", "project/job.yaml"], ["check", "project/job.yaml"]):
        done = run(installed, *args, cwd=elsewhere)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    generated = elsewhere / "project" / "generated"
    assert sorted(p.name for p in generated.iterdir()) == [
        "Dockerfile", "Dockerfile.dockerignore", "build_and_push.sh", "create_training_job.json", "train",
    ]
    assert (generated / "train").read_bytes().startswith(b"#!/bin/sh\n")
    assert json.loads((generated / "create_training_job.json").read_text())["TrainingJobName"] == "project"

    ran = run(installed, "run-local", "project/job.yaml", "--workdir", "run", cwd=elsewhere)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads((elsewhere / "run" / "model" / "model.json").read_text()).keys() == {"a", "b"}

    explained = run(installed, "explain", "project/job.yaml", cwd=elsewhere)
    assert explained.returncode == 0, explained.stderr
    assert any(line.startswith("ResourceConfig.InstanceType = ") and "project/job.yaml:" in line for line in explained.stdout.splitlines())

    schema = run(installed, "schema", cwd=elsewhere)
    assert schema.returncode == 0 and schema.stdout == (REPO / "schemas" / "job.schema.json").read_text()

    # A stale artifact: the advice names the command the user has (no Makefile here).
    (elsewhere / "project" / "code" / "train.py").write_text("print('changed')\n")
    stale = run(installed, "check", "project/job.yaml", cwd=elsewhere)
    assert stale.returncode == 1 and stale.stderr.endswith("is out of date; run: sagemaker-byoc compile project/job.yaml\n")


def test_the_installed_package_is_one_import_name_loaded_from_the_virtualenv(installed, tmp_path):
    python = installed / "python"
    found = subprocess.run(
        [str(python), "-c", "import sagemaker_byoc.compiler.render as r, sagemaker_byoc.spec.model as m; print(r.__file__); print(m.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    for path in found.stdout.split():
        assert Path(path).is_relative_to(installed.parent) and not Path(path).is_relative_to(REPO), path
    for bare in ("spec", "compiler", "shim", "schemas"):
        missing = subprocess.run([str(python), "-c", f"import {bare}"], cwd=tmp_path, capture_output=True, text=True)
        assert missing.returncode == 1 and "ModuleNotFoundError" in missing.stderr, bare
