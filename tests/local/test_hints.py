"""What a failed local run adds to its summary when the script names /opt/ml itself: a local
run has no /opt/ml, so the portable way (the SM_* variables, SAGEMAKER_BASE_DIR) or --docker."""

from __future__ import annotations

from pathlib import Path

import pytest

from .jobs import job_document, run_cli, write_job
from .test_outcomes import RECORDING_DOCKER, _fake_docker

OPENS = """\
import subprocess, sys
{body}
"""


@pytest.mark.parametrize(
    ("body", "path", "portable"),
    [
        # Python's own error, from open(): FileNotFoundError: [Errno 2] No such file or directory: '…'
        ('open("/opt/ml/input/data/train/part-0.csv").read()', "/opt/ml/input/data/train/part-0.csv",
         "SM_CHANNEL_TRAIN names /opt/ml/input/data/train"),
        # A tool's: cat: /opt/ml/model/weights.bin: No such file or directory
        ('sys.exit(subprocess.run(["cat", "/opt/ml/model/weights.bin"]).returncode)', "/opt/ml/model/weights.bin",
         "SM_MODEL_DIR names /opt/ml/model"),
        ('open("/opt/ml/extra/table.csv").read()', "/opt/ml/extra/table.csv",
         'os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml") names /opt/ml'),
    ],
    ids=["channel", "model", "elsewhere"],
)
def test_a_failure_on_a_hard_coded_opt_ml_path_says_how_to_find_it(tmp_path: Path, body: str, path: str, portable: str):
    job = write_job(tmp_path / "job", job_document(), OPENS.format(body=body))
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"))
    assert result.returncode == 1, result.stdout[-2000:]
    assert (
        f"hint: the script looked for {path}, and a local run has no /opt/ml: the run directory stands in for it. "
        f"{portable} here and in SageMaker; or run with --docker, where the image has the real /opt/ml"
    ) in result.stdout


def test_no_hint_when_the_run_succeeds_or_fails_for_another_reason(tmp_path: Path):
    caught = 'try:\n    open("/opt/ml/input/data/train/x").read()\nexcept FileNotFoundError as e:\n    print(e)'
    job = write_job(tmp_path / "ok", job_document(), OPENS.format(body=caught))
    succeeded = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run-ok"))
    assert succeeded.returncode == 0 and "No such file or directory: '/opt/ml/input/data/train/x'" in succeeded.stdout
    assert "hint:" not in succeeded.stdout
    job = write_job(tmp_path / "other", job_document(), OPENS.format(body='open("data/missing.csv").read()'))
    failed = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run-other"))
    assert failed.returncode == 1 and "hint:" not in failed.stdout


def test_no_hint_under_docker_where_opt_ml_is_real(tmp_path: Path):
    job = write_job(tmp_path / "job")
    message = "FileNotFoundError: [Errno 2] No such file or directory: '/opt/ml/input/data/train/x'"
    failing_run = RECORDING_DOCKER.replace("esac\n", f'run) echo "{message}" >&2; exit 1 ;;\nesac\n')
    env = {**_fake_docker(tmp_path / "bin", failing_run), "DOCKER_LOG": str(tmp_path / "docker.log")}
    result = run_cli("run-local", str(job), "--docker", "--workdir", str(tmp_path / "run"), env=env)
    assert result.returncode == 1, result.stderr
    assert "hint:" not in result.stdout
