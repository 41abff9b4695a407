"""Building small job directories for compiler tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/*/job.yaml"))

MINIMAL = """\
version: 1
name: demo
account: "123456789012"
region: us-east-1
role: arn:aws:iam::123456789012:role/SageMakerRole
image:
  repository: demo/train
entry_point: train.py
output:
  s3: s3://bucket/output/
"""


def make_job(directory: Path, text: str = MINIMAL, files: dict[str, str] | None = None) -> Path:
    """A job directory with job.yaml, code/train.py and any extra files; returns job.yaml."""
    (directory / "code").mkdir(parents=True, exist_ok=True)
    (directory / "code" / "train.py").write_text("print('training')\n")
    for name, content in (files or {}).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    job = directory / "job.yaml"
    job.write_text(text)
    return job


def with_lines(*lines: str) -> str:
    """MINIMAL plus extra top-level YAML lines."""
    return MINIMAL + "".join(line + "\n" for line in lines)


def run_compiler(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compiler", *map(str, args)],
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
