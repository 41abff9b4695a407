"""distribution and instance groups: where each key is checked and what it renders."""

from __future__ import annotations

import json

import pytest

from sagemaker_byoc.local.config_files import resource_config
from sagemaker_byoc.spec import SpecError, load_job
from tests.compiler.jobs import MINIMAL, make_job, run_compiler, with_lines

GROUPS = """\
resources:
  instance_groups:
    - {name: train, instance_type: ml.p4d.24xlarge, instance_count: 2}
    - {name: data, instance_type: ml.c5.2xlarge, instance_count: 1}"""

FULL = with_lines(
    "distribution:",
    "  type: mpi",
    "  processes_per_host: 4",
    "  instance_groups: [train]",
    '  mpi_options: "-x FOO=1 -bind-to core"',
    GROUPS,
    "inputs:",
    "  train: {s3: 's3://bucket/train/', instance_groups: [train]}",
    "  all: s3://bucket/all/",
)


def errors(tmp_path, text, entry_point="train.py"):
    job = make_job(tmp_path, text.replace("entry_point: train.py", f"entry_point: {entry_point}"))
    if entry_point != "train.py":
        (tmp_path / "code" / entry_point).write_text("echo\n")
    try:
        _, found = load_job(job)
    except SpecError as error:
        found = error.diagnostics
    return [f"{d.line}:{d.col}: {d.message}" for d in found if d.severity == "error"]


def compiled_request(tmp_path, text):
    job = make_job(tmp_path, text)
    result = run_compiler("compile", job, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    return json.loads((tmp_path / "out" / "create_training_job.json").read_text())


def test_full_distribution_renders_the_sdk_hyperparameters(tmp_path):
    request = compiled_request(tmp_path, FULL)
    assert request["HyperParameters"] == {
        "sagemaker_mpi_enabled": "true",
        "sagemaker_mpi_num_of_processes_per_host": "4",
        "sagemaker_mpi_custom_mpi_options": '"-x FOO=1 -bind-to core"',
        "sagemaker_distribution_instance_groups": '["train"]',
    }
    assert request["ResourceConfig"] == {
        "InstanceGroups": [
            {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2, "InstanceGroupName": "train"},
            {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "InstanceGroupName": "data"},
        ],
        "VolumeSizeInGB": 30,
    }
    sources = {c["ChannelName"]: c["DataSource"]["S3DataSource"] for c in request["InputDataConfig"]}
    assert sources["train"]["InstanceGroupNames"] == ["train"]
    assert "InstanceGroupNames" not in sources["all"]


def test_torchrun_with_auto_processes_renders_only_the_flag(tmp_path):
    request = compiled_request(tmp_path, with_lines("hyperparameters: {epochs: 2}", "distribution: {type: torchrun}"))
    assert request["HyperParameters"] == {"epochs": "2", "sagemaker_torch_distributed_enabled": "true"}
    assert request["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"


def test_no_distribution_renders_nothing(tmp_path):
    request = compiled_request(tmp_path, with_lines("distribution: {type: none}"))
    assert "HyperParameters" not in request


def test_full_distribution_is_valid(tmp_path):
    assert errors(tmp_path, FULL) == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [GROUPS.replace("  instance_groups:", "  instance_type: ml.m5.xlarge\n  instance_count: 2\n  instance_groups:")],
            ["12:3: instance_type cannot be set beside instance_groups: each group has its own",
             "13:3: instance_count cannot be set beside instance_groups: each group has its own"],
        ),
        (
            [GROUPS.replace("name: data", "name: train")],
            ["14:14: instance group 'train' is defined twice"],
        ),
        (
            ["distribution: {type: torchrun, instance_groups: [train, gpu]}", GROUPS],
            ["11:57: no instance group 'gpu' in resources.instance_groups (defined: train, data)"],
        ),
        (
            ["distribution: {type: torchrun, instance_groups: [train]}"],
            ["11:49: instance_groups needs resources.instance_groups (a heterogeneous cluster)"],
        ),
        (
            ["inputs:", "  train: {s3: 's3://bucket/t/', instance_groups: [gpu]}", GROUPS],
            ["12:51: no instance group 'gpu' in resources.instance_groups (defined: train, data)"],
        ),
        (
            ["distribution: {processes_per_host: 2}"],
            ["11:16: processes_per_host applies only with distribution.type torchrun or mpi"],
        ),
        (
            ["distribution: {type: torchrun, mpi_options: '-x A=1'}"],
            ["11:32: mpi_options applies only with distribution.type mpi"],
        ),
        (
            ["hyperparameters: {sagemaker_mpi_enabled: true}", "distribution: {type: mpi}"],
            ["11:19: 'sagemaker_mpi_enabled' is written from the distribution section; set it there"],
        ),
    ],
)
def test_cross_field_rules_at_their_lines(tmp_path, lines, expected):
    assert errors(tmp_path, with_lines(*lines)) == expected


def test_torchrun_runs_python_scripts_only(tmp_path):
    found = errors(tmp_path, with_lines("distribution: {type: torchrun}"), entry_point="train.sh")
    assert found == ["8:14: torchrun runs Python scripts only; 'train.sh' is not a .py file"]


def test_mpi_runs_any_entry_point(tmp_path):
    assert errors(tmp_path, with_lines("distribution: {type: mpi}"), entry_point="train.sh") == []


@pytest.mark.parametrize(
    "line",
    [
        "distribution: {type: torchrun, processes_per_host: 0}",
        "distribution: {type: torchrun, processes_per_host: many}",
        "distribution: {type: mpi, mpi_options: \"-x A=1\\n-x B=2\"}",
        "distribution: {type: mpi, mpi_options: \"-x  A=1\"}",
        "distribution: {type: mpi, mpi_options: \"-x A='1 2'\"}",
        "distribution: {type: deepspeed}",
        "resources: {instance_groups: []}",
        "resources: {instance_groups: [{name: 'a b', instance_type: ml.m5.xlarge, instance_count: 1}]}",
        "resources: {instance_groups: [{name: a, instance_type: ml.m5.xlarge, instance_count: 0}]}",
    ],
)
def test_schema_rejects(tmp_path, line):
    found = errors(tmp_path, with_lines(line))
    assert len(found) == 1 and found[0].startswith("11:"), found


def test_six_groups_exceed_the_api_limit(tmp_path):
    groups = ", ".join(f"{{name: g{i}, instance_type: ml.m5.xlarge, instance_count: 1}}" for i in range(6))
    found = errors(tmp_path, with_lines(f"resources: {{instance_groups: [{groups}]}}"))
    assert len(found) == 1 and found[0] == "11:30: instance_groups: 6 items; at most 5 allowed", found


def test_local_run_host_joins_the_distribution_group(tmp_path):
    config = resource_config(compiled_request(tmp_path, FULL))
    assert config["current_group_name"] == "train"
    assert config["current_instance_type"] == "ml.p4d.24xlarge"
    assert config["instance_groups"] == [{"instance_group_name": "train", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-1"]}]


def test_local_run_host_joins_the_first_group_without_distribution_groups(tmp_path):
    config = resource_config(compiled_request(tmp_path, with_lines(GROUPS.replace("name: train", "name: first"))))
    assert (config["current_group_name"], config["current_instance_type"]) == ("first", "ml.p4d.24xlarge")


def test_minimal_job_keeps_the_homogeneous_cluster(tmp_path):
    config = resource_config(compiled_request(tmp_path, MINIMAL))
    assert (config["current_group_name"], config["current_instance_type"]) == ("homogeneousCluster", "ml.m5.xlarge")


def test_mpi_is_rendered_without_diagnostics(tmp_path):
    job = make_job(tmp_path, with_lines("distribution: {type: mpi}"))
    _, found = load_job(job)
    assert found == []
