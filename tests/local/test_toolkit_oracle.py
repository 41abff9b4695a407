"""The run directory a local run writes, given to AWS's own toolkit (`.oracle/bin/train`, from
`make oracle`): it must accept the config files and hand the entry point the same arguments
and configuration variables as the shim did in the local run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sagemaker_byoc.local import LocalOptions
from tests.tools import require_tool

from .jobs import REPO_ROOT, job_document, read_dump, run_in_process, write_job
from .test_config_files import channels_document

ORACLE_TRAIN = REPO_ROOT / ".oracle" / "bin" / "train"
# Derived from the three config files; host-dependent values (CPU and GPU counts) and the
# toolkit's own module directory are left out.
COMPARED = (
    "SM_HOSTS", "SM_NETWORK_INTERFACE_NAME", "SM_HPS", "SM_USER_ENTRY_POINT", "SM_RESOURCE_CONFIG", "SM_INPUT_DATA_CONFIG",
    "SM_OUTPUT_DATA_DIR", "SM_CHANNELS", "SM_CURRENT_HOST", "SM_CURRENT_INSTANCE_TYPE", "SM_CURRENT_INSTANCE_GROUP",
    "SM_CURRENT_INSTANCE_GROUP_HOSTS", "SM_INSTANCE_GROUPS", "SM_INSTANCE_GROUPS_DICT", "SM_IS_HETERO", "SM_MODEL_DIR",
    "SM_USER_ARGS", "SM_CHANNEL_TRAIN", "SM_CHANNEL_VALIDATION-SET", "SM_CHANNEL_STREAM",
)  # fmt: skip



@pytest.fixture(autouse=True)
def oracle() -> None:
    require_tool(ORACLE_TRAIN.is_file(), "the toolkit oracle is not installed (make oracle)")


def _run_toolkit(base: Path, dump_env: dict[str, str]) -> None:
    (base / "output" / "success").unlink()
    (base / "output" / "data" / "dump.json").unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "SAGEMAKER_", "TRAIN"))}
    env.update(
        SAGEMAKER_BASE_DIR=str(base),
        SM_STUDIO_LOCAL_MODE="true",
        SAGEMAKER_PROGRAM=dump_env["SAGEMAKER_PROGRAM"],
        TRAINING_JOB_NAME=dump_env["TRAINING_JOB_NAME"],
    )
    completed = subprocess.run(
        [str(ORACLE_TRAIN)], cwd=base / "code", env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (base / "output" / "success").is_file()


@pytest.mark.parametrize("document", [channels_document(), job_document(hyperparameters={"b": "x", "flag": False})])
def test_the_toolkit_reads_the_run_directory_as_the_shim_does(tmp_path: Path, document: dict):
    job = write_job(tmp_path / "job", document)
    base = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=base))
    assert status == 0, output
    shim = read_dump(base)
    _run_toolkit(base.resolve(), shim["env"])
    toolkit = read_dump(base)
    assert toolkit["argv"] == shim["argv"]
    always = [name for name in COMPARED if not name.startswith("SM_CHANNEL_")]
    assert [name for name in always if name not in toolkit["env"]] == []  # compared, not both absent
    for name in COMPARED:
        assert (name in toolkit["env"]) == (name in shim["env"]), name
        assert toolkit["env"].get(name) == shim["env"].get(name), name
    channels = [f"SM_CHANNEL_{name.upper()}" for name in document.get("inputs", {})]
    assert channels and [name for name in channels if name not in toolkit["env"] or name not in shim["env"]] == []
