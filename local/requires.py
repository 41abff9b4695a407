"""What an example needs on this machine before it can run locally.

A job directory may hold `local-requires.txt` beside job.yaml, one requirement a line:

    # TensorFlow is too heavy to install for a local run; skip when absent.
    python tensorflow        # a module the script's Python can import
    command nvidia-smi       # a program on PATH

When one is missing, run-local does not start the job and says what is missing, so a machine
without TensorFlow or a GPU skips that example with a clear message instead of a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "local-requires.txt"
KINDS = ("python", "command")
PROBE_TIMEOUT_S = 60


class RequiresFileError(ValueError):
    """A malformed line; the message gives file, line and problem."""


@dataclass(frozen=True)
class Requirement:
    kind: str  # "python" or "command"
    name: str

    def describe(self, python: str) -> str:
        return f"{python} cannot import {self.name}" if self.kind == "python" else f"no {self.name} on PATH"


def read_requirements(job_dir: Path) -> list[Requirement]:
    path = job_dir / FILE_NAME
    if not path.is_file():
        return []
    found = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2 or words[0] not in KINDS:
            raise RequiresFileError(f"{path}:{number}: expected 'python MODULE' or 'command NAME', got {raw.strip()!r}")
        found.append(Requirement(words[0], words[1]))
    return found


def missing(requirements: list[Requirement], python: str, env: dict[str, str]) -> list[Requirement]:
    """The requirements this machine does not meet, with the interpreter that will run the script."""
    return [r for r in requirements if not _present(r, python, env)]


def _present(requirement: Requirement, python: str, env: dict[str, str]) -> bool:
    if requirement.kind == "command":
        return shutil.which(requirement.name, path=env.get("PATH")) is not None
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)"
    try:
        result = subprocess.run(
            [python, "-c", probe, requirement.name],
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0
