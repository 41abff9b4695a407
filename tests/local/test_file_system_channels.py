"""A file-system channel (FSx for Lustre, EFS) in a local run: its `local:` data stands in for the
mount, the channel is described as SageMaker describes a mounted one, and without `local:` the
run stops with a message that says why nothing can fetch it."""

from __future__ import annotations

import json
from pathlib import Path

from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.spec import SpecError

from .jobs import job_document, read_dump, run_in_process, write_job

VPC = {"subnets": ["subnet-0abc"], "security_groups": ["sg-0abc"]}


def fsx_document(**channel) -> dict:
    return job_document(
        inputs={"train": {"fsx": {"id": "fs-0123456789abcdef0", "path": "/abcdefgh/train"}, **channel}},
        network=VPC,
    )


def test_local_data_stands_in_for_the_file_system(tmp_path: Path):
    job = write_job(tmp_path / "job", fsx_document(local="data/train"))
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir))
    assert status == 0, output
    config = json.loads((run_dir / "input" / "config" / "inputdataconfig.json").read_text(encoding="utf-8"))
    assert config == {"train": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}
    assert (run_dir / "input" / "data" / "train" / "part-0.csv").read_text(encoding="utf-8") == "x,y\n1,2\n"
    assert read_dump(run_dir)["env"]["SM_CHANNELS"] == '["train"]'


def test_without_local_data_the_run_says_why(tmp_path: Path):
    job = write_job(tmp_path / "job", fsx_document())
    try:
        run_in_process(LocalOptions(job, workdir=tmp_path / "run"))
    except SpecError as error:
        messages = [d.message for d in error.errors]
    else:
        raise AssertionError("a file-system channel without local: ran")
    assert messages == [
        (
            "channel 'train' has no local: path for local runs (its FSxLustre file system is reachable only inside its VPC); "
            "add one (a directory beside job.yaml) or pass --allow-missing-channels"
        )
    ]
    assert not (tmp_path / "run").exists()
