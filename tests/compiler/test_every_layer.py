"""One run reports every layer: the schema's errors, the semantic checks and the API's rules on
the sections the schema accepted, and no finding that follows from a value already reported;
and the hints for the mistakes YAML makes easy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import botocore
import pytest

from sagemaker_byoc.aws import regions
from sagemaker_byoc.aws.regions import known_regions
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError
from sagemaker_byoc.spec.schema import job_schema
from sagemaker_byoc.spec.source import read_source
from tests.compiler.jobs import EXAMPLES, MINIMAL, make_job, run_compiler, with_lines

SIX_MISTAKES = """\
version: 1
name: demo
account: 111122223333
region: eu-west1
role: arn:aws:iam::123456789012:role/SageMakerRole
image:
  repository: demo/train
entry_point: train.py
inputs:
  train:
    s3: s3://bucket/train/
    local: data/train
output:
  s3: s3://bucket/output/
spot: true
spto: true
metrics:
  - name: loss
    regex: "loss: [0-9.]+"
limits:
  max_runtime: 30d
"""


def lines_of(stderr: str, job: Path) -> list[str]:
    assert "Traceback" not in stderr
    return [line.removeprefix(f"{job}:") for line in stderr.splitlines()]


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_six_mistakes_in_four_layers_are_reported_in_one_run(tmp_path, command):
    job = make_job(tmp_path, SIX_MISTAKES)
    result = run_compiler(command, job)
    assert result.returncode == 2
    assert lines_of(result.stderr, job) == [
        '3:10: error: account: expected a string, got an integer 111122223333; quote it: account: "111122223333" (at /account)',
        "4:9: error: region: 'eu-west1' is not valid: expected a Region code such as us-east-1; did you mean 'eu-west-1'? (at /region)",
        f"12:12: warning: channel 'train': local path {tmp_path}/data/train does not exist; run-local needs it (at /inputs/train/local)",
        "15:7: error: spot training needs limits.max_wait (at least limits.max_runtime) (at /spot)",
        "16:1: error: unknown key 'spto'; did you mean 'spot'? (at /spto)",
        "19:12: error: regex of metric 'loss' needs a capturing group around the value, e.g. 'loss: ([0-9.]+)' (at /metrics/0/regex)",
        "21:16: error: MaxRuntimeInSeconds 2592000 exceeds the maximum of 28 days (2419200) (at /limits/max_runtime)",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["code", "job.yaml"]


def test_a_rule_that_reads_a_refused_section_reports_nothing(tmp_path):
    # spot is refused by the schema: neither the semantic warning (max_wait without spot) nor
    # the API's rule on spot and MaxWait may follow from it; the tag warning, elsewhere, stays.
    job = make_job(tmp_path, with_lines("spot: yes", "limits:", "  max_wait: 2h").replace("repository: demo/train", "repository: demo/train\n  tag: latest"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert lines_of(result.stderr, job) == [
        ("8:8: warning: tag 'latest' moves with every push: a job may run another image than the one compiled from this "
        "job.yaml; leave tag out (a hash of the build inputs) or name a version (at /image/tag)"),
        "12:7: error: spot: expected a boolean, got a string 'yes' (at /spot)",
    ]


def test_the_api_rules_check_the_accepted_sections_beside_a_refused_one(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("name: demo", "name: de_mo") + "limits:\n  max_runtime: 30d\n")
    with pytest.raises(SpecError) as raised:
        compile_job(job)
    assert [(d.line, d.pointer) for d in raised.value.diagnostics] == [(2, "/name"), (12, "/limits/max_runtime")]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_a_wrong_section_is_reported_alone_in_every_example(tmp_path, example):
    """Each top-level section of each example made wrong in turn: every error is at that
    section (none follows from it elsewhere), and no check trips over the refused section."""
    keys = [k for k in job_schema()["properties"] if k != "$schema"]
    base = read_source(example).data
    directory = tmp_path / "job"
    shutil.copytree(example.parent, directory, ignore=shutil.ignore_patterns("generated"))
    for key in keys:
        for wrong in (12345, [1]):
            (directory / "job.yaml").write_text(json.dumps({**base, key: wrong}), encoding="utf-8")
            with pytest.raises(SpecError) as raised:
                compile_job(directory / "job.yaml", tmp_path / "out")
            errors = [d for d in raised.value.errors]
            assert errors, (key, wrong)
            assert all(d.pointer == f"/{key}" or d.pointer.startswith(f"/{key}/") for d in errors), (key, wrong, errors)
            assert not (tmp_path / "out").exists()


def test_a_leading_zero_lost_by_yaml_is_explained(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace('account: "123456789012"', "account: 012345678901"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert lines_of(result.stderr, job) == [
        ('3:10: error: account: expected a string, got an integer 12345678901; quote it as written, e.g. account: "012345678901" '
        "if it starts with 0: unquoted, YAML reads it as the number 12345678901, without its leading zeros (at /account)")
    ]


def test_other_unquoted_scalars_where_a_string_belongs_are_explained(tmp_path):
    job = make_job(tmp_path, with_lines("tags:", "  team: 42", "  ratio: 1.10", "  flag: true"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert lines_of(result.stderr, job) == [
        '12:9: error: team: expected a string, got an integer 42; quote it: team: "42" (at /tags/team)',
        "13:10: error: ratio: expected a string, got a number 1.1; quote it as written: unquoted, YAML reads it as the number 1.1 (at /tags/ratio)",
        "14:9: error: flag: expected a string, got a boolean true; quote it as written: unquoted, YAML reads it as the boolean true (at /tags/flag)",
    ]


def test_a_region_botocore_does_not_know_is_a_warning_with_the_closest(tmp_path):
    assert "eu-west-9" not in known_regions() and "eu-west-3" in known_regions()
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", "region: eu-west-9"))
    result = run_compiler("validate", job)
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stderr, job)[0].startswith(
        "4:9: warning: 'eu-west-9' is no Region that botocore "
    ) and "knows; did you mean 'eu-west-3'? (a newer botocore may know it) (at /region)" in result.stderr


@pytest.mark.parametrize(("typed", "meant"), [("eu-west1", "eu-west-1"), ("US-EAST-1", "us-east-1"), ("ap_south_1", "ap-south-1"), ("us-gov-west1", "us-gov-west-1")])
def test_a_mistyped_region_gets_the_closest_known_one(tmp_path, typed, meant):
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", f"region: {typed}"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert f"4:9: error: region: '{typed}' is not valid: expected a Region code such as us-east-1; did you mean '{meant}'? (at /region)" in lines_of(result.stderr, job)


def test_a_region_far_from_every_known_one_gets_no_suggestion(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", "region: mars"))
    assert lines_of(run_compiler("validate", job).stderr, job) == [
        "4:9: error: region: 'mars' is not valid: expected a Region code such as us-east-1 (at /region)"
    ]


def test_regions_of_every_partition_are_known():
    assert {"us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1"} <= known_regions()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '"0.01"',
            ('"0.01" is a string: SM_HPS gives the script the string, not a number (its command-line argument is the same '
            "text either way); to send a number, write lr: 0.01 without quotes"),
        ),
        (
            '"1e-5"',
            ('"1e-5" is a string: SM_HPS gives the script the string, not a number (its command-line argument is 1e-5 as '
            "written, 1e-05 as a number); to send a number, write lr: 1e-5 without quotes"),
        ),
        (
            "'true'",
            ('"true" is a string: SM_HPS gives the script the string, not a boolean (its command-line argument is true; '
            "a boolean's is True); to send a boolean, write lr: true without quotes"),
        ),
    ],
)
def test_a_quoted_number_or_boolean_hyperparameter_warns(tmp_path, value, message):
    job = make_job(tmp_path, with_lines("hyperparameters:", f"  lr: {value}"))
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stderr, job) == [f"12:7: warning: {message} (at /hyperparameters/lr)"]


@pytest.mark.parametrize("value", ['"007"', '"1_000"', '"True"', '"NaN"', '"adam"', "0.01", "true"])
def test_strings_that_json_does_not_read_as_numbers_and_real_numbers_do_not_warn(tmp_path, value):
    job = make_job(tmp_path, with_lines("hyperparameters:", f"  lr: {value}"))
    result = run_compiler("validate", job)
    assert (result.returncode, result.stderr) == (0, "")


def test_the_committed_regions_match_the_installed_botocore():
    """schemas/regions.json is botocore's endpoint data as `make constraints` derives it, so a
    compile can check a Region without importing botocore."""
    assert regions.REGIONS_PATH.read_text() == regions.render(regions.derive()), "schemas/regions.json is stale: run `make constraints`"
    assert regions.botocore_version() == botocore.__version__
