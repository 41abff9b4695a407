"""Small job directories written into a test's temporary directory, and ways to run them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagemaker_byoc.local import LocalOptions, run_local

REPO_ROOT = Path(__file__).resolve().parents[2]

# Records how the entry point was started, into output/data/dump.json.
DUMP_SCRIPT = """\
import json
import os
import sys

dump = {"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "dump.json"), "w", encoding="utf-8") as f:
    json.dump(dump, f)
print("loss: 0.25")
print("loss: 0.125")
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
"""


def job_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": 1,
        "name": "local-test",
        "account": "123456789012",
        "region": "us-east-1",
        "role": "arn:aws:iam::123456789012:role/SageMakerRole",
        "image": {"base": "cpu", "python": "3.11", "repository": "byoc/local-test"},
        "source_dir": "code",
        "entry_point": "train.py",
        "inputs": {"train": {"s3": "s3://example-bucket/train/", "content_type": "text/csv", "local": "data/train"}},
        "output": {"s3": "s3://example-bucket/output/"},
        "resources": {"instance_type": "ml.m5.large", "instance_count": 1},
        "metrics": [{"name": "train:loss", "regex": "loss: ([0-9.]+)"}],
    }
    document.update(overrides)
    return document


def write_job(
    directory: Path, document: dict[str, Any] | None = None, script: str = DUMP_SCRIPT, data: dict[str, str] | None = None
) -> Path:
    """A job directory: job.yaml (JSON is YAML), code/train.py and the channels' local data."""
    document = document if document is not None else job_document()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "code").mkdir(exist_ok=True)
    (directory / "code" / document["entry_point"]).write_text(script, encoding="utf-8")
    for channel in (document.get("inputs") or {}).values():
        if isinstance(channel, dict) and "local" in channel:
            local = directory / channel["local"]
            local.mkdir(parents=True, exist_ok=True)
            (local / "part-0.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    for name, text in (data or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    job = directory / "job.yaml"
    job.write_text(json.dumps(document, ensure_ascii=True, indent=2) + "\n", encoding="utf-8")
    return job


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
    """`python -m sagemaker_byoc ARGS` in a fresh interpreter, as make runs it, from any directory."""
    env = dict(env if env is not None else os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    completed = subprocess.run(
        [sys.executable, "-m", "sagemaker_byoc", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def run_in_process(options: LocalOptions) -> tuple[int, str]:
    """run_local without a new interpreter (the shim still runs as its own process)."""
    out = io.StringIO()
    status = run_local(options, out)
    return status, out.getvalue()


def read_dump(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "output" / "data" / "dump.json").read_text(encoding="utf-8"))
