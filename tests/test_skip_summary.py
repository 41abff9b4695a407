"""`make test` ends by saying what did not run on this machine (tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")
# A sample suite's test file: two skips and a pass.
SAMPLE = """\
import pytest


def test_a():
    pytest.skip("no mpirun here")


def test_b():
    pytest.skip("no mpirun here")


def test_c():
    pass
"""


def run_suite(tmp_path: Path, body: str) -> str:
    tests = tmp_path / "tests"
    (tests / "shim").mkdir(parents=True)
    shutil.copy(CONFTEST, tests / "conftest.py")
    (tests / "shim" / "test_mpi_sample.py").write_text(body)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests"], cwd=tmp_path, capture_output=True, text=True)
    return result.stdout


def test_the_skips_are_named_by_part_and_reason_at_the_end(tmp_path):
    out = run_suite(tmp_path, SAMPLE)
    section = out.split("not run on this machine", 1)[1]
    assert "MPI (Open MPI, sshd): 2 tests skipped" in section
    assert "  2 x no mpirun here" in section
    assert "2 tests did not run here" in section


def test_a_run_without_skips_says_nothing_more(tmp_path):
    assert "not run on this machine" not in run_suite(tmp_path, "def test_a():\n    pass\n")
