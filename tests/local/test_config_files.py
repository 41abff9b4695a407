"""The three config files of a local run, key by key against what a SageMaker training job
receives (toolkit-contract.md §2 and its §8 worked example, whose files SageMaker wrote)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local import LocalOptions
from tests.tools import require_tool

from .jobs import job_document, run_in_process, write_job

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "toolkit-contract.md"

# §2: the keys SageMaker writes into resourceconfig.json, in the order of §8's example.
RESOURCE_KEYS = [
    "current_host",
    "current_instance_type",
    "current_group_name",
    "hosts",
    "instance_groups",
    "network_interface_name",
]
INSTANCE_GROUP_KEYS = ["instance_group_name", "instance_type", "hosts"]
CHANNEL_KEYS = ["ContentType", "TrainingInputMode", "S3DistributionType", "RecordWrapperType"]


def channels_document() -> dict:
    return job_document(
        hyperparameters={
            "epochs": 10,
            "learning-rate": 0.001,
            "model_name": "resnet50",
            "layers": [64, 128],
            "flag": True,
            "nothing": None,
            "config": {"b": 1, "a": "x"},
        },
        inputs={
            "train": {"s3": "s3://example-bucket/train/", "content_type": "text/csv", "local": "data/train"},
            "validation-set": {"s3": "s3://example-bucket/val/", "distribution": "ShardedByS3Key", "local": "data/val"},
            "stream": {
                "s3": "s3://example-bucket/stream/",
                "mode": "Pipe",
                "record_wrapper": "RecordIO",
                "content_type": "application/x-recordio",
                "local": "data/stream",
            },
        },
        resources={"instance_type": "ml.c5.xlarge", "instance_count": 3},
    )


@pytest.fixture
def run(tmp_path: Path):
    job = write_job(tmp_path / "job", channels_document())
    run_dir = tmp_path / "run"
    status, output = run_in_process(LocalOptions(job, workdir=run_dir))
    assert status == 0, output
    config = run_dir / "input" / "config"
    files = {
        name: json.loads((config / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("hyperparameters", "inputdataconfig", "resourceconfig")
    }
    return job, files, output


def test_hyperparameters_are_the_requests_strings(run):
    job, files, _ = run
    request = compile_job(job).rendered.request.body
    assert list(files["hyperparameters"].items()) == list(request["HyperParameters"].items())
    assert all(isinstance(v, str) for v in files["hyperparameters"].values())
    assert files["hyperparameters"]["model_name"] == '"resnet50"'
    assert files["hyperparameters"]["epochs"] == "10"
    assert json.loads(files["hyperparameters"]["config"]) == {"b": 1, "a": "x"}


def test_inputdataconfig_has_one_entry_per_channel_with_sagemakers_keys(run):
    _, files, _ = run
    config = files["inputdataconfig"]
    assert list(config) == ["train", "validation-set", "stream"]
    assert config["train"] == {
        "ContentType": "text/csv",
        "TrainingInputMode": "File",
        "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "None",
    }
    assert config["validation-set"] == {
        "TrainingInputMode": "File",
        "S3DistributionType": "ShardedByS3Key",
        "RecordWrapperType": "None",
    }
    assert config["stream"] == {
        "ContentType": "application/x-recordio",
        "TrainingInputMode": "Pipe",
        "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "RecordIO",
    }
    for entry in config.values():
        assert [k for k in CHANNEL_KEYS if k in entry] == list(entry), "keys in SageMaker's order"


def test_resourceconfig_is_one_host_of_the_jobs_instance_type(run):
    _, files, output = run
    config = files["resourceconfig"]
    assert list(config) == RESOURCE_KEYS
    assert config["current_host"] == "algo-1"
    assert config["hosts"] == ["algo-1"]
    assert config["current_instance_type"] == "ml.c5.xlarge"
    assert config["current_group_name"] == "homogeneousCluster"
    assert config["network_interface_name"] == "eth0"
    assert [list(group) for group in config["instance_groups"]] == [INSTANCE_GROUP_KEYS]
    assert config["instance_groups"][0] == {
        "instance_group_name": "homogeneousCluster",
        "instance_type": "ml.c5.xlarge",
        "hosts": ["algo-1"],
    }
    assert "3 instances" in output and "single host algo-1" in output


def test_script_sees_the_channels_and_resources_the_toolkit_derives(run, tmp_path: Path):
    from .jobs import read_dump

    _, files, _ = run
    env = read_dump(tmp_path / "run")["env"]
    base = str((tmp_path / "run").resolve())
    assert json.loads(env["SM_CHANNELS"]) == ["stream", "train", "validation-set"]
    assert env["SM_CHANNEL_VALIDATION-SET"] == f"{base}/input/data/validation-set"
    assert json.loads(env["SM_RESOURCE_CONFIG"]) == files["resourceconfig"]
    assert json.loads(env["SM_INPUT_DATA_CONFIG"]) == files["inputdataconfig"]
    assert env["SM_CURRENT_INSTANCE_GROUP_HOSTS"] == '["algo-1"]'
    assert env["TRAINING_JOB_NAME"] == "local-test"


def _contract_example(name: str) -> dict:
    text = CONTRACT.read_text(encoding="utf-8")
    match = re.search(r"\*\*`" + re.escape(name) + r"`\*\*\s*```json\n(.*?)\n```", text, re.DOTALL)
    assert match, f"{name} example not found in {CONTRACT}"
    return json.loads(match.group(1))


def test_keys_match_the_contracts_worked_example(run):
    require_tool(CONTRACT.is_file(), f"{CONTRACT} not present (the shared reference lies beside the clone)")
    _, files, _ = run
    example = _contract_example("resourceconfig.json")
    assert list(files["resourceconfig"]) == list(example)
    assert [list(g) for g in files["resourceconfig"]["instance_groups"]] == [list(g) for g in example["instance_groups"]]
    channels = _contract_example("inputdataconfig.json")
    assert list(files["inputdataconfig"]["train"]) == list(channels["train"])
    assert list(files["inputdataconfig"]["validation-set"]) == list(channels["validation-set"])
