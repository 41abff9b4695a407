"""The shell x awk matrix: the shim must launch identically under every POSIX shell and awk.

Within the CI budget: every shell with mawk and every awk with dash over the whole fixture set
(dash + mawk itself is test_conformance.py), and the full cross product over one rich job.
Absent shells or awks skip with the package to install.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import harness, jobs
from .conftest import ToolkitRuns, awk_params, require_awk, require_shell, shell_params
from .harness import AWKS, DEFAULT_AWK, DEFAULT_SHELL, SHELLS, Awk, Shell

OTHER_SHELLS = tuple(shell for shell in SHELLS if shell != DEFAULT_SHELL)
OTHER_AWKS = tuple(awk for awk in AWKS if awk != DEFAULT_AWK)
ALL_JOBS = {**jobs.LAUNCHING, **jobs.FAILING}


def check(name: str, shell: Shell, awk: Awk, toolkit_runs: ToolkitRuns, tmp_path: Path) -> None:
    require_shell(shell)
    require_awk(awk)
    toolkit = toolkit_runs.outcome(name, ALL_JOBS[name])
    outcome = harness.run_shim(ALL_JOBS[name](), tmp_path, shell=shell, awk=awk)
    label = f"{name}, {shell.name}, {awk.name}"
    if name in jobs.FAILING:
        harness.assert_same_failure(toolkit, outcome, label)
    else:
        harness.assert_same_launch(toolkit, outcome, label)
        assert outcome.exit_code == 0, f"{label}: the shim exited {outcome.exit_code}\n{outcome.describe()}"


@pytest.mark.parametrize("name", sorted(ALL_JOBS))
@pytest.mark.parametrize("shell", shell_params(OTHER_SHELLS))
def test_every_shell_with_mawk(
    shell: Shell, name: str, oracle: None, shim: Path, toolkit_runs: ToolkitRuns, tmp_path: Path
) -> None:
    check(name, shell, DEFAULT_AWK, toolkit_runs, tmp_path)


@pytest.mark.parametrize("name", sorted(ALL_JOBS))
@pytest.mark.parametrize("awk", awk_params(OTHER_AWKS))
def test_every_awk_with_dash(awk: Awk, name: str, oracle: None, shim: Path, toolkit_runs: ToolkitRuns, tmp_path: Path) -> None:
    check(name, DEFAULT_SHELL, awk, toolkit_runs, tmp_path)


@pytest.mark.parametrize("awk", awk_params())
@pytest.mark.parametrize("shell", shell_params())
def test_cross_product_on_a_rich_job(
    shell: Shell, awk: Awk, oracle: None, shim: Path, toolkit_runs: ToolkitRuns, tmp_path: Path
) -> None:
    check("rich", shell, awk, toolkit_runs, tmp_path)
