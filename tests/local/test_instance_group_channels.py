"""A channel with instance_groups (InstanceGroupNames) reaches only the hosts of those groups in
SageMaker: a local run, whose one host joins one group, gets exactly the channels that host
would get (data, inputdataconfig.json, SM_CHANNEL_*), and says which it left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.local.config_files import input_data_config, left_out_channels, resource_config
from sagemaker_byoc.spec import SpecError
from tests.compiler.jobs import make_job, with_lines

from .jobs import job_document, read_dump, run_in_process, write_job

GROUPS = [
    {"name": "train", "instance_type": "ml.m5.large", "instance_count": 2},
    {"name": "data", "instance_type": "ml.c5.xlarge", "instance_count": 1},
]
LEFT_OUT_NOTE = (
    "note: channel 'shards' goes only to instance group 'data' (its instance_groups); this run's host, algo-1, "
    "plays group 'train', so it gets no shards, as in SageMaker"
)


def grouped_document(**shards: object) -> dict:
    return job_document(
        inputs={
            "train": {"s3": "s3://example-bucket/train/", "local": "data/train", "instance_groups": ["train"]},
            "shards": {"s3": "s3://example-bucket/shards/", "instance_groups": ["data"], **shards},
            "all": {"s3": "s3://example-bucket/all/", "local": "data/all"},
        },
        resources={"instance_groups": GROUPS},
    )


def test_the_local_host_gets_only_its_groups_channels(tmp_path: Path):
    job = write_job(tmp_path / "job", grouped_document(local="data/shards"))
    run_dir = tmp_path / "run"

    status, output = run_in_process(LocalOptions(job, workdir=run_dir))

    assert status == 0, output
    config = json.loads((run_dir / "input" / "config" / "inputdataconfig.json").read_text())
    assert list(config) == ["train", "all"]
    assert sorted(p.name for p in (run_dir / "input" / "data").iterdir()) == ["all", "train"]
    env = read_dump(run_dir)["env"]
    assert json.loads(env["SM_CHANNELS"]) == ["all", "train"]
    assert "SM_CHANNEL_SHARDS" not in env and env["SM_CHANNEL_TRAIN"].endswith("/input/data/train")
    assert json.loads(env["SM_INPUT_DATA_CONFIG"]) == config
    assert env["SM_CURRENT_INSTANCE_GROUP"] == "train"
    assert LEFT_OUT_NOTE in output.splitlines()
    assert "input/data/shards" not in output


def test_a_channel_the_local_host_never_gets_needs_no_local_path(tmp_path: Path):
    job = write_job(tmp_path / "job", grouped_document())  # shards has no local:

    status, output = run_in_process(LocalOptions(job, workdir=tmp_path / "run"))

    assert status == 0, output
    assert LEFT_OUT_NOTE in output.splitlines()
    missing = write_job(tmp_path / "other", job_document(inputs={"train": {"s3": "s3://example-bucket/train/"}}))
    with pytest.raises(SpecError, match="channel 'train' has no local: path"):  # a channel it gets still needs one
        run_in_process(LocalOptions(missing, workdir=tmp_path / "run-2"))


def test_the_channels_follow_the_group_the_local_host_joins(tmp_path: Path):
    """With the distribution on group data, the local host plays data: it gets shards, not train."""
    job = make_job(tmp_path, with_lines(
        "distribution: {type: mpi, instance_groups: [data]}",
        "resources:",
        "  instance_groups:",
        "    - {name: train, instance_type: ml.m5.large, instance_count: 2}",
        "    - {name: data, instance_type: ml.c5.xlarge, instance_count: 1}",
        "inputs:",
        "  train: {s3: 's3://bucket/train/', instance_groups: [train]}",
        "  shards: {s3: 's3://bucket/shards/', instance_groups: [data, train]}",
        "  all: s3://bucket/all/",
    ))
    request = compile_job(job).rendered.request.body

    assert resource_config(request)["current_group_name"] == "data"
    assert list(input_data_config(request)) == ["shards", "all"]
    assert left_out_channels(request) == [("train", ["train"])]


def test_without_instance_groups_every_channel_is_delivered(tmp_path: Path):
    request = compile_job(make_job(tmp_path, with_lines("inputs: {a: 's3://bucket/a/', b: 's3://bucket/b/'}"))).rendered.request.body
    assert list(input_data_config(request)) == ["a", "b"] and left_out_channels(request) == []
