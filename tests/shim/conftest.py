"""Fixtures for the shim's conformance tests: the oracle, the shells and awks, cached toolkit runs."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from . import harness
from .harness import AWKS, SHELLS, Awk, Job, Outcome, Shell
from tests.tools import require_tool


def shell_params(shells: tuple[Shell, ...] = SHELLS) -> list[object]:
    return [pytest.param(shell, id=shell.name.replace(" ", "_")) for shell in shells]


def awk_params(awks: tuple[Awk, ...] = AWKS) -> list[object]:
    return [pytest.param(awk, id=awk.name.replace(" ", "_")) for awk in awks]


def require_shell(shell: Shell) -> None:
    require_tool(shell.available(), f"{shell.argv[0]} not installed (needed for `{shell.name}`; .ci/apt-packages lists it)")


def require_awk(awk: Awk) -> None:
    require_tool(awk.available(), f"{awk.binary} not installed (needed for `{awk.name}`; .ci/apt-packages lists it)")


def require_oracle() -> None:
    require_tool(harness.oracle_available(), "the sagemaker-training oracle is not installed: run `make oracle` (creates .oracle/)")


@pytest.fixture
def oracle() -> None:
    """Skips the test when the toolkit's virtualenv is absent."""
    require_oracle()


@pytest.fixture
def shim() -> Path:
    """The script under test; its absence is a failure, not a skip."""
    assert harness.SHIM.is_file(), f"{harness.SHIM} does not exist"
    return harness.SHIM


class ToolkitRuns:
    """Runs of the real toolkit, cached on disk so that xdist workers share them.

    The toolkit takes ~0.4 s a start; every fixture is compared with many shell/awk pairs.
    """

    def __init__(self, cache_dir: Path, scratch: Path) -> None:
        self.cache_dir = cache_dir
        self.scratch = scratch

    def outcome(self, name: str, make_job: Callable[[], Job]) -> Outcome:
        cached = self.cache_dir / f"{name}.json"
        if cached.exists():
            return Outcome(**json.loads(cached.read_text(encoding="utf-8")))
        result = harness.run_toolkit(make_job(), self.scratch / f"{name}-{os.getpid()}")
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(dataclasses.asdict(result)), encoding="utf-8")
        partial.replace(cached)
        return result


@pytest.fixture(scope="session")
def toolkit_runs(tmp_path_factory: pytest.TempPathFactory) -> ToolkitRuns:
    # Under xdist each worker has its own base temp and their parent belongs to this run alone;
    # without xdist that parent holds earlier runs, so stay inside the base temp.
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "toolkit-runs"
    shared.mkdir(exist_ok=True)
    return ToolkitRuns(shared, tmp_path_factory.mktemp("toolkit-scratch"))
