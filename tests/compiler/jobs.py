"""Building small job directories for compiler tests."""

from __future__ import annotations

import json
import re
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


def yaml_json(value: object) -> str:
    """A value as JSON text that YAML reads back the same: JSON's surrogate-pair escapes (which
    YAML reads as two lone halves) written as one \\UXXXXXXXX escape."""
    text = json.dumps(value)
    return re.sub(
        r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})",
        lambda m: f"\\U{0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00:08x}",
        text,
    )


def with_lines(*lines: str) -> str:
    """MINIMAL plus extra top-level YAML lines."""
    return MINIMAL + "".join(line + "\n" for line in lines)


def run_compiler(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", *map(str, args)],
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
