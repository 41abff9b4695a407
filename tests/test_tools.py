"""A missing CI-provided tool skips on a workstation and fails under CI=true; and every skip of
such a tool goes through tests.tools.require_tool."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = """\
from tests.tools import require_tool


def test_needs_an_absent_tool():
    require_tool(False, "frobnicate not installed (.ci/apt-packages lists it)")


def test_needs_a_present_tool():
    require_tool(True, "never shown")
"""

# Skips that are not about a tool: the repository itself lacks what the test reads.
NOT_TOOLS = {
    "tests/aws/test_submit.py": ['pytest.skip("no examples/*/generated/create_training_job.json")'],
    "tests/aws/test_build_and_push.py": ['pytest.skip("no examples/*/generated/build_and_push.sh")'],
    "tests/compiler/test_examples.py": ['pytest.mark.skipif(not EXAMPLES, reason="no examples/*/job.yaml")'],
    "tests/local/test_examples.py": ["pytest.skip(result.stdout.strip().splitlines()[-1])"],  # a framework this machine lacks
    "tests/tools.py": ["pytest.skip(message)"],
    # A sample suite for the end-of-run summary of skips, which it reads back.
    "tests/test_skip_summary.py": ['pytest.skip("no mpirun here")'] * 2,
    # The shim's table is Python 3.11's (Unicode 14.0); another Python's answers differ, which is no missing tool.
    "tests/shim/test_printable_table.py": [
        'pytest.skip(f"Python\'s Unicode is {unicodedata.unidata_version}; the shim\'s table is {TABLE_UNICODE_VERSION}")',
    ] * 2,
    # Bases that cannot be had here (CUDA, Python 3.12, a private ECR registry) and images of gigabytes built on request.
    "tests/image/test_examples.py": [
        'pytest.skip(f"{example.name}: CUDA base {reference} cannot be had here (no registry access)")',
        'pytest.skip(f"{example.name}: base {reference} is in a private ECR registry, which needs AWS credentials and network access")',
        'pytest.skip(f"{example.name}: {why}; set {variable}=1 to build it")',
        "pytest.skip(f\"{example.name}: {reference} is not in the image storage and has no stand-in (Debian's python3 is 3.11)\")",
    ],
}


def run_probe(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {name: value for name, value in os.environ.items() if name != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-rfs", "-q", str(tmp_path / "test_probe.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("ci", [None, "false", ""])
def test_a_missing_tool_skips_outside_ci(tmp_path: Path, ci: str | None) -> None:
    result = run_probe(tmp_path, ci)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "SKIPPED [1] test_probe.py:5: frobnicate not installed (.ci/apt-packages lists it)" in result.stdout


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_a_missing_tool_fails_in_ci(tmp_path: Path, ci: str) -> None:
    result = run_probe(tmp_path, ci)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert (
        "FAILED test_probe.py::test_needs_an_absent_tool - Failed: frobnicate not installed (.ci/apt-packages lists it) "
        "(CI=true: .ci/run provides this, so its absence is a failure, not a skip)"
    ) in result.stdout


def test_every_skip_of_a_tool_goes_through_require_tool() -> None:
    found = {}
    for path in sorted((REPO / "tests").rglob("*.py")):
        relative = str(path.relative_to(REPO))
        if relative.startswith("tests/bench/") or relative == "tests/test_tools.py":
            continue
        calls = re.findall(r"pytest\.(?:skip\(.*\)|mark\.skipif\(.*\)|importorskip\(.*\))", path.read_text())
        if calls:
            found[relative] = calls
    assert found == NOT_TOOLS
