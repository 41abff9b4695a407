"""shim/train is plain POSIX sh: every shell parses it, shellcheck and shfmt have nothing to say."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from . import harness
from .conftest import awk_params, require_awk, require_shell, shell_params
from .harness import Awk, Shell
from tests.tools import require_tool

VENV_BIN = harness.REPO_ROOT / ".venv" / "bin"


def _tool(name: str) -> str:
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    require_tool(found is not None, f"{name} not installed (requirements-dev.txt installs it into .venv)")
    return found


@pytest.mark.parametrize("shell", shell_params())
def test_every_shell_parses_the_shim(shell: Shell) -> None:
    require_shell(shell)
    completed = subprocess.run([*shell.argv, "-n", str(harness.SHIM)], capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")


def test_shellcheck_as_posix_sh() -> None:
    completed = subprocess.run(
        [_tool("shellcheck"), "-s", "sh", "-f", "gcc", str(harness.SHIM)], capture_output=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stdout.decode(errors="replace")


def test_shfmt_posix_has_no_diff() -> None:
    completed = subprocess.run([_tool("shfmt"), "-p", "-d", str(harness.SHIM)], capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stdout.decode(errors="replace") + completed.stderr.decode(errors="replace")


def _awk_program() -> str:
    text = harness.SHIM.read_text(encoding="utf-8")
    match = re.search(r"^TRAIN_AWK_PROGRAM='(.*?)^'$", text, re.DOTALL | re.MULTILINE)
    assert match, "TRAIN_AWK_PROGRAM not found in shim/train"
    return match.group(1)


def test_the_awk_program_holds_no_single_quote() -> None:
    """A quote in the awk text would end the shell string early (comments included)."""
    program = _awk_program()
    assert "'" not in program


@pytest.mark.parametrize("awk", awk_params())
def test_every_awk_compiles_the_program(awk: Awk, tmp_path: Path) -> None:
    """Each awk parses the whole program: a construct one of them lacks fails here, not in a job."""
    require_awk(awk)
    program = tmp_path / "train.awk"
    # A BEGIN that exits first: nothing of the program runs, all of it is compiled.
    program.write_text("BEGIN { exit 0 }\n" + _awk_program(), encoding="utf-8")
    binary = awk.path()
    assert binary is not None
    argv = [binary, "awk", "-f", str(program)] if awk.binary == "busybox" else [binary, "-f", str(program)]
    completed = subprocess.run(argv, capture_output=True, timeout=60, check=False, env={"LC_ALL": "C"})
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
