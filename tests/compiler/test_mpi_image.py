"""The Dockerfile of a distribution.type mpi job: sshd, Open MPI, mpi4py and the root key that
every host trusts (compiler/mpi_image.py), clean for hadolint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.compiler import mpi_image
from tests.compiler.jobs import make_job, run_compiler, with_lines

BIN = Path(sys.executable).parent


def dockerfile(tmp_path: Path, *lines: str, image: str = "") -> str:
    job = make_job(tmp_path, with_lines(*lines).replace("  repository: demo/train\n", "  repository: demo/train\n" + image))
    result = run_compiler("compile", job, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    return (tmp_path / "out" / "Dockerfile").read_text()


def test_mpi_job_installs_sshd_open_mpi_and_mpi4py(tmp_path):
    text = dockerfile(tmp_path, "distribution: {type: mpi}")
    for package in mpi_image.APT_PACKAGES:
        assert f"    {package} \\\n" in text
    assert '"mpi4py==4.1.2"' in text
    assert "ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519" in text
    assert "cp /root/.ssh/id_ed25519.pub /root/.ssh/authorized_keys" in text
    assert "mkdir -p /run/sshd" in text


@pytest.mark.parametrize("distribution", ["distribution: {type: torchrun}", "distribution: {type: none}"])
def test_other_jobs_get_none_of_it(tmp_path, distribution):
    text = dockerfile(tmp_path, distribution)
    assert "openssh-server" not in text and "mpi4py" not in text and "ssh-keygen" not in text


def test_packages_the_job_lists_are_not_repeated(tmp_path):
    text = dockerfile(tmp_path, "distribution: {type: mpi}", image="  apt: [openmpi-bin]\n  pip: [mpi4py==3.1.6]\n")
    assert text.count("openmpi-bin") == 1
    assert "mpi4py==3.1.6" in text and "mpi4py==4.1.2" not in text


@pytest.mark.parametrize("named", ["MPI4PY==3.1.6", "Mpi4Py>=3.1", "mpi4py[extra]==3.1.6", "mpi4py @ https://example.org/pkg-4.0.tar.gz"])
def test_a_listed_mpi4py_is_found_whatever_its_spelling(tmp_path, named):
    """Package names compare case-insensitively (PEP 503): a second, conflicting mpi4py would
    be installed over the job's own."""
    text = dockerfile(tmp_path, "distribution: {type: mpi}", image=f'  pip: ["{named}"]\n')
    assert "mpi4py==4.1.2" not in text.lower()
    assert text.lower().count("mpi4py") == 1


def test_mpi_dockerfile_passes_hadolint(tmp_path):
    dockerfile(tmp_path, "distribution: {type: mpi}")
    result = subprocess.run(
        [BIN / "hadolint", "--failure-threshold", "style", tmp_path / "out" / "Dockerfile"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
